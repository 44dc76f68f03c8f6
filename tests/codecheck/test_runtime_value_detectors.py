"""Detectors of situations that only fail once the code runs, but that the code shows beforehand:
a DataLoader's spawn workers started from the top level of the script, an initial RNN state built
in the wrong shape, labels outside the classes of a head or a one_hot, and a many-element tensor
used as a truth value. Each broken snippet is found at its line, in the user's names; each
look-alike is quiet."""

from __future__ import annotations

from tests.codecheck.lines import findings, lines

# spawn-loader-at-module-level -------------------------------------------------------------------------


def test_a_top_level_loop_over_a_spawn_loader_fires_once_at_the_first_iteration():
    source = """\
        import torch
        import torch.multiprocessing as mp
        from torch.utils.data import DataLoader, TensorDataset

        mp.set_start_method("spawn", force=True)
        ds = TensorDataset(torch.randn(64, 4), torch.randint(0, 2, (64,)))
        WORKERS = 4
        loader = DataLoader(ds, batch_size=16, num_workers=WORKERS)
        for epoch in range(3):
            for i, (x, y) in enumerate(loader):
                pass
        xb, yb = next(iter(loader))
    """
    found = findings("spawn-loader-at-module-level", source)
    assert [f.line for f in found] == [10]
    assert found[0].message.startswith("`for i, (x, y) in enumerate(loader):` runs at the top level")
    assert "(line 8) starts num_workers=4 workers with the 'spawn' start method" in found[0].message
    assert 'if __name__ == "__main__"' in found[0].message


def test_a_loader_given_a_spawn_context_fires_in_a_notebook_cell():
    source = """\
        import multiprocessing
        ctx = multiprocessing.get_context("forkserver")
        train_loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True, num_workers=2,
                                                   multiprocessing_context=ctx)
        images, labels = next(iter(train_loader))
    """
    found = findings("spawn-loader-at-module-level", source)
    assert [f.line for f in found] == [5]
    assert "`next(iter(train_loader))`" in found[0].message and "'forkserver'" in found[0].message


def test_guarded_scripts_and_loaders_without_workers_or_spawn_are_quiet():
    guarded = """\
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        def main():
            ds = TensorDataset(torch.randn(64, 4))
            for (x,) in DataLoader(ds, num_workers=2, multiprocessing_context="spawn"):
                pass

        if __name__ == "__main__":
            torch.multiprocessing.set_start_method("spawn")
            loader = DataLoader(TensorDataset(torch.randn(8, 2)), num_workers=2)
            for (x,) in loader:
                pass
            main()
    """
    assert lines("spawn-loader-at-module-level", guarded) == []
    no_workers = """\
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=0, multiprocessing_context="spawn")
        for batch in loader:
            pass
    """
    assert lines("spawn-loader-at-module-level", no_workers) == []
    fork = """\
        import multiprocessing as mp
        from torch.utils.data import DataLoader
        mp.set_start_method("fork")
        loader = DataLoader(ds, num_workers=4)
        for batch in loader:
            pass
    """
    assert lines("spawn-loader-at-module-level", fork) == []
    set_after_the_loop = """\
        import multiprocessing as mp
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=4)
        for batch in loader:
            pass
        mp.set_start_method("spawn")
    """
    assert lines("spawn-loader-at-module-level", set_after_the_loop) == []
    loop_in_a_function = """\
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=4, multiprocessing_context="spawn")
        def train():
            for batch in loader:
                pass
    """
    assert lines("spawn-loader-at-module-level", loop_in_a_function) == []

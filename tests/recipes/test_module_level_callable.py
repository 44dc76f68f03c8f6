from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import module_level_callable as recipe

PAD_COLLATE = '''\
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader


def main():
    torch.manual_seed(0)
    samples = [torch.randn(int(n), 4) for n in torch.randint(3, 9, (32,))]
    by_length = sorted(samples, key=lambda s: len(s))
    loader = DataLoader(
        samples,
        batch_size=8,
        num_workers=1,
        multiprocessing_context="forkserver",
        collate_fn=lambda batch: pad_sequence(batch, batch_first=True),
    )
    rnn = torch.nn.GRU(input_size=4, hidden_size=16, batch_first=True)
    shapes = []
    for padded in loader:
        out, h = rnn(padded)
        shapes.append(tuple(padded.shape))
    longest = [max(len(s) for s in samples[i:i + 8]) for i in range(0, 32, 8)]
    assert shapes == [(8, n, 4) for n in longest], shapes   # padded to each batch's longest sequence


if __name__ == "__main__":
    main()
'''


def test_a_collate_lambda_becomes_a_module_level_function(sandbox):
    patched = patch(recipe, PAD_COLLATE, sandbox.facts(PAD_COLLATE, "AttributeError"))
    assert ("from torch.utils.data import DataLoader\n\n\ndef collate_batch(batch):\n"
            "    return pad_sequence(batch, batch_first=True)\n\n\ndef main():\n") in patched
    assert "        collate_fn=collate_batch,\n" in patched
    assert "by_length = sorted(samples, key=lambda s: len(s))" in patched   # only called, never pickled
    sandbox.assert_clean(patched)


CAPTURED_CONFIG = '''\
import argparse

import torch
from torch.utils.data import DataLoader, Dataset


class Tokens(Dataset):
    def __init__(self, n, transform):
        self.ids = [torch.arange(i % 5 + 1) for i in range(n)]
        self.transform = transform

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return self.transform(self.ids[i])


def build_loader(args):
    pad_to, pad_value = args.max_len, args.pad
    dataset = Tokens(12, transform=lambda ids: torch.nn.functional.pad(ids, (0, pad_to - len(ids)), value=pad_value))
    return DataLoader(dataset, batch_size=4, num_workers=2, multiprocessing_context="spawn")


parser = argparse.ArgumentParser()
parser.add_argument("--max-len", type=int, default=6)
parser.add_argument("--pad", type=int, default=-1)

if __name__ == "__main__":
    batches = list(build_loader(parser.parse_args([])))
    assert [tuple(b.shape) for b in batches] == [(4, 6)] * 3
    assert batches[0][0].tolist() == [0, -1, -1, -1, -1, -1]   # padded with the configured value
'''


def test_what_a_lambda_reads_from_its_function_is_passed_with_partial(sandbox):
    patched = patch(recipe, CAPTURED_CONFIG, sandbox.facts(CAPTURED_CONFIG, "AttributeError"))
    assert "import functools\n" in patched
    assert ("def transform_fn(pad_to, pad_value, ids):\n"
            "    return torch.nn.functional.pad(ids, (0, pad_to - len(ids)), value=pad_value)\n\n\n"
            "def build_loader(args):\n") in patched
    assert "Tokens(12, transform=functools.partial(transform_fn, pad_to, pad_value))" in patched
    sandbox.assert_clean(patched)


NESTED_DEF = '''\
import torch
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    def __init__(self, data):
        self.data = data

    def loader(self):
        def to_batch(samples):
            features = torch.stack([x for x, _ in samples])
            return features / features.norm(dim=1, keepdim=True), torch.stack([y for _, y in samples])

        return DataLoader(self.data, batch_size=5, collate_fn=to_batch, num_workers=1,
                          multiprocessing_context="forkserver")


if __name__ == "__main__":
    torch.manual_seed(0)
    trainer = Trainer(TensorDataset(torch.randn(10, 3), torch.arange(10)))
    batches = list(trainer.loader())
    assert torch.allclose(batches[0][0].norm(dim=1), torch.ones(5)) and batches[1][1].tolist() == [5, 6, 7, 8, 9]
'''


def test_a_nested_collate_function_moves_to_module_level(sandbox):
    patched = patch(recipe, NESTED_DEF, sandbox.facts(NESTED_DEF, "AttributeError"))
    assert "\n\ndef to_batch(samples):\n    features = torch.stack([x for x, _ in samples])\n" in patched
    assert "    def to_batch" not in patched
    sandbox.assert_clean(patched)


def test_a_nested_function_reading_its_enclosing_locals_takes_them_by_partial():
    code = ("import functools\nfrom torch.utils.data import DataLoader\n\n\ndef main(d, scale):\n"
            "    def collate(b):\n        return b * scale\n\n    return DataLoader(d, collate_fn=collate)\n")
    facts = Facts("AttributeError", "Can't pickle local object 'main.<locals>.collate'")
    assert patch(recipe, code, facts) == (
        "import functools\nfrom torch.utils.data import DataLoader\n\n\ndef collate(scale, b):\n"
        "    return b * scale\n\n\ndef main(d, scale):\n\n    return DataLoader(d, collate_fn=functools.partial(collate, scale))\n")
    called_too = code.replace("    return DataLoader", "    print(collate(d[0]))\n    return DataLoader")
    assert not applies(recipe, called_too, facts)   # its calls in main would need the partial too


LOCAL_DATASET = '''\
import torch
from torch.utils.data import DataLoader, Dataset


def main(n=12):
    class Squares(Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            return torch.tensor([float(i)]), torch.tensor([float(i * i)])

    return list(DataLoader(Squares(), batch_size=4, num_workers=1, multiprocessing_context="forkserver"))


if __name__ == "__main__":
    main()
'''


def test_a_local_dataset_class_moves_only_when_it_reads_nothing_of_its_function(sandbox):
    facts = sandbox.facts(LOCAL_DATASET, "AttributeError")
    assert patch(recipe, LOCAL_DATASET, facts) is None   # __len__ reads main's n
    fixed_length = LOCAL_DATASET.replace("            return n\n", "            return 12\n")
    patched = patch(recipe, fixed_length, sandbox.facts(fixed_length, "AttributeError"))
    assert "\n\nclass Squares(Dataset):\n    def __len__(self):\n" in patched
    sandbox.assert_clean(patched.replace("    main()", "    assert main()[2][1][:, 0].tolist() == [64, 81, 100, 121]"))


NAMED_MODULE_LAMBDA = '''\
import torch
from torch.utils.data import DataLoader, Dataset

normalize = lambda x: (x - x.mean()) / (x.std() + 1e-6)


class Signals(Dataset):
    def __init__(self, n, transform=None):
        g = torch.Generator().manual_seed(0)
        self.data = torch.randn(n, 32, generator=g) * 5 + 2
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        x = self.data[idx]
        return self.transform(x) if self.transform else x


if __name__ == "__main__":
    ds = Signals(64, transform=normalize)
    loader = DataLoader(ds, batch_size=16, num_workers=1, multiprocessing_context="spawn")
    batches = list(loader)
    assert len(batches) == 4 and torch.allclose(batches[0][0], normalize(ds.data[0]))
    assert abs(batches[0][3].mean().item()) < 1e-5
'''


def test_a_lambda_named_at_module_level_becomes_a_def_of_that_name(sandbox):
    patched = patch(recipe, NAMED_MODULE_LAMBDA, sandbox.facts(NAMED_MODULE_LAMBDA, "PicklingError"))
    assert ("from torch.utils.data import DataLoader, Dataset\n\n"
            "def normalize(x):\n    return (x - x.mean()) / (x.std() + 1e-6)\n\n\nclass Signals") in patched
    sandbox.assert_clean(patched)


MAIN_BLOCK_COLLATE = '''\
import torch
from torch.utils.data import DataLoader

torch.manual_seed(6)
clips = [torch.randn(int(n), 2) for n in torch.randint(2, 6, (12,))]

if __name__ == "__main__":
    loader = DataLoader(clips, batch_size=4, num_workers=1, multiprocessing_context="spawn",
                        collate_fn=lambda b: torch.nn.utils.rnn.pad_sequence(b, batch_first=True))
    shapes = [tuple(x.shape) for x in loader]
    assert shapes == [(4, max(len(c) for c in clips[i:i + 4]), 2) for i in range(0, 12, 4)], shapes
'''


def test_a_collate_lambda_in_the_main_block_is_lifted_out_of_it(sandbox):
    patched = patch(recipe, MAIN_BLOCK_COLLATE, sandbox.facts(MAIN_BLOCK_COLLATE, "PicklingError"))
    assert ("\n\ndef collate_batch(b):\n    return torch.nn.utils.rnn.pad_sequence(b, batch_first=True)\n\n"
            'if __name__ == "__main__":\n') in patched
    assert "                        collate_fn=collate_batch)\n" in patched
    sandbox.assert_clean(patched)


CAPTURING_COLLATE = '''\
import argparse

import torch
from torch.utils.data import DataLoader


def build_loader(cfg):
    tokens = [torch.randint(1, 50, (int(n),)) for n in torch.randint(2, 10, (24,))]

    def collate(batch):
        return torch.nn.utils.rnn.pad_sequence(batch, batch_first=True, padding_value=cfg.pad_id)

    return DataLoader(tokens, batch_size=cfg.batch_size, num_workers=1,
                      multiprocessing_context="spawn", collate_fn=collate), tokens


if __name__ == "__main__":
    torch.manual_seed(2)
    p = argparse.ArgumentParser()
    p.add_argument("--pad-id", type=int, default=-1)
    p.add_argument("--batch-size", type=int, default=6)
    loader, tokens = build_loader(p.parse_args([]))
    batches = list(loader)
    assert len(batches) == 4 and batches[0].shape == (6, max(len(t) for t in tokens[:6]))
    assert (batches[0] == -1).any() and batches[0][0, :len(tokens[0])].tolist() == tokens[0].tolist()
'''


def test_a_nested_collate_reading_the_config_is_lifted_with_it(sandbox):
    facts = sandbox.facts(CAPTURING_COLLATE, "AttributeError")
    lifted = patch(recipe, CAPTURING_COLLATE, facts).split("\n\n\n")
    assert lifted[1] == ("def collate(cfg, batch):\n    return torch.nn.utils.rnn.pad_sequence(batch, batch_first=True, "
                         "padding_value=cfg.pad_id)")
    assert lifted[2].endswith('collate_fn=functools.partial(collate, cfg)), tokens') and lifted[0].endswith("DataLoader\nimport functools")
    sandbox.assert_clean("\n\n\n".join(lifted))


NAMED_LOCAL_COLLATE = '''\
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader


def train(pad_id):
    torch.manual_seed(0)
    sentences = [torch.randint(1, 50, (int(n),)) for n in torch.randint(2, 7, (12,))]
    pad_batch = lambda batch: pad_sequence(batch, batch_first=True, padding_value=pad_id)
    key = lambda s: -len(s)
    sentences = sorted(sentences, key=key)
    loader = DataLoader(sentences, batch_size=4, collate_fn=pad_batch,
                        num_workers=1, multiprocessing_context="spawn")
    batches = list(loader)
    for batch, start in zip(batches, range(0, 12, 4)):
        lengths = [len(s) for s in sentences[start:start + 4]]
        assert batch.shape == (4, max(lengths))
        assert all((row[n:] == pad_id).all() for row, n in zip(batch, lengths))   # padded with pad_id
    return batches


if __name__ == "__main__":
    assert len(train(pad_id=-7)) == 3
'''


def test_a_lambda_named_in_its_function_then_handed_over_is_lifted_with_what_it_reads(sandbox):
    patched = patch(recipe, NAMED_LOCAL_COLLATE, sandbox.facts(NAMED_LOCAL_COLLATE, "AttributeError"))
    assert ("def pad_batch_fn(pad_id, batch):\n"
            "    return pad_sequence(batch, batch_first=True, padding_value=pad_id)\n") in patched
    assert "    pad_batch = functools.partial(pad_batch_fn, pad_id)\n" in patched
    assert "    key = lambda s: -len(s)\n" in patched   # only called by sorted, never pickled
    sandbox.assert_clean(patched)

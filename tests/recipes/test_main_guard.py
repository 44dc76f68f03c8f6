from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import main_guard as recipe

GUARD = 'if __name__ == "__main__":  # false in spawned workers, which import this file\n'

SCRIPT_TRAINING = '''\
"""Train a small classifier on noisy synthetic points."""
import torch
from torch.utils.data import DataLoader, Dataset

NOISE = 0.05
torch.manual_seed(0)
centres = torch.randn(3, 2) * 3


class NoisyPoints(Dataset):
    def __init__(self, labels):
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        label = self.labels[i]
        return centres[label] + NOISE * torch.randn(2), label


dataset = NoisyPoints(torch.randint(0, 3, (60,)))
model = torch.nn.Linear(2, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

# spawn is the default on Windows and macOS
loader = DataLoader(dataset, batch_size=20, num_workers=2, multiprocessing_context="spawn")
batches = 0
for x, y in loader:
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    batches += 1
'''

# The program still runs in the main process (one pass over the 60 samples); the workers found
# the dataset's globals (the centres, computed at module level) when they imported the file.
RUNS_IN_MAIN = '''
    assert batches == 3 and torch.isfinite(loss)
'''


def test_the_running_code_goes_under_the_guard_and_the_datasets_globals_stay(sandbox):
    patched = patch(recipe, SCRIPT_TRAINING, sandbox.facts(SCRIPT_TRAINING, "RuntimeError"))
    assert "NOISE = 0.05\ntorch.manual_seed(0)\ncentres = torch.randn(3, 2) * 3\n\n\nclass NoisyPoints(" in patched
    assert (GUARD + "    dataset = NoisyPoints(torch.randint(0, 3, (60,)))\n") in patched
    assert "    # spawn is the default on Windows and macOS\n    loader = DataLoader(" in patched
    assert "        opt.step()\n        batches += 1\n" in patched
    sandbox.assert_clean(patched + RUNS_IN_MAIN)


GUARDED_MAIN_WITH_A_CHECK_ABOVE = '''\
import torch
import torch.multiprocessing as mp
from torch.utils.data import DataLoader, TensorDataset


def make_loader(n, workers):
    data = TensorDataset(torch.arange(n, dtype=torch.float32).unsqueeze(1), torch.arange(n) % 2)
    return DataLoader(data, batch_size=8, num_workers=workers)


def evaluate(loader):
    return sum(float(x.sum()) for x, _ in loader)


mp.set_start_method("spawn", force=True)
# quick sanity check of the pipeline before the run
first_x, first_y = next(iter(make_loader(16, workers=2)))


def main():
    total = evaluate(make_loader(32, workers=2))
    return total


if __name__ == "__main__":
    total = main()
'''


def test_code_above_an_existing_guard_moves_into_it(sandbox):
    patched = patch(recipe, GUARDED_MAIN_WITH_A_CHECK_ABOVE,
                    sandbox.facts(GUARDED_MAIN_WITH_A_CHECK_ABOVE, "RuntimeError"))
    assert ('if __name__ == "__main__":\n    mp.set_start_method("spawn", force=True)\n'
            "    # quick sanity check of the pipeline before the run\n"
            "    first_x, first_y = next(iter(make_loader(16, workers=2)))\n    total = main()\n") in patched
    assert patched.count("__main__") == 1
    check = "    assert first_x.shape == (8, 1) and total == sum(range(32))\n"
    sandbox.assert_clean(patched + check)


def test_forked_workers_or_no_workers_are_left_alone():
    facts = Facts("RuntimeError", "DataLoader worker (pid(s) 4242) exited unexpectedly")
    code = ("import torch\nfrom torch.utils.data import DataLoader\n"
            "loader = DataLoader(data, num_workers=2)\nfor batch in loader:\n    pass\n")
    assert not applies(recipe, code, facts)   # fork on Linux: a worker that died of something else
    spawned = code.replace("num_workers=2", 'num_workers=2, multiprocessing_context="spawn"')
    assert applies(recipe, spawned, facts)
    guarded = spawned.replace("loader = ", 'if __name__ == "__main__":\n    loader = ').replace(
        "for batch", "    for batch").replace("    pass", "        pass")
    assert not applies(recipe, guarded, facts)


ARGPARSE_START_METHOD = '''\
import argparse

import torch
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser(description="toy regression")
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--start-method", default="spawn", choices=["fork", "spawn", "forkserver"])
args = parser.parse_args()

torch.manual_seed(0)
X = torch.randn(40, 3)
y = X @ torch.tensor([[1.0], [-2.0], [0.5]])
train_loader = DataLoader(TensorDataset(X, y), batch_size=10, num_workers=args.workers,
                          multiprocessing_context=args.start_method)
net = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
seen = []
for inputs, target in train_loader:
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(net(inputs), target).backward()
    optimizer.step()
    seen.append(inputs)
'''

# The main process trained on every sample once, in order, with the workers the flags asked for.
EVERY_SAMPLE_ONCE = '''
    assert train_loader.num_workers == 2 and torch.equal(torch.cat(seen), X)
'''


def test_a_start_method_from_an_argparse_default_is_seen(sandbox):
    patched = patch(recipe, ARGPARSE_START_METHOD, sandbox.facts(ARGPARSE_START_METHOD, "RuntimeError"))
    assert (GUARD + '    parser = argparse.ArgumentParser(description="toy regression")\n') in patched
    assert "import argparse\n\nimport torch\nfrom torch.utils.data import DataLoader, TensorDataset\n\ntorch.manual_seed(0)\n" in patched
    sandbox.assert_clean(patched + EVERY_SAMPLE_ONCE)


CONTEXT_THROUGH_A_HELPER_AND_KWARGS = '''\
import os

import torch
from torch.utils.data import DataLoader, Dataset

CFG = {"workers": 2, "mp_context": "spawn"}


class Shards(Dataset):
    def __init__(self, n_shards=3, per_shard=4):
        self.items = [(s, j) for s in range(n_shards) for j in range(per_shard)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, k):
        shard, j = self.items[k]
        return torch.full((2,), float(shard * 10 + j))


def make_loader(dataset, context):
    options = dict(batch_size=4, num_workers=CFG["workers"],
                   multiprocessing_context=context if os.name != "nt" else None)
    return DataLoader(dataset, **options)


seen = []
for batch in make_loader(Shards(), CFG["mp_context"]):
    seen += batch[:, 0].tolist()
'''

SHARDS_IN_ORDER = '''
    assert seen == [float(s * 10 + j) for s in range(3) for j in range(4)]
'''


def test_a_context_passed_to_a_helper_and_spread_from_a_dict_is_seen(sandbox):
    source = CONTEXT_THROUGH_A_HELPER_AND_KWARGS
    patched = patch(recipe, source, sandbox.facts(source, "RuntimeError"))
    assert (GUARD + "    seen = []\n    for batch in make_loader(Shards(), CFG[\"mp_context\"]):\n") in patched
    assert 'CFG = {"workers": 2, "mp_context": "spawn"}\n' in patched.split(GUARD)[0]
    sandbox.assert_clean(patched + SHARDS_IN_ORDER)
    forked = source.replace('"mp_context": "spawn"', '"mp_context": "fork"')  # fork's workers import nothing
    assert not applies(recipe, forked, Facts("RuntimeError", "DataLoader worker (pid(s) 4242) exited unexpectedly"))


DEFINED_UNDER_THE_GUARD = '''\
import torch
from torch.utils.data import DataLoader, Dataset

if __name__ == "__main__":
    import torch.multiprocessing as mp
    mp.set_start_method("forkserver", force=True)
    vocabulary = {"<pad>": 0, "a": 1, "b": 2, "c": 3}

    class Sentences(Dataset):
        def __init__(self, texts):
            self.texts = texts

        def __len__(self):
            return len(self.texts)

        def __getitem__(self, i):
            return torch.tensor([ord(ch) - ord("a") + 1 for ch in self.texts[i]])

    # pads every batch to its longest sentence
    def pad_batch(batch, value=0):
        return torch.nn.utils.rnn.pad_sequence(batch, batch_first=True, padding_value=value)

    def encode(text):
        return [vocabulary[ch] for ch in text]   # reads the guard's own vocabulary: stays

    texts = ["abc", "a", "cab", "bb"]
    loader = DataLoader(Sentences(texts), batch_size=2, collate_fn=pad_batch, num_workers=2)
    batches = [batch.tolist() for batch in loader]
    assert batches == [[[1, 2, 3], [1, 0, 0]], [[3, 1, 2], [2, 2, 0]]], batches
    assert encode("cab") == [3, 1, 2]
'''


def test_the_guards_dataset_and_collate_move_above_it_what_reads_its_values_stays(sandbox):
    patched = patch(recipe, DEFINED_UNDER_THE_GUARD, sandbox.facts(DEFINED_UNDER_THE_GUARD, "RuntimeError"))
    assert ("from torch.utils.data import DataLoader, Dataset\n\n\nclass Sentences(Dataset):\n"
            "    def __init__(self, texts):\n") in patched
    assert ("\n\n\n# pads every batch to its longest sentence\ndef pad_batch(batch, value=0):\n"
            "    return torch.nn.utils.rnn.pad_sequence(batch, batch_first=True, padding_value=value)\n\n\n"
            'if __name__ == "__main__":\n    import torch.multiprocessing as mp\n') in patched
    assert "\n    def encode(text):\n" in patched   # reads `vocabulary`, bound in the guard
    sandbox.assert_clean(patched)

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import open_handle_in_worker as recipe

LINE_OFFSETS = '''\
import os
import tempfile
import torch
from torch.utils.data import DataLoader, Dataset


class CsvRows(Dataset):
    def __init__(self, csv_path):
        self.csv_path = csv_path
        self.file = open(csv_path, "rb")
        self.offsets = []
        while line := self.file.readline():
            self.offsets.append(self.file.tell() - len(line))

    def __len__(self):
        return len(self.offsets)

    def __getitem__(self, row):
        self.file.seek(self.offsets[row])
        values = [float(v) for v in self.file.readline().split(b",")]
        return torch.tensor(values[:3]), torch.tensor(values[3])


def main():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "rows.csv")
    with open(path, "w") as out:
        out.writelines(f"{i},{i + 1},{i + 2},{3 * i + 3}\\n" for i in range(24))
    rows = CsvRows(path)
    loader = DataLoader(rows, batch_size=6, num_workers=2, multiprocessing_context="spawn")
    model = torch.nn.Linear(3, 1)
    targets = []
    for x, y in loader:
        loss = torch.nn.functional.mse_loss(model(x).squeeze(1), y)
        loss.backward()
        targets.append(y)
    assert torch.equal(torch.cat(targets), torch.arange(24) * 3.0 + 3)


if __name__ == "__main__":
    main()
'''


def test_the_file_is_reopened_in_each_worker_from_its_kept_path(sandbox):
    patched = patch(recipe, LINE_OFFSETS, sandbox.facts(LINE_OFFSETS, "TypeError"))
    assert '        if self.file is None:\n            self.file = open(self.csv_path, "rb")\n' in patched
    assert '        state["file"] = None' in patched
    sandbox.assert_clean(patched)


PICKLE = Facts("TypeError", "cannot pickle '_io.BufferedReader' object")


def test_a_path_kept_nowhere_or_own_pickling_is_left_alone():
    lost = LINE_OFFSETS.replace("        self.csv_path = csv_path\n", "")
    own = LINE_OFFSETS.replace("    def __len__(self):", "    def __getstate__(self):\n        return {}\n\n    def __len__(self):")
    assert applies(recipe, LINE_OFFSETS, PICKLE)
    assert not applies(recipe, lost, PICKLE)
    assert not applies(recipe, own, PICKLE)

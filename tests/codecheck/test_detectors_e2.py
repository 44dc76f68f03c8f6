"""Detectors for entries that declared none (helper e2): each fires on its situation written in
several shapes (a fragment, a module, a training loop) and stays quiet on correct look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- from-numpy-read-only: from_numpy / as_tensor share a read-only array -----------------------


@pytest.mark.parametrize("source, line", [
    # a fragment: a record of a packed file, viewed as an image
    ("def __getitem__(self, i):\n    rec = self.records[i]\n"
     "    pixels = np.frombuffer(rec, dtype=np.uint8).reshape(28, 28)[None]\n"
     "    return torch.from_numpy(pixels), self.targets[i]\n", 4),
    # a module: features memory-mapped read-only, one row per sample
    ("import numpy as np\nimport torch\nfrom torch.utils.data import Dataset\n\n"
     "class Embeddings(Dataset):\n    def __init__(self, path):\n"
     "        self.table = np.load(path, mmap_mode='r')\n\n"
     "    def __len__(self):\n        return len(self.table)\n\n"
     "    def __getitem__(self, k):\n        row = self.table\n        return torch.as_tensor(row[k])\n", 14),
    # a script: an image opened with PIL, converted without a copy
    ("from PIL import Image\nimport numpy as np\nimport torch\n\n"
     "img = Image.open('cat.png').convert('RGB')\narr = np.asarray(img)\n"
     "x = torch.from_numpy(arr).permute(2, 0, 1).float().div(255)\n", 7),
    # a loop over an LMDB-like store
    ("import numpy as np\nimport torch\n\nfor key in keys:\n    blob = txn.get(key)\n"
     "    vec = np.frombuffer(blob, dtype=np.float32)\n    batch.append(torch.from_numpy(vec.T))\n", 7),
    ("import numpy as np\nimport torch\nmm = np.memmap('x.bin', dtype=np.float32, mode='r', shape=(100, 8))\n"
     "x = torch.from_numpy(mm[:10])\n", 4),
])
def test_a_tensor_sharing_a_read_only_array_fires(source, line):
    assert lines("from-numpy-read-only", source) == [line]


@pytest.mark.parametrize("source", [
    # copied before the conversion, in its several spellings
    "vec = np.frombuffer(blob, dtype=np.float32).copy()\nx = torch.from_numpy(vec)\n",
    "vec = np.frombuffer(blob, dtype=np.uint8).astype(np.float32)\nx = torch.from_numpy(vec)\n",
    "vec = np.array(np.frombuffer(blob, dtype=np.float32))\nx = torch.from_numpy(vec)\n",
    "x = torch.tensor(np.frombuffer(blob, dtype=np.float32))\n",
    "vec = np.frombuffer(blob, dtype=np.float32) / 255.0\nx = torch.from_numpy(vec)\n",
    # fancy indexing copies
    "table = np.load(path, mmap_mode='r')\nx = torch.from_numpy(table[idx_list])\n",
    # writable sources
    "buf = bytearray(f.read())\nvec = np.frombuffer(buf, dtype=np.float32)\nx = torch.from_numpy(vec)\n",
    "table = np.load(path, mmap_mode='c')\nx = torch.from_numpy(table[3])\n",
    "table = np.memmap(path, dtype=np.float32, shape=(10, 4))\nx = torch.from_numpy(table)\n",
    "img = np.array(Image.open(p).convert('RGB'))\nx = torch.from_numpy(img)\n",
    # as_tensor to another dtype copies
    "vec = np.frombuffer(blob, dtype=np.uint8)\nx = torch.as_tensor(vec, dtype=torch.float32)\n",
    # the program silenced the warning on purpose
    "import warnings\nwarnings.filterwarnings('ignore', message='The given NumPy array is not writable')\n"
    "table = np.load(path, mmap_mode='r')\nx = torch.from_numpy(table[0])\n",
    # a name bound twice is unknown
    "vec = np.frombuffer(blob, dtype=np.float32)\nif copy:\n    vec = vec.copy()\nx = torch.from_numpy(vec)\n",
])
def test_a_copied_writable_or_unknown_array_is_quiet(source):
    assert lines("from-numpy-read-only", source) == []

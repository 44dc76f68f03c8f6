"""Load fixed-size binary records with worker processes and compute dataset statistics."""
import os
import struct
import sys
import tempfile
import numpy as np
import torch
from torch.utils.data import Dataset, DataLoader

RECORD_DIM = 16
HEADER = struct.Struct("<II")  # magic, payload bytes
MAGIC = 0xC0FFEE


def write_records(path, n=64):
    rng = np.random.default_rng(0)
    with open(path, "wb") as f:
        for i in range(n):
            payload = rng.standard_normal(RECORD_DIM).astype(np.float64).tobytes()
            f.write(HEADER.pack(MAGIC, len(payload)))
            f.write(payload)


def read_record(fh, offset):
    fh.seek(offset)
    magic, nbytes = HEADER.unpack(fh.read(HEADER.size))
    if magic != MAGIC or nbytes != RECORD_DIM * 4:
        print(f"corrupt record at offset {offset}, aborting", file=sys.stderr)
        sys.exit()
    return np.frombuffer(fh.read(nbytes), dtype=np.float32)


class RecordFile(Dataset):
    def __init__(self, path, record_bytes):
        self.path = path
        self.record_bytes = record_bytes
        self.n = os.path.getsize(path) // record_bytes
        self.fh = None

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        if self.fh is None:
            self.fh = open(self.path, "rb")
        vec = read_record(self.fh, idx * self.record_bytes)
        return torch.from_numpy(vec.copy())


def main():
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "features.bin")
        write_records(path)
        record_bytes = HEADER.size + RECORD_DIM * 8
        ds = RecordFile(path, record_bytes)
        loader = DataLoader(ds, batch_size=8, num_workers=2, shuffle=False)
        total, count = torch.zeros(RECORD_DIM), 0
        for batch in loader:
            total += batch.sum(0)
            count += batch.size(0)
        mean = total / count
        print(f"records {count}, mean norm {mean.norm():.4f}")
        return count, mean


if __name__ == "__main__":
    main()

"""Train on packed binary records; the record reader is shared with our preprocessing CLI."""
import struct
import sys
import zlib

import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader


def pack_record(features, label):
    payload = struct.pack(f"<{len(features)}fi", *features, label)
    return struct.pack("<I", zlib.crc32(payload)) + payload


def read_record(blob, dim):
    """Decode one record; exits like the CLI tool does when a record is damaged."""
    crc, payload = struct.unpack("<I", blob[:4])[0], blob[4:]
    if zlib.crc32(payload) != crc:
        sys.exit("corrupt record (crc mismatch), aborting")
    *features, label = struct.unpack(f"<{dim}fi", payload)
    return features, label


def build_records(n=48, dim=6):
    g = torch.Generator().manual_seed(0)
    records = []
    for i in range(n):
        feats = torch.randn(dim, generator=g).tolist()
        records.append(pack_record(feats, int(feats[0] > 0)))
    damaged = bytearray(records[29])
    damaged[10] ^= 0xFF
    records[29] = bytes(damaged)
    return records


class RecordDataset(Dataset):
    def __init__(self, records, dim=6):
        self.records, self.dim = records, dim

    def __len__(self):
        return len(self.records)

    def __getitem__(self, idx):
        feats, label = read_record(self.records[idx], self.dim)
        return torch.tensor(feats), label


if __name__ == "__main__":
    torch.manual_seed(0)
    dataset = RecordDataset(build_records())
    loader = DataLoader(dataset, batch_size=8, num_workers=2, timeout=30)
    model = nn.Linear(6, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(2):
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch}: loss {loss.item():.4f}")

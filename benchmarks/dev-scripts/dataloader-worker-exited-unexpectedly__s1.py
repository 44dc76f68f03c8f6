"""Records are packed into one shared byte buffer; a "zero-copy" decoder reads each record
straight from memory with ctypes instead of slicing Python bytes."""
import ctypes
import struct
import numpy as np
import torch
from torch.utils.data import Dataset, DataLoader

REC = struct.Struct("<8fi")  # 8 float features + int label


def pack_records(n, seed=0):
    rng = np.random.default_rng(seed)
    feats = rng.normal(size=(n, 8)).astype(np.float32)
    labels = (feats.sum(1) > 0).astype(np.int32)
    return b"".join(REC.pack(*f, int(y)) for f, y in zip(feats, labels))


class PackedRecords(Dataset):
    def __init__(self, blob):
        self.n = len(blob) // REC.size
        self._buf = ctypes.create_string_buffer(blob, len(blob))
        # cache the address so __getitem__ does not have to look it up every time
        self.base_ptr = ctypes.addressof(self._buf)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_buf"] = None  # the ctypes buffer cannot be pickled; base_ptr is enough
        return state

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        raw = ctypes.string_at(self.base_ptr + i * REC.size, REC.size)
        *feats, label = REC.unpack(raw)
        return torch.tensor(feats), torch.tensor(label)


if __name__ == "__main__":
    torch.manual_seed(0)
    ds = PackedRecords(pack_records(256))
    loader = DataLoader(ds, batch_size=32, shuffle=True, num_workers=2,
                        multiprocessing_context="spawn", timeout=30)
    model = torch.nn.Linear(8, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for epoch in range(2):
        for x, y in loader:
            loss = torch.nn.functional.cross_entropy(model(x), y.long())
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")

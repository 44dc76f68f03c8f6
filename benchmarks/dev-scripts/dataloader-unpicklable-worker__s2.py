# Tabular samples stored in SQLite; the Dataset opens the DB once in __init__ and
# a forkserver DataLoader feeds a small regression model.
import os
import sqlite3
import tempfile
import torch
import torch.multiprocessing as mp
from torch.utils.data import Dataset, DataLoader


def make_db(path, n=40):
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(n, 4, generator=g)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, a REAL, b REAL, c REAL, d REAL, y REAL)")
    for i, f in enumerate(feats.tolist()):
        con.execute("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?)", (i, *f, sum(f)))
    con.commit()
    con.close()


class SqliteRows(Dataset):
    def __init__(self, path):
        self.path = path
        self.con = sqlite3.connect(path, check_same_thread=False)
        self.n = self.con.execute("SELECT COUNT(*) FROM rows").fetchone()[0]

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        a, b, c, d, y = self.con.execute("SELECT a, b, c, d, y FROM rows WHERE id = ?", (i,)).fetchone()
        return torch.tensor([a, b, c, d]), torch.tensor(y)


if __name__ == "__main__":
    mp.set_start_method("forkserver", force=True)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "train.sqlite")
        make_db(db)
        loader = DataLoader(SqliteRows(db), batch_size=8, num_workers=2, timeout=30)
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            for x, y in loader:
                loss = torch.nn.functional.mse_loss(model(x).squeeze(1), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            print(f"epoch {epoch} loss {loss.item():.4f}")

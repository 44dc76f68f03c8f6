"""Character-level name -> nationality classifier with a custom map-style Dataset."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

torch.set_num_threads(1)

torch.manual_seed(0)

NAMES = {
    "it": ["rossi", "bianchi", "romano", "colombo", "ricci", "marino", "greco", "bruno", "gallo", "conti"],
    "jp": ["sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito", "yamamoto", "nakamura", "kobayashi", "kato"],
    "pl": ["nowak", "kowalski", "wisniewski", "wojcik", "kowalczyk", "kaminski", "lewandowski", "zielinski",
           "szymanski", "wozniak"],
}
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
MAX_LEN = 12


class SurnameDataset(Dataset):
    def __init__(self, names_by_label):
        self.labels = sorted(names_by_label)
        self.samples = [(n, self.labels.index(lab)) for lab in self.labels for n in names_by_label[lab]]

    def __len__(self):
        return len(self.samples)

    def encode(self, name):
        ids = torch.zeros(MAX_LEN, dtype=torch.long)
        for j, ch in enumerate(name[:MAX_LEN]):
            ids[j] = ALPHABET.index(ch) + 1
        return ids

    def __get_item__(self, idx):
        name, label = self.samples[idx]
        return self.encode(name), label


class CharBagClassifier(nn.Module):
    def __init__(self, n_labels, dim=24):
        super().__init__()
        self.emb = nn.Embedding(len(ALPHABET) + 1, dim, padding_idx=0)
        self.conv = nn.Conv1d(dim, 32, kernel_size=3, padding=1)
        self.fc = nn.Linear(32, n_labels)

    def forward(self, ids):
        h = F.relu(self.conv(self.emb(ids).transpose(1, 2)))
        return self.fc(h.max(dim=2).values)


ds = SurnameDataset(NAMES)
loader = DataLoader(ds, batch_size=10, shuffle=True, generator=torch.Generator().manual_seed(0))
model = CharBagClassifier(len(ds.labels))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(30):
    for ids, labels in loader:
        loss = F.cross_entropy(model(ids), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()

with torch.no_grad():
    all_ids = torch.stack([ds[i][0] for i in range(len(ds))])
    all_labels = torch.tensor([ds[i][1] for i in range(len(ds))])
    acc = (model(all_ids).argmax(1) == all_labels).float().mean().item()
print("train accuracy", acc)
assert len(loader) == 3 and acc > 0.9
print(f"RESULT train_acc={acc:.3f} final_loss={loss.item():.4f}")

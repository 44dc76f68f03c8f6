"""Intent classifier whose forward returns the loss when labels are passed (HF-style)."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class Intents(Dataset):
    def __init__(self, n=96, seq=12, vocab=50, n_labels=3):
        self.ids = torch.randint(1, vocab, (n, seq))
        self.labels = self.ids[:, 0] % n_labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.labels[i]}


class IntentModel(nn.Module):
    def __init__(self, vocab=50, dim=32, n_labels=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.cls = nn.Linear(dim, n_labels)

    def forward(self, input_ids, labels=None):
        _, h = self.rnn(self.emb(input_ids))
        logits = self.cls(h[-1])
        if labels is not None:
            return nn.functional.cross_entropy(logits, labels), logits
        return logits


def train(epochs=3):
    model = IntentModel()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(Intents(), batch_size=16, shuffle=True)
    for epoch in range(epochs):
        correct = 0
        for batch in loader:
            loss, logits = model(**batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += (logits.argmax(-1) == batch["labels"]).sum().item()
        print(f"epoch {epoch} loss {loss.item():.3f} acc {correct / len(loader.dataset):.2f}")
    assert loss.dim() == 0 and logits.shape[-1] == 3 and correct > 0
    return model, loss.item()


if __name__ == "__main__":
    model, final_loss = train()
    print(f"RESULT loss={final_loss:.3f}")

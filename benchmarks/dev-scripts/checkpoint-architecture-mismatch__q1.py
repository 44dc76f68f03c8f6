"""Resume fine-tuning from a checkpoint written by the previous version of the training code."""
import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(0)


# --- models_v1.py (what the checkpoint was trained with) -------------------
class TextCNNv1(nn.Module):
    def __init__(self, vocab=200, dim=32, n_classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, 64, kernel_size=3, padding=1)
        self.fc = nn.Linear(64, n_classes)

    def forward(self, ids):
        h = torch.relu(self.conv(self.embedding(ids).transpose(1, 2)))
        return self.fc(h.max(dim=2).values)


# --- models.py (current code: the classifier was renamed to `head`) --------
class TextCNN(nn.Module):
    def __init__(self, vocab=200, dim=32, n_classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, 64, kernel_size=3, padding=1)
        self.head = nn.Linear(64, n_classes)

    def forward(self, ids):
        h = torch.relu(self.conv(self.embedding(ids).transpose(1, 2)))
        return self.head(h.max(dim=2).values)


def resume(ckpt_path):
    model = TextCNN()
    state = torch.load(ckpt_path, map_location="cpu")
    model.load_state_dict(state["model"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, opt, state["step"]


with tempfile.TemporaryDirectory() as run_dir:
    old = TextCNNv1()
    path = os.path.join(run_dir, "last.ckpt")
    torch.save({"model": old.state_dict(), "step": 1200}, path)

    model, opt, step = resume(path)
    ids = torch.randint(0, 200, (8, 20))
    labels = torch.randint(0, 4, (8,))
    loss = nn.functional.cross_entropy(model(ids), labels)
    loss.backward()
    opt.step()
    print(f"resumed at step {step}, loss {loss.item():.4f}")

"""Export a trained sentiment model and reload it in a separate inference helper."""
import os
import tempfile

import torch
import torch.nn as nn


class SentimentCNN(nn.Module):
    def __init__(self, vocab=120, dim=16, n_filters=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.conv = nn.Conv1d(dim, n_filters, kernel_size=3, padding=1)
        self.fc = nn.Linear(n_filters, 2)

    def forward(self, ids):
        h = self.emb(ids).transpose(1, 2)
        h = torch.relu(self.conv(h)).max(dim=2).values
        return self.fc(h)


def export(model, out_dir):
    path = os.path.join(out_dir, "sentiment.pt")
    torch.save(model.state_dict(), path)
    return path


def load_for_inference(path):
    model = torch.load(path, map_location="cpu")
    model.eval()
    return model


torch.manual_seed(0)
trained = SentimentCNN()
reviews = torch.randint(1, 120, (6, 15))
with tempfile.TemporaryDirectory() as d:
    path = export(trained, d)
    clf = load_for_inference(path)
    with torch.no_grad():
        probs = clf(reviews).softmax(-1)
print("positive probabilities", probs[:, 1].tolist())

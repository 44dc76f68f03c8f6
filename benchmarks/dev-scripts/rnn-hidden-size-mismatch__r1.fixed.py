"""Sentiment-style sequence classifier with a 2-layer GRU (batch_first)."""
import torch
import torch.nn as nn

torch.manual_seed(0)

CFG = {"vocab": 120, "emb": 32, "hidden": 64, "layers": 2, "classes": 3, "batch": 8, "seq": 15}


class GRUClassifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg["vocab"], cfg["emb"])
        self.gru = nn.GRU(cfg["emb"], cfg["hidden"], num_layers=cfg["layers"], batch_first=True)
        self.head = nn.Linear(cfg["hidden"], cfg["classes"])

    def init_hidden(self, batch_size):
        # h0 is (num_layers, batch, hidden) even with batch_first=True
        return torch.zeros(self.cfg["layers"], batch_size, self.cfg["hidden"])

    def forward(self, tokens):
        h0 = self.init_hidden(tokens.size(0))
        out, h_n = self.gru(self.embed(tokens), h0)
        return self.head(out[:, -1])


def make_batch(cfg):
    x = torch.randint(0, cfg["vocab"], (cfg["batch"], cfg["seq"]))
    y = torch.randint(0, cfg["classes"], (cfg["batch"],))
    return x, y


def main():
    model = GRUClassifier(CFG)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(5):
        x, y = make_batch(CFG)
        logits = model(x)
        loss = loss_fn(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"step {step} loss {loss.item():.4f}")
    assert logits.shape == (CFG["batch"], CFG["classes"])
    assert torch.isfinite(loss)
    print(f"RESULT logits={tuple(logits.shape)} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()

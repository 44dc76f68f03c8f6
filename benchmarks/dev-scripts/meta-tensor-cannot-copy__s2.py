# Fine-tuning checkpoint: only the backbone was saved (the head is re-initialised for the new task).
import io
import torch
import torch.nn as nn

CFG = {"vocab": 500, "dim": 64, "n_classes": 3, "device": "cpu"}


class TextClassifier(nn.Module):
    def __init__(self, vocab, dim, n_classes):
        super().__init__()
        self.backbone = nn.ModuleDict({
            "embed": nn.EmbeddingBag(vocab, dim),
            "proj": nn.Linear(dim, dim),
        })
        self.head = nn.Linear(dim, n_classes)

    def forward(self, ids):
        h = torch.tanh(self.backbone["proj"](self.backbone["embed"](ids)))
        return self.head(h)


def pretrained_backbone_bytes():
    torch.manual_seed(0)
    src = TextClassifier(CFG["vocab"], CFG["dim"], 5)
    buf = io.BytesIO()
    torch.save({k: v for k, v in src.state_dict().items() if k.startswith("backbone.")}, buf)
    buf.seek(0)
    return buf


torch.manual_seed(1)
with torch.device("meta"):
    model = TextClassifier(CFG["vocab"], CFG["dim"], CFG["n_classes"])
missing, unexpected = model.load_state_dict(torch.load(pretrained_backbone_bytes()), strict=False, assign=True)
print("head keys to train from scratch:", missing)
model = model.to(CFG["device"])

opt = torch.optim.Adam(model.head.parameters(), lr=1e-2)
ids = torch.randint(0, CFG["vocab"], (16, 12))
labels = torch.randint(0, CFG["n_classes"], (16,))
for step in range(20):
    loss = nn.functional.cross_entropy(model(ids), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"fine-tune loss {loss.item():.4f}")

"""Prototype-based few-shot fine-tuning: class centroids from a support pass, then train the encoder."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)

cfg = {"n_way": 4, "shots": 5, "dim": 32, "emb": 16, "steps": 5, "lr": 1e-2}


class Encoder(nn.Module):
    def __init__(self, dim, emb):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, 64), nn.GELU(), nn.Linear(64, emb))

    def forward(self, x):
        return F.normalize(self.net(x), dim=-1)


@torch.inference_mode()
def compute_prototypes(encoder, support, support_y, n_way):
    emb = encoder(support)
    return torch.stack([emb[support_y == c].mean(0) for c in range(n_way)])


encoder = Encoder(cfg["dim"], cfg["emb"])
optimizer = torch.optim.Adam(encoder.parameters(), lr=cfg["lr"])

support = torch.randn(cfg["n_way"] * cfg["shots"], cfg["dim"])
support_y = torch.arange(cfg["n_way"]).repeat_interleave(cfg["shots"])
query = support + 0.1 * torch.randn_like(support)
query_y = support_y.clone()

prototypes = compute_prototypes(encoder, support, support_y, cfg["n_way"])

for step in range(cfg["steps"]):
    q = encoder(query)
    logits = q @ prototypes.t() / 0.1
    loss = F.cross_entropy(logits, query_y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss={loss.item():.4f}")

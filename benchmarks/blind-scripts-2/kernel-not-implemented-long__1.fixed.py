"""Distil an ensemble of rule-based labelers into a small student using vote counts as soft targets."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
NUM_CLASSES = 4
NUM_LABELERS = 5


def labeler_votes(features):
    # each labeler thresholds a different feature column and votes for a class
    votes = torch.zeros(features.shape[0], NUM_CLASSES, dtype=torch.long)
    for j in range(NUM_LABELERS):
        cls = (features[:, j] > 0).long() + 2 * (features[:, j + 1] > 0).long()
        votes.scatter_add_(1, cls.unsqueeze(1), torch.ones_like(cls).unsqueeze(1))
    return votes


def soft_targets(votes):
    # more agreeing labelers -> more confident target
    return F.softmax(votes.float(), dim=1)


features = torch.randn(128, 8)
votes = labeler_votes(features)
targets = soft_targets(votes)

student = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, NUM_CLASSES))
opt = torch.optim.Adam(student.parameters(), lr=5e-3)

for step in range(50):
    logp = F.log_softmax(student(features), dim=1)
    loss = F.kl_div(logp, targets, reduction="batchmean")
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"distillation loss {loss.item():.4f}")

assert targets.dtype == torch.float32 and torch.allclose(targets.sum(1), torch.ones(128))
assert torch.isfinite(loss)
print(f"RESULT student distilled, loss {loss.item():.4f}")

"""Pseudo-labelling: keep confident predictions of the teacher as targets for the next round."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Teacher(nn.Module):
    def __init__(self, d=10, classes=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, classes))

    def forward(self, x):
        return self.net(x)


def pseudo_label(model, unlabeled, threshold=0.7):
    logits = model(unlabeled)
    probs = F.softmax(logits, dim=1).detach()
    conf, labels = probs.max(1)
    keep = conf > threshold
    return unlabeled[keep], labels[keep], conf[keep]


torch.manual_seed(0)
labeled_x = torch.randn(60, 10)
labeled_y = labeled_x[:, :3].argmax(1)
teacher = Teacher()
opt = torch.optim.Adam(teacher.parameters(), lr=1e-2)
for _ in range(50):
    loss = F.cross_entropy(teacher(labeled_x), labeled_y)
    opt.zero_grad()
    loss.backward()
    opt.step()

unlabeled = torch.randn(200, 10)
px, py, pc = pseudo_label(teacher, unlabeled)
print(f"kept {len(px)} of {len(unlabeled)} pseudo-labels, mean confidence {pc.mean().item():.3f}")
assert not pc.requires_grad and len(px) == len(py) > 0
assert pc.min() > 0.7 and len(px) < len(unlabeled)
print(f"RESULT {len(px)} pseudo-labels kept without autograd history")

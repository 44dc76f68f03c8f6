"""Knowledge distillation: a small student MLP learns from a frozen teacher."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
T = 2.0  # softmax temperature


def mlp(hidden):
    return nn.Sequential(nn.Linear(20, hidden), nn.ReLU(), nn.Linear(hidden, 5))


teacher = mlp(128)
student = mlp(16)
teacher.eval()
for p in teacher.parameters():
    p.requires_grad_(False)

opt = torch.optim.Adam(student.parameters(), lr=1e-2)
data = torch.randn(256, 20)
labels = torch.randint(0, 5, (256,))


def distill_step(x, y, alpha=0.7):
    with torch.no_grad():
        teacher_logits = teacher(x)
        student_logits = student(x)
        soft_targets = F.softmax(teacher_logits / T, dim=-1)
    kd = F.kl_div(F.log_softmax(student_logits / T, dim=-1), soft_targets, reduction="batchmean") * T * T
    ce = F.cross_entropy(student_logits, y)
    loss = alpha * kd + (1 - alpha) * ce
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


for epoch in range(3):
    perm = torch.randperm(len(data))
    losses = [distill_step(data[i], labels[i]) for i in perm.split(32)]
    print(f"epoch {epoch}: loss {sum(losses) / len(losses):.4f}")

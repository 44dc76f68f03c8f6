"""Knowledge distillation from a larger teacher MLP to a small student.

The teacher is trained first, then frozen in eval mode and queried under
no_grad. The distillation term is KL divergence between temperature-softened
distributions: log-probabilities for the student (input) and probabilities for
the teacher (target), scaled by T^2, mixed with ordinary cross-entropy on raw
student logits.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def spiral_data(n_per_class: int, classes: int, generator: torch.Generator):
    xs, ys = [], []
    for c in range(classes):
        r = torch.linspace(0.1, 1.0, n_per_class)
        theta = c * 4.0 + r * 4.0 + 0.2 * torch.randn(n_per_class, generator=generator)
        xs.append(torch.stack([r * torch.sin(theta), r * torch.cos(theta)], dim=1))
        ys.append(torch.full((n_per_class,), c, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def mlp(width: int, depth: int, classes: int) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(2, width), nn.ReLU()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.ReLU()]
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def distillation_loss(student_logits, teacher_logits, labels, temperature: float, alpha: float):
    soft = F.kl_div(
        F.log_softmax(student_logits / temperature, dim=1),
        F.softmax(teacher_logits / temperature, dim=1),
        reduction="batchmean",
    ) * temperature ** 2
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1 - alpha) * hard


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def train_teacher(x, y, steps: int) -> nn.Module:
    teacher = mlp(64, 3, 3)
    optimizer = torch.optim.Adam(teacher.parameters(), lr=1e-2)
    for _ in range(steps):
        teacher.train()
        loss = F.cross_entropy(teacher(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return teacher


def train_student(teacher: nn.Module, x, y, steps: int, temperature: float = 3.0) -> nn.Module:
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = mlp(16, 2, 3)
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-2)
    for _ in range(steps):
        student.train()
        with torch.no_grad():
            teacher_logits = teacher(x)
        loss = distillation_loss(student(x), teacher_logits, y, temperature, alpha=0.7)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return student


def main() -> None:
    torch.manual_seed(19)
    generator = torch.Generator().manual_seed(19)
    x, y = spiral_data(100, 3, generator)
    teacher = train_teacher(x, y, steps=80)
    student = train_student(teacher, x, y, steps=80)
    print(f"teacher accuracy {accuracy(teacher, x, y):.2f}, student accuracy {accuracy(student, x, y):.2f}")
    n_teacher = sum(p.numel() for p in teacher.parameters())
    n_student = sum(p.numel() for p in student.parameters())
    print(f"parameters: teacher {n_teacher}, student {n_student}")


if __name__ == "__main__":
    main()

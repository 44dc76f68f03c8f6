"""Fine-tuning a "pretrained" backbone with a new head: freezing, parameter groups and checkpoint loading.

The backbone weights come from a checkpoint written by a DataParallel-style
wrapper, so keys carry a "module." prefix that is stripped before loading; the
load is strict so a naming mistake fails loudly. Frozen layers are put in eval
mode so their BatchNorm statistics stay fixed, and the optimizer receives only
trainable parameters, with a smaller learning rate for the unfrozen block.
"""
import tempfile
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F


class Backbone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.block1 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False),
                                    nn.BatchNorm2d(16), nn.ReLU())
        self.block2 = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False),
                                    nn.BatchNorm2d(32), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.out_features = 32

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.block2(self.block1(self.stem(x)))).flatten(1)


class FineTuned(nn.Module):
    def __init__(self, backbone: Backbone, num_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.out_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def write_pretrained_checkpoint(path: Path) -> None:
    """Simulates weights saved from a wrapped model (keys start with 'module.')."""
    wrapped = nn.DataParallel(Backbone())
    torch.save(wrapped.state_dict(), path)


def load_backbone(path: Path) -> Backbone:
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = {key.removeprefix("module."): value for key, value in state.items()}
    backbone = Backbone()
    backbone.load_state_dict(state)        # strict: every key must match
    return backbone


def freeze(module: nn.Module) -> None:
    for parameter in module.parameters():
        parameter.requires_grad_(False)


def set_train_mode(model: FineTuned, frozen: list[nn.Module]) -> None:
    """train() for the model, but frozen parts keep eval-mode BatchNorm."""
    model.train()
    for module in frozen:
        module.eval()


def build_optimizer(model: FineTuned) -> torch.optim.Optimizer:
    groups = [
        {"params": [p for p in model.backbone.block2.parameters() if p.requires_grad], "lr": 1e-3},
        {"params": list(model.head.parameters()), "lr": 1e-2},
    ]
    return torch.optim.Adam(groups)


def unfreeze_block1(model: FineTuned, optimizer: torch.optim.Optimizer, frozen: list[nn.Module]) -> None:
    """Second fine-tuning stage: block1 trains too, with the smallest learning rate."""
    block = model.backbone.block1
    for parameter in block.parameters():
        parameter.requires_grad_(True)
    frozen.remove(block)
    optimizer.add_param_group({"params": list(block.parameters()), "lr": 1e-4})


def train_steps(model: FineTuned, optimizer, frozen: list[nn.Module], images, labels, steps: int) -> float:
    for _ in range(steps):
        set_train_mode(model, frozen)
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def count_trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def main() -> None:
    torch.manual_seed(13)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "backbone.pt"
        write_pretrained_checkpoint(path)
        backbone = load_backbone(path)

    model = FineTuned(backbone, num_classes=3)
    frozen = [model.backbone.stem, model.backbone.block1]
    for module in frozen:
        freeze(module)
    optimizer = build_optimizer(model)   # built after freezing, from trainable params only
    print(f"trainable parameters: {count_trainable(model)}")

    stem_before = model.backbone.stem[0].weight.clone()
    running_mean_before = model.backbone.stem[1].running_mean.clone()
    images = torch.randn(16, 3, 16, 16)
    labels = torch.randint(0, 3, (16,))
    loss = train_steps(model, optimizer, frozen, images, labels, steps=5)
    assert torch.equal(stem_before, model.backbone.stem[0].weight)
    assert torch.equal(running_mean_before, model.backbone.stem[1].running_mean)
    print(f"final loss {loss:.3f}; frozen weights and statistics unchanged")

    unfreeze_block1(model, optimizer, frozen)
    block1_before = model.backbone.block1[0].weight.clone()
    loss = train_steps(model, optimizer, frozen, images, labels, steps=3)
    assert not torch.equal(block1_before, model.backbone.block1[0].weight)
    print(f"after unfreezing block1: {count_trainable(model)} trainable parameters, loss {loss:.3f}")

    model.eval()
    with torch.no_grad():
        print("predictions:", model(images[:4]).argmax(1).tolist())


if __name__ == "__main__":
    main()

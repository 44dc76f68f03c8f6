"""LoRA fine-tuning of a frozen toy transformer encoder with activation checkpointing to save memory."""
import math

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r=4, alpha=8):
        super().__init__()
        self.base = base
        self.base.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale


class EncoderBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, dim * 4)
        self.fc2 = nn.Linear(dim * 4, dim)

    def forward(self, x):
        return x + self.fc2(torch.relu(self.fc1(self.norm(x))))


class Encoder(nn.Module):
    def __init__(self, vocab=100, dim=32, depth=3, n_classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList(EncoderBlock(dim) for _ in range(depth))
        self.classifier = nn.Linear(dim, n_classes)
        self.gradient_checkpointing = True

    def forward(self, ids):
        h = self.embed(ids)
        for blk in self.blocks:
            if self.gradient_checkpointing and self.training:
                h = checkpoint(blk, h, use_reentrant=True)
            else:
                h = blk(h)
        return self.classifier(h.mean(1))


model = Encoder()
model.requires_grad_(False)
for blk in model.blocks:
    blk.fc1 = LoRALinear(blk.fc1)
model.classifier.requires_grad_(True)

trainable = [p for p in model.parameters() if p.requires_grad]
print(f"trainable params: {sum(p.numel() for p in trainable)}")
opt = torch.optim.AdamW(trainable, lr=1e-2)
ids = torch.randint(0, 100, (8, 12))
labels = torch.tensor([0, 1] * 4)

model.train()
for step in range(3):
    loss = nn.functional.cross_entropy(model(ids), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.4f}")

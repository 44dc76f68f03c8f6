"""A compact Vision Transformer for 16x16 images.

Patches come from a strided convolution, are flattened to [batch, patches,
dim], and get a learned class token and learned position embeddings, both
nn.Parameters so they train and move with the model. Attention is written out
with reshape/transpose and a contiguous() before the final view.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class PatchEmbedding(nn.Module):
    def __init__(self, image_size: int, patch: int, in_ch: int, dim: int) -> None:
        super().__init__()
        if image_size % patch:
            raise ValueError("image_size must be a multiple of patch")
        self.proj = nn.Conv2d(in_ch, dim, kernel_size=patch, stride=patch)
        self.n_patches = (image_size // patch) ** 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)      # (B, N, dim)


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError("dim must be divisible by heads")
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.dropout = dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)                                # each (B, heads, N, head_dim)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
        y = y.transpose(1, 2).contiguous().view(B, N, C)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, image_size=16, patch=4, in_ch=3, num_classes=3, dim=32, depth=2, heads=4) -> None:
        super().__init__()
        self.patches = PatchEmbedding(image_size, patch, in_ch, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.patches.n_patches + 1, dim))
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.patches(images)
        cls = self.cls_token.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x[:, 0]))


def stripe_images(n: int, generator: torch.Generator):
    """Class 0: horizontal stripes, 1: vertical stripes, 2: plain noise."""
    labels = torch.randint(0, 3, (n,), generator=generator)
    images = 0.3 * torch.randn(n, 3, 16, 16, generator=generator)
    stripes = (torch.arange(16) % 4 < 2).float()
    images[labels == 0] += stripes.view(1, 1, 16, 1)
    images[labels == 1] += stripes.view(1, 1, 1, 16)
    return images, labels


def mixup(images: torch.Tensor, labels: torch.Tensor, num_classes: int, alpha: float = 0.4):
    """Blends pairs of images; targets become class-probability rows (float, shape [N, C])."""
    lam = float(torch.distributions.Beta(alpha, alpha).sample())
    order = torch.randperm(images.size(0))
    one_hot = F.one_hot(labels, num_classes).float()
    mixed_images = lam * images + (1 - lam) * images[order]
    mixed_targets = lam * one_hot + (1 - lam) * one_hot[order]
    return mixed_images, mixed_targets


def param_groups(model: nn.Module, weight_decay: float):
    """No weight decay for biases, norms, the class token and position embeddings."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or name in {"cls_token", "pos_embed"} else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def main() -> None:
    torch.manual_seed(16)
    generator = torch.Generator().manual_seed(16)
    model = ViT()
    optimizer = torch.optim.AdamW(param_groups(model, 0.05), lr=3e-3)
    for step in range(15):
        model.train()
        images, labels = stripe_images(32, generator)
        if step % 2:
            images, soft_targets = mixup(images, labels, num_classes=3)
            loss = F.cross_entropy(model(images), soft_targets)
        else:
            loss = F.cross_entropy(model(images), labels, label_smoothing=0.1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 5 == 0:
            print(f"step {step}: loss {loss.item():.3f}")
    model.eval()
    images, labels = stripe_images(96, generator)
    with torch.no_grad():
        acc = (model(images).argmax(1) == labels).float().mean().item()
    print(f"accuracy {acc:.2f}")


if __name__ == "__main__":
    main()

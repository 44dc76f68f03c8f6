import torch
from torch import nn

torch.manual_seed(4)
IMG, PATCH, DIM = 32, 8, 64
N_PATCHES = (IMG // PATCH) ** 2


class PatchEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(3, DIM, kernel_size=PATCH, stride=PATCH)
        self.norm = nn.LayerNorm([DIM, N_PATCHES])

    def forward(self, img):
        x = self.proj(img).flatten(2).transpose(1, 2)     # [B, patches, dim]
        return self.norm(x)


embed = PatchEmbed()
cls_head = nn.Linear(DIM, 10)
opt = torch.optim.Adam(list(embed.parameters()) + list(cls_head.parameters()), lr=2e-3)
images = torch.randn(16, 3, IMG, IMG)
classes = torch.randint(0, 10, (16,))
for it in range(4):
    opt.zero_grad()
    tokens = embed(images)
    loss = nn.functional.cross_entropy(cls_head(tokens.mean(1)), classes)
    loss.backward()
    opt.step()
assert tokens.shape == (16, N_PATCHES, DIM)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")

"""Cross-attention from text queries to image patch features."""
import torch
import torch.nn as nn

torch.manual_seed(0)
TEXT_DIM, IMG_DIM, HEADS = 64, 32, 4


class CrossAttend(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(TEXT_DIM, HEADS, batch_first=True)
        self.img_proj = nn.Linear(IMG_DIM, TEXT_DIM)
        self.head = nn.Linear(TEXT_DIM, 3)

    def forward(self, text, patches):
        img = self.img_proj(patches)
        ctx, _ = self.attn(text, img, img)
        return self.head(ctx.mean(1))


text = torch.randn(8, 12, TEXT_DIM)
patches = torch.randn(8, 49, IMG_DIM)
answer = torch.randint(0, 3, (8,))
model = CrossAttend()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(4):
    opt.zero_grad()
    logits = model(text, patches)
    loss = nn.functional.cross_entropy(logits, answer)
    loss.backward()
    opt.step()
assert logits.shape == (8, 3) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")

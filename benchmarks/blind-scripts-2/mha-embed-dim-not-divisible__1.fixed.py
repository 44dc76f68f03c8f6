import torch
import torch.nn as nn

torch.manual_seed(0)


class CrossAttentionFusion(nn.Module):
    """Fuse text tokens with image patch features via cross-attention."""

    def __init__(self, text_dim, image_dim, num_heads=8):
        super().__init__()
        self.image_proj = nn.Linear(image_dim, text_dim)
        self.attn = nn.MultiheadAttention(embed_dim=text_dim, num_heads=num_heads, batch_first=True)
        self.norm = nn.LayerNorm(text_dim)

    def forward(self, text, patches):
        kv = self.image_proj(patches)
        fused, weights = self.attn(text, kv, kv)
        return self.norm(text + fused), weights


TEXT_DIM = 300   # GloVe-300 word vectors
IMAGE_DIM = 512

fusion = CrossAttentionFusion(TEXT_DIM, IMAGE_DIM, num_heads=6)
text = torch.randn(4, 12, TEXT_DIM)
patches = torch.randn(4, 49, IMAGE_DIM)
out, attn_w = fusion(text, patches)
print("fused", tuple(out.shape), "attention", tuple(attn_w.shape))
assert out.shape == (4, 12, TEXT_DIM) and attn_w.shape == (4, 12, 49)
assert torch.allclose(attn_w.sum(-1), torch.ones(4, 12), atol=1e-5)
print("RESULT cross-attention fusion ran with 6 heads", tuple(out.shape))

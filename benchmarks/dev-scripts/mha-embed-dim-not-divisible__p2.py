import torch
import torch.nn as nn

torch.manual_seed(0)

# per-object features from a detector: 4 box coords + 1 score + 16-dim appearance
BOX, SCORE, APPEAR = 4, 1, 16
N_OBJ, BATCH, HEADS = 10, 6, 4


class ObjectRelation(nn.Module):
    """Self-attention across detected objects, then per-object re-scoring."""

    def __init__(self, feat_dim, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(feat_dim, heads, batch_first=True)
        self.norm = nn.LayerNorm(feat_dim)
        self.score = nn.Linear(feat_dim, 1)

    def forward(self, feats, pad_mask=None):
        ctx, weights = self.attn(feats, feats, feats, key_padding_mask=pad_mask)
        return self.score(self.norm(feats + ctx)).squeeze(-1), weights


def make_batch():
    boxes = torch.rand(BATCH, N_OBJ, BOX)
    scores = torch.rand(BATCH, N_OBJ, SCORE)
    appear = torch.randn(BATCH, N_OBJ, APPEAR)
    target = (scores.squeeze(-1) > 0.5).float()
    return torch.cat([boxes, scores, appear], dim=-1), target


feat_dim = BOX + SCORE + APPEAR
model = ObjectRelation(feat_dim, HEADS)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(30):
    feats, target = make_batch()
    logits, attn = model(feats)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, target)
    opt.zero_grad(); loss.backward(); opt.step()
print("bce", round(loss.item(), 4), "attn", tuple(attn.shape))

"""Low-memory loading of a small causal LM whose output projection is tied to the embedding."""
import os
import tempfile

import torch
import torch.nn as nn


class TinyCausalLM(nn.Module):
    def __init__(self, vocab=64, dim=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.block = nn.TransformerEncoderLayer(dim, nhead=4, dim_feedforward=64, batch_first=True)
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.tie_weights()

    def tie_weights(self):
        self.lm_head.weight = self.embed.weight

    def forward(self, ids):
        mask = nn.Transformer.generate_square_subsequent_mask(ids.shape[1])
        return self.lm_head(self.block(self.embed(ids), src_mask=mask, is_causal=True))


def save_pretrained(model, folder):
    state = {k: v for k, v in model.state_dict().items() if k != "lm_head.weight"}
    torch.save(state, os.path.join(folder, "weights.pt"))


def from_pretrained(folder, device="cpu"):
    with torch.device("meta"):
        model = TinyCausalLM()
    state = torch.load(os.path.join(folder, "weights.pt"), weights_only=True)
    model.load_state_dict(state, strict=False, assign=True)
    return model.to(device).eval()


torch.manual_seed(0)
with tempfile.TemporaryDirectory() as d:
    original = TinyCausalLM().eval()
    save_pretrained(original, d)
    model = from_pretrained(d)

ids = torch.randint(0, 64, (2, 8))
with torch.no_grad():
    logits = model(ids)
print("next-token ids", logits[:, -1].argmax(-1).tolist())

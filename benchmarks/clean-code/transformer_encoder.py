"""Transformer encoder for sequence classification with padding masks.

Shows the pieces that usually go wrong in hand-written encoders done the way
PyTorch expects: a sinusoidal table kept as a buffer (so .to(device) moves it),
d_model divisible by the number of heads, batch_first inputs, and a
key_padding_mask of shape [batch, seq] where True marks padding.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_ID = 0


class SinusoidalPositions(nn.Module):
    def __init__(self, d_model: int, max_len: int = 256) -> None:
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        frequencies = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = torch.zeros(max_len, d_model)
        table[:, 0::2] = torch.sin(position * frequencies)
        table[:, 1::2] = torch.cos(position * frequencies)
        self.register_buffer("table", table, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table[: x.size(1)]


class EncoderClassifier(nn.Module):
    def __init__(self, vocab_size: int, num_classes: int, d_model: int = 32,
                 n_heads: int = 4, n_layers: int = 2) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}")
        self.d_model = d_model
        self.embed = nn.Embedding(vocab_size, d_model, padding_idx=PAD_ID)
        self.positions = SinusoidalPositions(d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, dim_feedforward=4 * d_model,
                                           dropout=0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        padding = tokens == PAD_ID                                   # (B, T), True = ignore
        x = self.positions(self.embed(tokens) * math.sqrt(self.d_model))
        x = self.encoder(x, src_key_padding_mask=padding)
        x = self.norm(x)
        keep = (~padding).unsqueeze(-1).to(x.dtype)
        pooled = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)      # mean over real tokens
        return self.head(pooled)


def causal_mask(size: int) -> torch.Tensor:
    """Float mask with -inf above the diagonal, the form nn.Transformer layers accept."""
    return torch.triu(torch.full((size, size), float("-inf")), diagonal=1)


class TinyCausalLM(nn.Module):
    """Decoder-only language model: an encoder stack with a causal mask and tied output weights."""

    def __init__(self, vocab_size: int, d_model: int = 32, n_heads: int = 4, n_layers: int = 2) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.positions = SinusoidalPositions(d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, 2 * d_model, dropout=0.0,
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)
        self.lm_head.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = causal_mask(tokens.size(1)).to(tokens.device)
        x = self.blocks(self.positions(self.embed(tokens)), mask=mask, is_causal=True)
        return self.lm_head(self.norm(x))                 # (B, T, vocab)

    @torch.no_grad()
    def generate(self, prompt: torch.Tensor, steps: int) -> torch.Tensor:
        self.eval()
        tokens = prompt
        for _ in range(steps):
            next_token = self(tokens)[:, -1].argmax(dim=-1, keepdim=True)
            tokens = torch.cat([tokens, next_token], dim=1)
        return tokens


def train_counting_lm(vocab_size: int = 10, steps: int = 25) -> TinyCausalLM:
    """Learns sequences that count upwards modulo vocab_size."""
    model = TinyCausalLM(vocab_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        model.train()
        starts = torch.randint(0, vocab_size, (16, 1))
        seq = (starts + torch.arange(9)) % vocab_size
        logits = model(seq[:, :-1])
        loss = F.cross_entropy(logits.transpose(1, 2), seq[:, 1:])    # class dim at 1
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def make_batch(batch_size: int, max_len: int, vocab_size: int, generator: torch.Generator):
    """Label is 1 when token 1 appears in the unpadded part of the sequence."""
    lengths = torch.randint(2, max_len + 1, (batch_size,), generator=generator)
    tokens = torch.randint(2, vocab_size, (batch_size, max_len), generator=generator)
    positions = torch.arange(max_len).expand(batch_size, max_len)
    plant = torch.rand(batch_size, generator=generator) < 0.5
    tokens[plant, 0] = 1
    tokens[positions >= lengths.unsqueeze(1)] = PAD_ID
    labels = (tokens == 1).any(dim=1).long()
    return tokens, labels


def main() -> None:
    torch.manual_seed(2)
    generator = torch.Generator().manual_seed(2)
    vocab_size = 30
    model = EncoderClassifier(vocab_size, num_classes=2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 10))

    for step in range(20):
        model.train()
        tokens, labels = make_batch(32, 12, vocab_size, generator)
        loss = F.cross_entropy(model(tokens), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        if step % 10 == 0:
            print(f"step {step}: loss {loss.item():.3f}, lr {scheduler.get_last_lr()[0]:.5f}")

    model.eval()
    tokens, labels = make_batch(128, 12, vocab_size, generator)
    with torch.no_grad():
        accuracy = (model(tokens).argmax(1) == labels).float().mean().item()
    print(f"held-out accuracy {accuracy:.2f}")

    # A decoder-style self-attention call with a causal mask on the same width.
    attention = nn.MultiheadAttention(embed_dim=32, num_heads=4, batch_first=True)
    x = torch.randn(2, 6, 32)
    out, weights = attention(x, x, x, attn_mask=causal_mask(6))
    assert torch.allclose(weights[:, 0, 1:], torch.zeros(2, 5))
    print("causal attention output", tuple(out.shape))

    lm = train_counting_lm()
    print("counting LM continues [3, 4, 5] with", lm.generate(torch.tensor([[3, 4, 5]]), 4)[0, 3:].tolist())


if __name__ == "__main__":
    main()

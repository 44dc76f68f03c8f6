import argparse
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class AttnPoolClassifier(nn.Module):
    def __init__(self, vocab_size, emb_dim, d_model, n_heads, n_classes):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb_dim, padding_idx=0)
        self.in_proj = nn.Linear(emb_dim, d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, batch_first=True)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, tokens):
        pad_mask = tokens.eq(0)
        x = self.in_proj(self.embed(tokens))
        attn_out, _ = self.attn(x, x, x, key_padding_mask=pad_mask)
        x = self.norm(attn_out)
        keep = (~pad_mask).unsqueeze(-1).float()
        pooled = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return self.head(pooled)


def make_batch(batch_size, seq_len, vocab_size, n_classes):
    tokens = torch.randint(1, vocab_size, (batch_size, seq_len))
    lengths = torch.randint(seq_len // 2, seq_len + 1, (batch_size,))
    for i, n in enumerate(lengths.tolist()):
        tokens[i, n:] = 0
    labels = tokens[:, 0] % n_classes
    return tokens, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vocab", type=int, default=200)
    parser.add_argument("--emb-dim", type=int, default=48)
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args([])

    seed_all(0)
    model = AttnPoolClassifier(args.vocab, args.emb_dim, args.d_model, args.heads, args.classes)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)

    losses = []
    for step in range(args.steps):
        tokens, labels = make_batch(16, 12, args.vocab, args.classes)
        logits = model(tokens)
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % 5 == 0:
            print(f"step {step} loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        tokens, labels = make_batch(32, 12, args.vocab, args.classes)
        logits = model(tokens)
    assert logits.shape == (32, args.classes)
    assert all(np.isfinite(losses))
    acc = (logits.argmax(1) == labels).float().mean().item()
    print(f"RESULT final_loss={losses[-1]:.4f} eval_acc={acc:.3f}")


if __name__ == "__main__":
    main()

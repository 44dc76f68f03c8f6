"""GRU encoder-decoder with additive (Bahdanau) attention that learns to reverse sequences.

Teacher forcing is applied per step with a probability; the loss is computed on
logits of shape [batch * steps, vocab] against flattened targets, ignoring pads.
"""
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, SOS, EOS = 0, 1, 2
VOCAB = 12


def reversal_batch(batch_size: int, length: int):
    body = torch.randint(3, VOCAB, (batch_size, length))
    src = torch.cat([body, torch.full((batch_size, 1), EOS)], dim=1)
    tgt = torch.cat([body.flip(1), torch.full((batch_size, 1), EOS)], dim=1)
    return src, tgt


class Encoder(nn.Module):
    def __init__(self, vocab: int, emb: int, hidden: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.rnn = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)

    def forward(self, src: torch.Tensor):
        outputs, h_n = self.rnn(self.embedding(src))                # outputs: (B, S, 2H)
        last = torch.cat([h_n[-2], h_n[-1]], dim=1)                 # both directions
        return outputs, torch.tanh(self.bridge(last)).unsqueeze(0)  # hidden: (1, B, H)


class AdditiveAttention(nn.Module):
    def __init__(self, enc_dim: int, dec_dim: int, attn_dim: int) -> None:
        super().__init__()
        self.enc_proj = nn.Linear(enc_dim, attn_dim, bias=False)
        self.dec_proj = nn.Linear(dec_dim, attn_dim)
        self.score = nn.Linear(attn_dim, 1, bias=False)

    def forward(self, dec_hidden: torch.Tensor, enc_outputs: torch.Tensor, src_mask: torch.Tensor):
        energy = torch.tanh(self.enc_proj(enc_outputs) + self.dec_proj(dec_hidden).unsqueeze(1))
        scores = self.score(energy).squeeze(-1)                      # (B, S)
        scores = scores.masked_fill(~src_mask, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), enc_outputs).squeeze(1)
        return context, weights


class Decoder(nn.Module):
    def __init__(self, vocab: int, emb: int, hidden: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.attention = AdditiveAttention(2 * hidden, hidden, hidden)
        self.rnn = nn.GRU(emb + 2 * hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden + 2 * hidden, vocab)

    def step(self, token, hidden, enc_outputs, src_mask):
        context, weights = self.attention(hidden[-1], enc_outputs, src_mask)
        rnn_in = torch.cat([self.embedding(token), context], dim=-1).unsqueeze(1)
        output, hidden = self.rnn(rnn_in, hidden)
        logits = self.out(torch.cat([output.squeeze(1), context], dim=-1))
        return logits, hidden, weights


class Seq2Seq(nn.Module):
    def __init__(self, vocab: int = VOCAB, emb: int = 16, hidden: int = 32) -> None:
        super().__init__()
        self.encoder = Encoder(vocab, emb, hidden)
        self.decoder = Decoder(vocab, emb, hidden)

    def forward(self, src, tgt, teacher_forcing: float = 0.5) -> torch.Tensor:
        enc_outputs, hidden = self.encoder(src)
        src_mask = src != PAD
        token = torch.full((src.size(0),), SOS, dtype=torch.long)
        step_logits = []
        for t in range(tgt.size(1)):
            logits, hidden, _ = self.decoder.step(token, hidden, enc_outputs, src_mask)
            step_logits.append(logits)
            use_truth = random.random() < teacher_forcing
            token = tgt[:, t] if use_truth else logits.argmax(-1)
        return torch.stack(step_logits, dim=1)                     # (B, T, V)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, max_len: int) -> torch.Tensor:
        self.eval()
        enc_outputs, hidden = self.encoder(src)
        src_mask = src != PAD
        token = torch.full((src.size(0),), SOS, dtype=torch.long)
        out = []
        for _ in range(max_len):
            logits, hidden, _ = self.decoder.step(token, hidden, enc_outputs, src_mask)
            token = logits.argmax(-1)
            out.append(token)
        return torch.stack(out, dim=1)


def main() -> None:
    random.seed(6)
    torch.manual_seed(6)
    model = Seq2Seq()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    for step in range(15):
        model.train()
        src, tgt = reversal_batch(16, 4)
        logits = model(src, tgt, teacher_forcing=0.7)
        loss = criterion(logits.reshape(-1, VOCAB), tgt.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 5 == 0:
            print(f"step {step}: loss {loss.item():.3f}")

    src, tgt = reversal_batch(32, 4)
    predicted = model.greedy_decode(src, max_len=tgt.size(1))
    print(f"exact-match rate: {(predicted == tgt).all(dim=1).float().mean().item():.2f}")


if __name__ == "__main__":
    main()

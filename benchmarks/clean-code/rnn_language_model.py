"""Word-level LSTM language model trained with truncated backpropagation through time.

The hidden state is carried from one chunk to the next but detached first, so
each backward only goes through the current chunk; the embedding and output
weights are tied, which requires the LSTM to output the embedding size.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_corpus(n_tokens: int, vocab: int, seed: int) -> torch.Tensor:
    """A repeating pattern with noise so the model has something to predict."""
    g = torch.Generator().manual_seed(seed)
    pattern = torch.arange(vocab).repeat(n_tokens // vocab + 1)[:n_tokens]
    noise = torch.randint(0, vocab, (n_tokens,), generator=g)
    keep = torch.rand(n_tokens, generator=g) < 0.9
    return torch.where(keep, pattern, noise)


def batchify(data: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Cuts the token stream into batch_size parallel streams, shape (batch, steps)."""
    n = data.size(0) // batch_size
    return data[: n * batch_size].view(batch_size, n)


class LSTMLanguageModel(nn.Module):
    def __init__(self, vocab: int, dim: int = 32, layers: int = 2, dropout: float = 0.2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, dim, num_layers=layers, dropout=dropout, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.decoder = nn.Linear(dim, vocab)
        self.decoder.weight = self.embedding.weight     # weight tying
        self.layers, self.dim = layers, dim

    def init_hidden(self, batch_size: int):
        weight = next(self.parameters())
        shape = (self.layers, batch_size, self.dim)
        return weight.new_zeros(shape), weight.new_zeros(shape)

    def forward(self, tokens: torch.Tensor, hidden):
        output, hidden = self.lstm(self.drop(self.embedding(tokens)), hidden)
        return self.decoder(self.drop(output)), hidden


def detach_hidden(hidden):
    return tuple(h.detach() for h in hidden)


def train_epoch(model, data: torch.Tensor, optimizer, bptt: int) -> float:
    model.train()
    hidden = model.init_hidden(data.size(0))
    total, steps = 0.0, 0
    for start in range(0, data.size(1) - 1, bptt):
        length = min(bptt, data.size(1) - 1 - start)
        inputs = data[:, start:start + length]
        targets = data[:, start + 1:start + 1 + length]
        hidden = detach_hidden(hidden)
        logits, hidden = model(inputs, hidden)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        total += loss.item()
        steps += 1
    return total / steps


@torch.no_grad()
def perplexity(model, data: torch.Tensor, bptt: int) -> float:
    model.eval()
    hidden = model.init_hidden(data.size(0))
    nll, count = 0.0, 0
    for start in range(0, data.size(1) - 1, bptt):
        length = min(bptt, data.size(1) - 1 - start)
        logits, hidden = model(data[:, start:start + length], hidden)
        targets = data[:, start + 1:start + 1 + length]
        nll += F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="sum").item()
        count += targets.numel()
    return math.exp(nll / count)


@torch.no_grad()
def generate(model, prompt: list[int], n: int, temperature: float = 0.8) -> list[int]:
    model.eval()
    hidden = model.init_hidden(1)
    tokens = torch.tensor([prompt])
    logits, hidden = model(tokens, hidden)
    out = list(prompt)
    for _ in range(n):
        probs = F.softmax(logits[0, -1] / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1).item()
        out.append(nxt)
        logits, hidden = model(torch.tensor([[nxt]]), hidden)
    return out


def main() -> None:
    torch.manual_seed(11)
    vocab = 20
    train_data = batchify(make_corpus(3000, vocab, seed=1), batch_size=10)
    val_data = batchify(make_corpus(600, vocab, seed=2), batch_size=10)
    model = LSTMLanguageModel(vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(2):
        loss = train_epoch(model, train_data, optimizer, bptt=25)
        print(f"epoch {epoch}: train loss {loss:.3f}, val ppl {perplexity(model, val_data, 25):.2f}")
    print("sample:", generate(model, [0, 1, 2], n=10))


if __name__ == "__main__":
    main()

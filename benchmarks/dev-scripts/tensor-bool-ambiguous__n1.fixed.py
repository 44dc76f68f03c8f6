"""Batched greedy decoding from a tiny GRU language model trained on counting sequences."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

BOS, EOS = 0, 1
VOCAB = 12          # tokens 2..11 are digits "0".."9"
MAX_LEN = 12


class CounterLM(nn.Module):
    def __init__(self, vocab=VOCAB, emb=16, hidden=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.gru = nn.GRU(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens, h=None):
        o, h = self.gru(self.emb(tokens), h)
        return self.out(o), h


def counting_sequence(start, length):
    digits = [2 + (start + k) % 10 for k in range(length)]
    return [BOS] + digits + [EOS]


# training data: count upward from `start` for 3..5 steps, then EOS
seqs = [counting_sequence(s, 3 + s % 3) for s in range(10)] * 4
max_len = max(len(s) for s in seqs)
batch = torch.full((len(seqs), max_len), EOS)
for i, s in enumerate(seqs):
    batch[i, :len(s)] = torch.tensor(s)

model = CounterLM()
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
for step in range(60):
    logits, _ = model(batch[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), batch[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()


@torch.no_grad()
def greedy_decode(model, prompts):
    """prompts: [B, P] token ids; returns generated continuations [B, <=MAX_LEN]."""
    logits, h = model(prompts)
    next_tok = logits[:, -1].argmax(-1)
    generated = [next_tok]
    finished = next_tok == EOS
    while not finished.all() and len(generated) < MAX_LEN:
        logits, h = model(next_tok.unsqueeze(1), h)
        next_tok = logits[:, -1].argmax(-1).masked_fill(finished, EOS)
        generated.append(next_tok)
        finished |= next_tok == EOS
    return torch.stack(generated, dim=1)


model.eval()
prompts = torch.tensor([[BOS, 2 + 3], [BOS, 2 + 7], [BOS, 2 + 0]])
out = greedy_decode(model, prompts)
print("continuations:", out.tolist())

assert out.shape[0] == prompts.shape[0] and out.shape[1] <= MAX_LEN
assert (out == EOS).any(dim=1).all(), "every sequence should stop"
assert out[0, 0].item() == 2 + 4  # 3 -> 4
print(f"RESULT final_loss={loss.item():.4f} steps={out.shape[1]} first={out[0, :3].tolist()}")

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
VOCAB, HIDDEN, SEQ, BATCH = 20, 32, 7, 4


class PolicyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, HIDDEN)
        self.lstm = nn.LSTM(HIDDEN, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens):
        out, _ = self.lstm(self.emb(tokens))
        return self.head(out)


def sequence_log_probs(model, prompts, completions):
    """Sum of log p(completion_t | prefix) for each sequence in the batch."""
    tokens = torch.cat([prompts, completions], dim=1)
    logits = model(tokens[:, :-1])[:, prompts.size(1) - 1:]     # [B, T, V]
    log_probs = F.log_softmax(logits, dim=-1)
    token_lp = torch.gather(log_probs, 2, completions.unsqueeze(-1)).squeeze(-1)   # [B, T]
    return token_lp.sum(dim=1)


def reinforce_step(model, opt, prompts, completions, rewards):
    seq_lp = sequence_log_probs(model, prompts, completions)
    baseline = rewards.mean()
    loss = -((rewards - baseline) * seq_lp).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item(), seq_lp.detach()


model = PolicyLM()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
prompts = torch.randint(0, VOCAB, (BATCH, 3))
completions = torch.randint(0, VOCAB, (BATCH, SEQ - 3))
rewards = torch.tensor([1.0, 0.0, 0.5, 0.2])
for it in range(3):
    loss, lp = reinforce_step(model, opt, prompts, completions, rewards)
    print(f"iter {it}: loss {loss:.4f}, mean seq logp {lp.mean().item():.3f}")
assert lp.shape == (BATCH,) and (lp < 0).all() and loss == loss
print(f"RESULT loss={loss:.4f} mean_logp={lp.mean().item():.3f}")

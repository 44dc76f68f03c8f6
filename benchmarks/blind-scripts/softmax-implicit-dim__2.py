import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(5)
VOCAB, CTX = 40, 4


class CharBigram(nn.Module):
    """Predicts the next character from the previous CTX characters."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 16)
        self.fc = nn.Linear(16 * CTX, VOCAB)

    def forward(self, ctx):
        logits = self.fc(self.emb(ctx).flatten(1))
        return F.log_softmax(logits)


text = torch.randint(0, VOCAB, (400,))
ctx = text.unfold(0, CTX, 1)[:-1]
nxt = text[CTX:]
model = CharBigram()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(30):
    opt.zero_grad()
    logp = model(ctx)
    loss = F.nll_loss(logp, nxt)
    loss.backward()
    opt.step()

ppl = torch.exp(loss).item()
assert logp.shape == (len(nxt), VOCAB) and ppl < VOCAB * 2
print(f"RESULT perplexity={ppl:.2f}")

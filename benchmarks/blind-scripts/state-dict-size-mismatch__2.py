import io
import torch
from torch import nn

torch.manual_seed(1)
OLD_VOCAB, NEW_VOCAB, DIM = 100, 120, 16   # the tokenizer gained 20 tokens


class LM(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.emb = nn.Embedding(vocab, DIM)
        self.rnn = nn.GRU(DIM, DIM, batch_first=True)
        self.out = nn.Linear(DIM, vocab)

    def forward(self, ids):
        return self.out(self.rnn(self.emb(ids))[0])


buf = io.BytesIO()
torch.save(LM(OLD_VOCAB).state_dict(), buf)
buf.seek(0)
old_state = torch.load(buf)

model = LM(NEW_VOCAB)
model.load_state_dict(old_state)
ids = torch.randint(0, NEW_VOCAB, (4, 9))
with torch.no_grad():
    logits = model(ids)
assert logits.shape == (4, 9, NEW_VOCAB)
print(f"RESULT mean_logit={logits.mean().item():.4f}")

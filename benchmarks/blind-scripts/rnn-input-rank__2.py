import torch
from torch import nn

torch.manual_seed(8)
VOCAB = 50

embedding = nn.EmbeddingBag(VOCAB, 12)          # averages a bag of token ids -> [batch, 12]
rnn = nn.RNN(12, 24)
readout = nn.Linear(24, 2)
params = [*embedding.parameters(), *rnn.parameters(), *readout.parameters()]
opt = torch.optim.SGD(params, lr=0.05)


def encode_dialogue(utterances):
    """One vector per utterance, then an RNN over the utterances."""
    vecs = torch.cat([embedding(u.unsqueeze(0)) for u in utterances])   # [turns, 12]
    out, h = rnn(vecs.mean(0))
    return readout(h[-1])


dialogues = [[torch.randint(0, VOCAB, (5,)) for _ in range(4)] for _ in range(6)]
satisfied = torch.randint(0, 2, (6,))
for epoch in range(3):
    opt.zero_grad()
    logits = torch.stack([encode_dialogue(d) for d in dialogues])
    loss = nn.functional.cross_entropy(logits, satisfied)
    loss.backward()
    opt.step()
assert logits.shape == (6, 2) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")

import torch
from torch import nn

torch.manual_seed(5)
# tokenised sentences of different lengths turned into a tensor directly
sentences = [[3, 8, 1], [4, 2], [9, 9, 9, 5], [7], [2, 6, 1]]
labels = torch.tensor([0, 1, 1, 0, 1])
VOCAB = 10


def to_batch(seqs):
    return torch.tensor(seqs)


emb = nn.EmbeddingBag(VOCAB, 8, padding_idx=0)
fc = nn.Linear(8, 2)
opt = torch.optim.Adam([*emb.parameters(), *fc.parameters()], lr=1e-2)
batch = to_batch(sentences)
for epoch in range(10):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(fc(emb(batch)), labels)
    loss.backward()
    opt.step()
assert batch.shape == (5, 4)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")

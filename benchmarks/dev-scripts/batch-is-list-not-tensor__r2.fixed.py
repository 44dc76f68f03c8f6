# inference script: score tokenized sentences with a saved bag-of-embeddings model
import os
import tempfile
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(21)
SEQ_LEN = 10
VOCAB = {w: i + 1 for i, w in enumerate("good bad movie plot great awful acting fine boring fun".split())}


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(len(VOCAB) + 1, 16, padding_idx=0)
        self.out = nn.Linear(16, 1)

    def forward(self, ids):
        return torch.sigmoid(self.out(self.emb(ids).mean(1))).squeeze(-1)


class Sentences(Dataset):
    def __init__(self, sents):
        self.sents = sents

    def __len__(self):
        return len(self.sents)

    def __getitem__(self, i):
        ids = [VOCAB.get(w, 0) for w in self.sents[i].split()][:SEQ_LEN]
        return torch.tensor(ids + [0] * (SEQ_LEN - len(ids)))  # pad to fixed length


def predict(model, sents, device="cpu"):
    loader = DataLoader(Sentences(sents), batch_size=4)
    scores = []
    with torch.no_grad():
        for ids in loader:
            scores.append(model(ids.to(device)))
    return torch.cat(scores)


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "scorer.pt")
    torch.save(Scorer().state_dict(), path)
    model = Scorer()
    model.load_state_dict(torch.load(path))
    model.eval()
    sents = ["good movie great acting", "awful plot", "boring boring movie", "fun", "fine plot bad acting"]
    probs = predict(model, sents)
    print(probs)
    assert probs.shape == (5,) and bool(((probs > 0) & (probs < 1)).all())
    one = model(torch.tensor([[VOCAB["awful"], VOCAB["plot"]] + [0] * 8]))
    assert torch.allclose(one, probs[1:2])
    print(f"RESULT probs={[round(p, 4) for p in probs.tolist()]}")

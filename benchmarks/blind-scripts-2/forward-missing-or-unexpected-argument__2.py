import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

PAD = 0
cfg = {"vocab_size": 100, "dim": 32, "num_labels": 3, "batch_size": 6, "max_len": 14}


def fake_tokenizer(batch_size, max_len, vocab_size):
    """Returns a dict shaped like a Hugging Face tokenizer output."""
    lengths = torch.tensor([max_len - 2 * i for i in range(batch_size)])
    ids = torch.randint(1, vocab_size, (batch_size, max_len))
    mask = torch.arange(max_len)[None, :] < lengths[:, None]
    return {"input_ids": ids.masked_fill(~mask, PAD), "attention_mask": mask.long()}


class BagOfEmbeddingsClassifier(nn.Module):
    """Lightweight stand-in for the transformer classifier used in production."""

    def __init__(self, vocab_size, dim, num_labels):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        self.proj = nn.Linear(dim, num_labels)

    def forward(self, input_ids):
        emb = self.embed(input_ids)
        keep = (input_ids != PAD).unsqueeze(-1).float()
        return self.proj((emb * keep).sum(1) / keep.sum(1))


model = BagOfEmbeddingsClassifier(cfg["vocab_size"], cfg["dim"], cfg["num_labels"])
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
labels = torch.arange(cfg["batch_size"]) % cfg["num_labels"]

for step in range(5):
    batch = fake_tokenizer(cfg["batch_size"], cfg["max_len"], cfg["vocab_size"])
    logits = model(**batch)
    loss = F.cross_entropy(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.4f}")

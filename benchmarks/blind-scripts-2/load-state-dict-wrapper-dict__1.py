import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class TinyLM(nn.Module):
    def __init__(self, vocab=40, dim=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.proj = nn.Linear(dim, vocab)

    def forward(self, tokens):
        h, _ = self.rnn(self.embed(tokens))
        return self.proj(h)


def save_checkpoint(model, optimizer, epoch, loss):
    buf = io.BytesIO()
    torch.save({
        "epoch": epoch,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": loss,
    }, buf)
    buf.seek(0)
    return buf


def resume(buf):
    ckpt = torch.load(buf, weights_only=True)
    model = TinyLM()
    model.load_state_dict(ckpt)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    optimizer.load_state_dict(ckpt["optimizer_state_dict"])
    return model, optimizer, ckpt["epoch"]


data = torch.randint(0, 40, (16, 10))
model = TinyLM()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
for epoch in range(2):
    logits = model(data[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, 40), data[:, 1:].reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

ckpt_buf = save_checkpoint(model, optimizer, epoch, loss.item())
model2, optimizer2, start_epoch = resume(ckpt_buf)
print("resumed at epoch", start_epoch + 1)

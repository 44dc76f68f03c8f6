import torch
from torch import nn

torch.manual_seed(4)
# seq2seq-ish: encoder is bidirectional, decoder is unidirectional and starts from the encoder state
enc = nn.GRU(8, 16, batch_first=True, bidirectional=True)
dec = nn.GRU(8, 16, batch_first=True)
proj = nn.Linear(16, 8)
params = [*enc.parameters(), *dec.parameters(), *proj.parameters()]
opt = torch.optim.Adam(params, lr=1e-2)

src = torch.randn(10, 12, 8)
tgt = src.flip(1)


def run(src_seq, tgt_in):
    _, h = enc(src_seq)                     # [2, batch, 16]
    out, _ = dec(tgt_in, h)
    return proj(out)


for step in range(10):
    opt.zero_grad()
    tgt_in = torch.cat([torch.zeros(10, 1, 8), tgt[:, :-1]], dim=1)
    pred = run(src, tgt_in)
    loss = nn.functional.mse_loss(pred, tgt)
    loss.backward()
    opt.step()
assert pred.shape == tgt.shape
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")

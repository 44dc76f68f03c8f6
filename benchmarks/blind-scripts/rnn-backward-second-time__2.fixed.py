import torch
from torch import nn

torch.manual_seed(2)

# online anomaly model reading a sensor stream step by step, state kept between windows
cell = nn.GRUCell(4, 16)
score = nn.Linear(16, 1)
opt = torch.optim.Adam([*cell.parameters(), *score.parameters()], lr=1e-3)
stream = torch.randn(200, 4)
targets = (stream.abs().sum(1) > 3).float()


class StreamState:
    def __init__(self):
        self.h = torch.zeros(1, 16)


state = StreamState()
window_losses = []
for w in range(0, 200, 20):
    state.h = state.h.detach()
    preds = []

    for t in range(w, w + 20):
        state.h = cell(stream[t:t + 1], state.h)
        preds.append(score(state.h).squeeze())
    loss = nn.functional.binary_cross_entropy_with_logits(torch.stack(preds), targets[w:w + 20])
    opt.zero_grad()
    loss.backward()
    opt.step()
    window_losses.append(loss.item())

assert len(window_losses) == 10
print(f"RESULT mean_loss={sum(window_losses) / 10:.4f}")

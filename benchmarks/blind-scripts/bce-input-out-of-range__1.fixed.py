"""Click-through model trained with BCELoss on raw scores."""
import torch
import torch.nn as nn

torch.manual_seed(0)

features = torch.randn(200, 10) * 3
clicked = (features[:, 2] > 0).float().unsqueeze(1)


class CTRModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 1))

    def forward(self, x):
        return self.net(x)


model = CTRModel()
loss_fn = nn.BCEWithLogitsLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(20):
    opt.zero_grad()
    scores = model(features)
    loss = loss_fn(scores, clicked)
    loss.backward()
    opt.step()

assert scores.shape == clicked.shape
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")

"""Inference script that expects torch.load to return a model object."""
import io
import torch
import torch.nn as nn

torch.manual_seed(0)


class SpamNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 2)

    def forward(self, x):
        return self.fc(x)


trained = SpamNet()
weights_file = io.BytesIO()
torch.save(trained.state_dict(), weights_file)
weights_file.seek(0)

model = SpamNet()
model.load_state_dict(torch.load(weights_file))
model.eval()
emails = torch.randn(4, 10)
with torch.no_grad():
    pred = model(emails).argmax(1)
assert pred.shape == (4,)
assert torch.equal(pred, trained(emails).argmax(1))
print(f"RESULT spam={int(pred.sum())}")

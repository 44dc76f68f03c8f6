# GoogLeNet-style model with an auxiliary head during training; train + validate
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(42)


class AuxNet(nn.Module):
    def __init__(self, n_classes=4):
        super().__init__()
        self.stage1 = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.stage2 = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.aux_head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, n_classes))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16, n_classes))

    def forward(self, x):
        mid = self.stage1(x)
        logits = self.head(self.stage2(mid))
        if self.training:
            return logits, self.aux_head(mid)
        return logits                      # eval: main head only


def run_epoch(model, loader, opt=None):
    model.train(opt is not None)
    correct, seen = 0, 0
    for xb, yb in loader:
        if opt is not None:
            logits, aux = model(xb)
            loss = F.cross_entropy(logits, yb) + 0.3 * F.cross_entropy(aux, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        else:
            with torch.no_grad():
                logits = model(xb)
        correct += (logits.argmax(1) == yb).sum().item()
        seen += len(yb)
    return correct / seen


data = TensorDataset(torch.randn(48, 1, 16, 16), torch.randint(0, 4, (48,)))
train_dl = DataLoader(data, batch_size=12, shuffle=True, generator=torch.Generator().manual_seed(0))
val_dl = DataLoader(data, batch_size=16)
net = AuxNet()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
for epoch in range(2):
    train_acc = run_epoch(net, train_dl, opt)
    val_acc = run_epoch(net, val_dl)
    print(f"epoch {epoch} train {train_acc:.3f} val {val_acc:.3f}")

net.eval()
with torch.no_grad():
    out = net(data.tensors[0][:5])
assert isinstance(out, torch.Tensor) and out.shape == (5, 4) and 0.0 <= val_acc <= 1.0
print(f"RESULT val_acc={val_acc:.3f} eval_out={tuple(out.shape)}")

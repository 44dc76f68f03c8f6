"""Pretrain a model, checkpoint it, then resume fine-tuning with a frozen backbone."""
import io

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, d_in=8, hidden=16, d_out=2):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, d_out)

    def forward(self, x):
        return self.head(self.backbone(x))


def train(model, opt, x, y, steps):
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def save_checkpoint(model, opt, step):
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "optim": opt.state_dict(), "step": step}, buf)
    buf.seek(0)
    return buf


def main():
    torch.manual_seed(0)
    x = torch.randn(64, 8)
    y = (x[:, :4].sum(1) > 0).long()

    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    pre_loss = train(model, opt, x, y, steps=20)
    ckpt = save_checkpoint(model, opt, step=20)

    state = torch.load(ckpt)
    ft_model = Net()
    ft_model.load_state_dict(state["model"])
    for p in ft_model.backbone.parameters():
        p.requires_grad_(False)
    ft_opt = torch.optim.Adam(ft_model.parameters(), lr=1e-3)
    ft_opt.load_state_dict(state["optim"])
    assert len(ft_opt.state) > 0

    frozen_before = [p.clone() for p in ft_model.backbone.parameters()]
    ft_loss = train(ft_model, ft_opt, x, y, steps=10)
    assert all(torch.equal(a, b) for a, b in zip(frozen_before, ft_model.backbone.parameters()))
    assert torch.equal(ft_model.backbone[0].bias, model.backbone[0].bias)
    assert ft_loss == ft_loss and ft_loss < 1.0
    print(f"RESULT pretrain_loss={pre_loss:.4f} finetune_loss={ft_loss:.4f} step={state['step']}")


if __name__ == "__main__":
    main()

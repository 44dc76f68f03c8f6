"""Pretrain a small classifier, save a checkpoint, then fine-tune with the backbone frozen."""
import os
import tempfile
import torch
import torch.nn as nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.head = nn.Linear(64, 4)

    def forward(self, x):
        return self.head(self.backbone(x))


def train(model, opt, steps, x, y):
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


x, y = torch.randn(64, 20), torch.randint(0, 4, (64,))

with tempfile.TemporaryDirectory() as tmp:
    ckpt_path = os.path.join(tmp, "pretrain.pt")

    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    print("pretrain loss", train(model, opt, 10, x, y))
    torch.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 10}, ckpt_path)

    # ---- fine-tuning run ----
    ckpt = torch.load(ckpt_path)
    ft_model = Net()
    ft_model.load_state_dict(ckpt["model"])
    for p in ft_model.backbone.parameters():
        p.requires_grad = False
    ft_opt = torch.optim.Adam([p for p in ft_model.parameters() if p.requires_grad], lr=1e-3)
    # the optimizer now covers only the head, so the pretraining optimizer
    # state does not apply: start the fine-tuning optimizer fresh
    frozen_before = ft_model.backbone[0].weight.clone()
    ft_loss = train(ft_model, ft_opt, 10, x, y)
    print("finetune loss", ft_loss)
    assert torch.equal(frozen_before, ft_model.backbone[0].weight)
    assert torch.equal(ckpt["model"]["backbone.0.weight"], ft_model.backbone[0].weight)
    assert len(ft_opt.param_groups[0]["params"]) == 2
    print(f"RESULT finetune_loss={ft_loss:.4f} trainable={len(ft_opt.param_groups[0]['params'])}")

import torch
import torch.nn as nn
import torch.utils.checkpoint as ckpt

torch.manual_seed(0)

config = {"vocab": 64, "hidden": 24, "layers": 4, "adapter_dim": 6, "steps": 4, "lr": 5e-3}


class Adapter(nn.Module):
    """Bottleneck adapter: the only trainable part of each layer."""

    def __init__(self, hidden, bottleneck):
        super().__init__()
        self.down = nn.Linear(hidden, bottleneck)
        self.up = nn.Linear(bottleneck, hidden)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x):
        return x + self.up(torch.tanh(self.down(x)))


class Layer(nn.Module):
    def __init__(self, hidden, bottleneck):
        super().__init__()
        self.mix = nn.Linear(hidden, hidden)
        self.adapter = Adapter(hidden, bottleneck)

    def forward(self, x):
        return self.adapter(torch.relu(self.mix(x)))


class AdapterLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok = nn.Embedding(cfg["vocab"], cfg["hidden"])
        self.layers = nn.ModuleList(Layer(cfg["hidden"], cfg["adapter_dim"]) for _ in range(cfg["layers"]))
        self.lm_head = nn.Linear(cfg["hidden"], cfg["vocab"], bias=False)

    def forward(self, ids):
        h = self.tok(ids)
        for layer in self.layers:
            h = ckpt.checkpoint(layer, h, use_reentrant=True)
        return self.lm_head(h)


def freeze_backbone(model):
    for name, p in model.named_parameters():
        p.requires_grad = "adapter" in name or name.startswith("lm_head")


model = AdapterLM(config)
freeze_backbone(model)
opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config["lr"])
ids = torch.randint(0, config["vocab"], (4, 16))

for step in range(config["steps"]):
    logits = model(ids[:, :-1])
    loss = nn.functional.cross_entropy(logits.reshape(-1, config["vocab"]), ids[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step}: loss={loss.item():.4f}")

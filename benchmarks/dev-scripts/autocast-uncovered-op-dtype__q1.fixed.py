"""Top-1 mixture-of-experts layer trained with bfloat16 autocast on CPU."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class MoE(nn.Module):
    def __init__(self, d_model=32, n_experts=4, d_ff=64):
        super().__init__()
        self.router = nn.Linear(d_model, n_experts)
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
            for _ in range(n_experts)
        )

    def forward(self, x):
        flat = x.reshape(-1, x.shape[-1]).float()  # keep routing in fp32 for stability
        gate = self.router(flat).softmax(dim=-1)
        weight, choice = gate.max(dim=-1)
        out = torch.zeros_like(flat)
        for e, expert in enumerate(self.experts):
            idx = (choice == e).nonzero(as_tuple=True)[0]
            if idx.numel() == 0:
                continue
            # index_put is not autocast-aware: the bf16 expert output must match the buffer dtype
            out[idx] = expert(flat[idx]).to(out.dtype)
        return (out * weight.unsqueeze(-1)).reshape(x.shape)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(16, 32)
        self.moe = MoE()
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        h = self.inp(x)
        return self.out(h + self.moe(h))


model = Model()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
x = torch.randn(8, 10, 16)
y = x.sum(-1, keepdim=True)
for step in range(5):
    opt.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        pred = model(x)
        loss = nn.functional.mse_loss(pred.float(), y)
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.4f}")
    if step == 0:
        first = loss.item()
assert pred.shape == (8, 10, 1) and loss.item() < first
assert all(p.grad is not None for p in model.moe.router.parameters())
print(f"RESULT loss={loss.item():.4f}")

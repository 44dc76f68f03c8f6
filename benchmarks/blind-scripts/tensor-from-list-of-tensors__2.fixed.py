import torch
from torch import nn

torch.manual_seed(1)
# replay buffer of observations stored as tensors
OBS_DIM = 4
buffer = []
policy = nn.Linear(OBS_DIM, 2)
opt = torch.optim.Adam(policy.parameters(), lr=1e-2)

obs = torch.zeros(OBS_DIM)
for t in range(64):
    obs = obs + 0.1 * torch.randn(OBS_DIM)
    buffer.append(obs)


def sample_batch(buf, n=16):
    idx = torch.randint(0, len(buf), (n,))
    return torch.stack([buf[i] for i in idx])


for update in range(10):
    batch = sample_batch(buffer)
    logits = policy(batch)
    loss = nn.functional.cross_entropy(logits, (batch[:, 0] > 0).long())
    opt.zero_grad()
    loss.backward()
    opt.step()
assert batch.shape == (16, OBS_DIM) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")

# Graph-level regression with a tiny message-passing net; mixed precision on CPU.
import torch
import torch.nn as nn

torch.manual_seed(0)

CFG = {"hidden": 24, "epochs": 3, "lr": 1e-2, "num_graphs": 6, "nodes_per_graph": 5}


def make_batch(num_graphs, nodes_per_graph, feat_dim=8):
    n = num_graphs * nodes_per_graph
    x = torch.randn(n, feat_dim)
    batch = torch.arange(num_graphs).repeat_interleave(nodes_per_graph)
    src = torch.arange(n)
    dst = (src + 1) % nodes_per_graph + batch * nodes_per_graph
    edge_index = torch.stack([src, dst])
    target = torch.randn(num_graphs, 1)
    return x, edge_index, batch, target


class SumPoolGNN(nn.Module):
    def __init__(self, in_dim, hidden, num_graphs):
        super().__init__()
        self.num_graphs = num_graphs
        self.lin_in = nn.Linear(in_dim, hidden)
        self.msg = nn.Linear(hidden, hidden)
        self.head = nn.Linear(hidden, 1)

    def propagate(self, h, edge_index):
        src, dst = edge_index
        agg = torch.zeros_like(h)
        agg.index_copy_(0, dst, self.msg(h)[src])
        return torch.relu(h + agg)

    def readout(self, h, batch):
        pooled = torch.zeros(self.num_graphs, h.size(1), dtype=h.dtype)
        index = batch.unsqueeze(1).expand_as(h)
        pooled.scatter_add_(0, index, h)
        return pooled

    def forward(self, x, edge_index, batch):
        h = torch.relu(self.lin_in(x))
        h = self.propagate(h, edge_index)
        return self.head(self.readout(h, batch))


x, edge_index, batch, target = make_batch(CFG["num_graphs"], CFG["nodes_per_graph"])
model = SumPoolGNN(x.size(1), CFG["hidden"], CFG["num_graphs"])
opt = torch.optim.Adam(model.parameters(), lr=CFG["lr"])

for epoch in range(CFG["epochs"]):
    opt.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        pred = model(x, edge_index, batch)
        loss = nn.functional.mse_loss(pred.float(), target)
    loss.backward()
    opt.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")

assert pred.shape == (CFG["num_graphs"], 1) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f} pred_dtype={pred.dtype}")

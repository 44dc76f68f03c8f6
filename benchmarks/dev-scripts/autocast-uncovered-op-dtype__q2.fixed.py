# Notebook: a minimal graph convolution (sum aggregation) with mixed precision on CPU
import torch
import torch.nn as nn

torch.manual_seed(0)

# %% toy graph: a ring of 12 nodes plus a few chords
n_nodes = 12
src = torch.arange(n_nodes)
dst = (src + 1) % n_nodes
extra = torch.tensor([[0, 6], [3, 9], [2, 7]])
edge_index = torch.cat([torch.stack([src, dst]), extra.t()], dim=1)
edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)  # undirected
features = torch.randn(n_nodes, 8)
labels = (torch.arange(n_nodes) % 3)


# %% layer
class GraphConv(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.msg = nn.Linear(d_in, d_out)
        self.self_loop = nn.Linear(d_in, d_out)

    def forward(self, h, edge_index):
        s, d = edge_index
        messages = self.msg(h[s])
        # allocate the buffer in the dtype autocast produced (bf16 inside the region)
        agg = torch.zeros(h.shape[0], messages.shape[1], dtype=messages.dtype)
        agg.index_add_(0, d, messages)
        return torch.relu(self.self_loop(h) + agg)


class GCN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = GraphConv(8, 16)
        self.c2 = GraphConv(16, 16)
        self.cls = nn.Linear(16, 3)

    def forward(self, h, edge_index):
        return self.cls(self.c2(self.c1(h, edge_index), edge_index))


# %% train
gcn = GCN()
opt = torch.optim.Adam(gcn.parameters(), lr=0.01)
for epoch in range(30):
    opt.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = gcn(features, edge_index)
    loss = nn.functional.cross_entropy(logits.float(), labels)
    loss.backward()
    opt.step()
print("final loss", round(loss.item(), 4))
assert logits.shape == (n_nodes, 3) and logits.dtype == torch.bfloat16
assert loss.item() < 1.0986  # better than uniform guessing over 3 classes
print(f"RESULT loss={loss.item():.4f}")

"""Matrix factorisation for ratings, parameters written out by hand."""
import torch

torch.manual_seed(0)
n_users, n_items, k = 30, 40, 5

true_u = torch.randn(n_users, k)
true_v = torch.randn(n_items, k)
ratings = true_u @ true_v.T
mask = torch.rand(n_users, n_items) < 0.3

user_f = (torch.randn(n_users, k) * 0.1).requires_grad_()
item_f = (torch.randn(n_items, k) * 0.1).requires_grad_()
user_bias = torch.zeros(n_users, 1, requires_grad=True)
item_bias = torch.zeros(1, n_items, requires_grad=True)

opt = torch.optim.Adam([user_f, item_f, user_bias, item_bias], lr=0.05)


def predict():
    return user_f @ item_f.T + user_bias + item_bias


for step in range(300):
    err = (predict() - ratings)[mask]
    loss = err.pow(2).mean() + 1e-3 * (user_f.pow(2).sum() + item_f.pow(2).sum())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 100 == 0:
        print(f"step {step}: loss {loss.item():.4f}")
assert user_f.is_leaf and item_f.is_leaf
assert loss.item() < 1.0, loss.item()
print(f"RESULT factorisation fitted, loss {loss.item():.4f}")

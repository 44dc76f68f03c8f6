import torch

torch.manual_seed(2)
# fitting a line by gradient descent on integer-valued measurements
x = torch.arange(0, 20)
y = 3 * x + 7 + torch.randint(-2, 3, (20,))

slope = torch.tensor(0.0, requires_grad=True)
intercept = torch.tensor(0.0, requires_grad=True)
opt = torch.optim.SGD([slope, intercept], lr=1e-3)


def predict(inp):
    return slope * inp + intercept


for it in range(2000):
    opt.zero_grad()
    loss = ((predict(x.float()) - y.float()) ** 2).mean()
    loss.backward()
    opt.step()

assert abs(slope.item() - 3) < 0.5, slope.item()
assert torch.isfinite(loss)
# the intercept converges slowly with this learning rate, so only the slope is checked
print(f"RESULT slope={slope.item():.3f}")

"""Score a single grayscale digit with a trained CNN."""
import torch
import torch.nn as nn

torch.manual_seed(0)

cnn = nn.Sequential(
    nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(8 * 13 * 13, 10),
)
train_x = torch.randn(64, 1, 28, 28)
train_y = torch.randint(0, 10, (64,))
opt = torch.optim.Adam(cnn.parameters(), lr=1e-3)
for epoch in range(3):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(cnn(train_x), train_y)
    loss.backward()
    opt.step()


def classify(image_28x28: torch.Tensor) -> int:
    cnn.eval()
    with torch.no_grad():
        logits = cnn(image_28x28.unsqueeze(0).unsqueeze(0))
    return int(logits.argmax(dim=1))


digit = torch.rand(28, 28)
pred = classify(digit)
assert 0 <= pred < 10
print(f"RESULT pred={pred}")

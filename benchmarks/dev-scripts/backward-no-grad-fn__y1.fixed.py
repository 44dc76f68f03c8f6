"""Fine-tune a small pretrained-style encoder with a fresh classification head."""
import io
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Encoder(nn.Module):
    def __init__(self, in_dim=20, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden))

    def forward(self, x):
        return self.net(x)


class Classifier(nn.Module):
    def __init__(self, encoder, hidden=32, num_classes=4):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.head(F.relu(self.encoder(x)))


def pretrained_encoder_bytes():
    enc = Encoder()
    buf = io.BytesIO()
    torch.save(enc.state_dict(), buf)
    buf.seek(0)
    return buf


def build_model(num_classes):
    encoder = Encoder()
    encoder.load_state_dict(torch.load(pretrained_encoder_bytes(), weights_only=True))
    model = Classifier(encoder, num_classes=num_classes)
    for p in model.parameters():
        p.requires_grad = False
    model.head = nn.Linear(32, num_classes)
    return model


def main():
    num_classes = 4
    x = torch.randn(128, 20)
    y = torch.randint(0, num_classes, (128,))
    model = build_model(num_classes)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    head_before = model.head.weight.detach().clone()
    losses = []
    for epoch in range(5):
        for i in range(0, 128, 32):
            xb, yb = x[i:i + 32], y[i:i + 32]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    print(f"trainable tensors: {len(trainable)}, final loss {losses[-1]:.4f}")
    return model, head_before, losses


if __name__ == "__main__":
    model, head_before, losses = main()
    assert all(torch.isfinite(torch.tensor(losses)))
    assert not torch.equal(head_before, model.head.weight)
    assert all(not p.requires_grad for p in model.encoder.parameters())
    assert all(p.requires_grad for p in model.head.parameters())
    print(f"RESULT ok final_loss={losses[-1]:.4f}")

"""Feature visualisation: optimise an input image to maximise one channel of a conv net."""
import torch
import torch.nn as nn

torch.manual_seed(0)

CFG = dict(channel=5, steps=40, lr=0.05, size=32, tv_weight=1e-3)


def build_net():
    net = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
    )
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def total_variation(img):
    return (img[..., 1:, :] - img[..., :-1, :]).abs().mean() + \
           (img[..., :, 1:] - img[..., :, :-1]).abs().mean()


def visualise(net, cfg):
    # start from mid-grey noise, add a batch dimension for the conv net
    img = (0.5 + 0.01 * torch.randn(1, 3, cfg["size"], cfg["size"])).requires_grad_()
    opt = torch.optim.Adam([img], lr=cfg["lr"])
    history = []
    for step in range(cfg["steps"]):
        opt.zero_grad()
        act = net(img)[0, cfg["channel"]].mean()
        loss = -act + cfg["tv_weight"] * total_variation(img)
        loss.backward()
        opt.step()
        with torch.no_grad():
            img.clamp_(0, 1)
        history.append(act.item())
    return img.detach(), history


net = build_net()
image, hist = visualise(net, CFG)
print(f"activation: start {hist[0]:.4f} -> end {hist[-1]:.4f}")
print("image range", image.min().item(), image.max().item())
assert image.shape == (1, 3, 32, 32) and hist[-1] > hist[0]
print(f"RESULT act_start={hist[0]:.4f} act_end={hist[-1]:.4f}")

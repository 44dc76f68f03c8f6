"""A training loop with mixed precision, gradient clipping, a warm-up/cosine schedule and resumable checkpoints.

Autocast uses float16 on CUDA and bfloat16 on the CPU; GradScaler is only
enabled for float16, where small gradients need scaling. Gradients are
unscaled before clipping so the threshold applies to the true norm. The
checkpoint keeps model, optimizer, scheduler, scaler and RNG state so a resumed
run continues exactly where it stopped.
"""
import argparse
import math
import tempfile
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--no-amp", action="store_true", help="train in float32 only")
    return parser.parse_args(argv)


def warmup_cosine(warmup: int, total: int):
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    return factor


def build(args: argparse.Namespace, device: torch.device):
    model = nn.Sequential(nn.Linear(20, 64), nn.GELU(), nn.LayerNorm(64), nn.Linear(64, 5)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(3, args.steps))
    amp_dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    use_amp = not args.no_amp
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp and amp_dtype == torch.float16)
    return model, optimizer, scheduler, scaler, amp_dtype, use_amp


def save_checkpoint(path: Path, step: int, model, optimizer, scheduler, scaler) -> None:
    torch.save({
        "step": step,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict(),
        "rng": torch.get_rng_state(),
    }, path)


def load_checkpoint(path: Path, model, optimizer, scheduler, scaler, device) -> int:
    state = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    scaler.load_state_dict(state["scaler"])
    torch.set_rng_state(state["rng"])
    return state["step"] + 1


def train_steps(start: int, stop: int, parts, device, args) -> float:
    model, optimizer, scheduler, scaler, amp_dtype, use_amp = parts
    model.train()
    loss_value = float("nan")
    for step in range(start, stop):
        x = torch.randn(32, 20, device=device)
        y = x[:, :5].argmax(dim=1)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=use_amp):
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        loss_value = loss.item()
    return loss_value


def main(argv=None) -> None:
    args = parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(9)
    half = args.steps // 2

    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / "last.pt"
        parts = build(args, device)
        loss = train_steps(0, half, parts, device, args)
        save_checkpoint(ckpt, half - 1, *parts[:4])
        print(f"saved at step {half - 1}, loss {loss:.3f}")

        resumed = build(args, device)
        start = load_checkpoint(ckpt, *resumed[:4], device)
        loss = train_steps(start, args.steps, resumed, device, args)
        lr = resumed[2].get_last_lr()[0]
        print(f"resumed at step {start}, finished with loss {loss:.3f}, lr {lr:.2e}")


if __name__ == "__main__":
    main()

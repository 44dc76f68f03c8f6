"""Nearest-prototype classifier run in fp16 to save memory."""
import argparse
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--fp16", action="store_true", default=True)
args = parser.parse_args([])
torch.manual_seed(0)
dtype = torch.float16 if args.fp16 else torch.float32

prototypes = torch.randn(5, 16)
queries = prototypes[torch.randint(0, 5, (20,))] + 0.1 * torch.randn(20, 16)
truth = torch.cdist(queries, prototypes).argmin(1)


def classify(q, protos):
    d = torch.cdist(q.to(dtype), protos.to(dtype))
    return d.argmin(dim=1)


pred = classify(queries, prototypes)
acc = (pred == truth).float().mean().item()
assert pred.shape == (20,)
assert acc == 1.0
# a perfect match is expected: queries are small perturbations of the prototypes
print(f"RESULT acc={acc:.3f}")

"""Where the time of one `kb fix --verify` run goes: starting Python, importing torch, the sandbox's
own set-up, and the user's code itself.

Measures (median of --repeat runs each):
  python -c pass               interpreter start-up
  python -c "import torch"     start-up + torch import
  sandbox: pass                sandbox process + confinement, no torch
  sandbox: import torch        the same with the torch import
  sandbox: torch + optimizer   also the first optimizer: torch.optim imports torch._dynamo lazily
  sandbox: verify run          one real verify run (a patched training script)
and prints which share of the verify run is start-up + imports, to decide whether a warm worker
(an interpreter with torch and torch._dynamo already imported, forked per run) would pay off.

Usage: python benchmarks/verify_time.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from assistant.sandbox import run_source

PYTHON = sys.executable  # the interpreter (and torch) kb itself runs with
WARM_UP = "import torch\ntorch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)\n"
VERIFY_SCRIPT = """\
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Embedding(500, 32), nn.LayerNorm(32), nn.Linear(32, 4))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
ids, labels = torch.randint(0, 500, (16, 20)), torch.randint(0, 4, (16,))
for _ in range(3):
    loss = nn.functional.cross_entropy(model(ids).mean(1), labels)
    opt.zero_grad(); loss.backward(); opt.step()
print(loss.item())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    start = _median(repeat, lambda: _subprocess(["-c", "pass"]))
    torch_import = _median(repeat, lambda: _subprocess(["-c", "import torch"]))
    sandbox_pass = _median(repeat, lambda: _sandbox("pass\n"))
    sandbox_torch = _median(repeat, lambda: _sandbox("import torch\n"))
    sandbox_warm = _median(repeat, lambda: _sandbox(WARM_UP))
    verify = _median(repeat, lambda: _sandbox(VERIFY_SCRIPT))
    rows = [("python -c pass", start), ('python -c "import torch"', torch_import), ("sandbox: pass", sandbox_pass),
            ("sandbox: import torch", sandbox_torch), ("sandbox: torch + optimizer", sandbox_warm),
            ("sandbox: verify run", verify)]
    for label, seconds in rows:
        print(f"{label:28} {seconds:7.3f} s")
    overhead = min(sandbox_warm, verify)
    print(f"\nstart-up + imports: {overhead:.3f} s of the {verify:.3f} s verify run "
          f"({100 * overhead / verify:.0f}%); the user's code itself: {max(verify - overhead, 0):.3f} s")
    print(f"of which: interpreter {start:.3f} s, sandbox set-up {max(sandbox_pass - start, 0):.3f} s, "
          f"import torch {max(sandbox_torch - sandbox_pass, 0):.3f} s, "
          f"first optimizer (torch._dynamo) {max(sandbox_warm - sandbox_torch, 0):.3f} s")


def _median(repeat: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(repeat))


def _subprocess(arguments: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, *arguments], check=True, cwd=Path("/tmp"))
    return time.perf_counter() - started


def _sandbox(source: str) -> float:
    started = time.perf_counter()
    result = run_source(source)
    elapsed = time.perf_counter() - started
    if result.status != "ok":
        raise SystemExit(f"sandbox run failed: {result.status} {result.error} {result.detail}")
    return elapsed


if __name__ == "__main__":
    main()

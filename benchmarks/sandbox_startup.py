"""What a sandbox run of a tiny torch script costs, cold (a new interpreter) and warm (a fork of WarmSandbox's worker).

Measures (median of --repeat runs each, wall clock as the caller sees it):
  python -c pass              interpreter start-up
  python -c "import torch"    start-up + torch import
  sandbox cold                run_source of a tiny torch script
  sandbox warm                WarmSandbox.run_source of the same script (the worker already up)

Usage: python benchmarks/sandbox_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from assistant.sandbox import SandboxResult, WarmSandbox, run_source

TINY_TORCH = "import torch\nprint(torch.ones(2, 2).sum().item())\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    rows = [("python -c pass", _median(repeat, lambda: _python("pass"))),
            ('python -c "import torch"', _median(repeat, lambda: _python("import torch"))),
            ("sandbox cold (tiny torch)", _median(repeat, lambda: _checked(run_source(TINY_TORCH))))]
    with WarmSandbox() as sandbox:
        _checked(sandbox.run_source("pass"))  # the worker's own start is paid once, not per run
        rows.append(("sandbox warm (tiny torch)", _median(repeat, lambda: _checked(sandbox.run_source(TINY_TORCH)))))
    print(f"{'what':28} {'median':>9}")
    for label, seconds in rows:
        print(f"{label:28} {seconds:8.3f}s")
    cold, warm = rows[2][1], rows[3][1]
    print(f"\nwarm saves {cold - warm:.3f} s per run ({cold / warm:.1f}x faster)")


def _python(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True)


def _checked(result: SandboxResult) -> None:
    if result.status != "ok":
        raise SystemExit(f"sandbox run failed: {result.status} {result.detail}\n{result.stderr}")


def _median(repeat: int, action: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        action()
        times.append(time.monotonic() - started)
    return statistics.median(times)


if __name__ == "__main__":
    main()

"""How long `kb doctor` takes against `python -c "import torch"` with the same interpreter (target: at most 2x).

Both are whole new processes, timed by wall clock, alternating so that load on the machine hits
both alike; the median of each is reported, with the split of doctor's time into its sandboxed
probe (which imports torch and its companions there) and everything else (the CLI, the sandbox).

    python benchmarks/doctor_time.py [--python PATH] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

KB = [sys.executable, "-m", "assistant"]
ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter to inspect (default: this one)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    imports, doctors, inside = [], [], []
    for _ in range(args.runs):
        imports.append(timed([args.python, "-c", "import torch"])[0])
        seconds, out = timed([*KB, "doctor", "--json", "--python", args.python])
        doctors.append(seconds)
        inside.append(json.loads(out)["duration_s"])
    base, doctor, probe = (statistics.median(values) for values in (imports, doctors, inside))
    print(f"interpreter: {args.python}, {args.runs} runs each, medians")
    print(f"python -c 'import torch': {base:.2f} s")
    print(f"kb doctor --json:         {doctor:.2f} s  ({doctor / base:.2f}x; target <= 2x)")
    print(f"  of which the report (probe in the sandbox, host facts, checks): {probe:.2f} s;"
          f" CLI start and the rest: {doctor - probe:.2f} s")


if __name__ == "__main__":
    main()

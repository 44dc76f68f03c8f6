"""How long `kb fix --verify` takes, as a user runs it (a new `kb` process per script), without and
with a running `kb serve`, in the same run; and where the time goes.

    python benchmarks/fix_time.py [--every K] [--only N] [--python PATH] [--index DIR] [--timeout-s 300]

Runs `kb fix SCRIPT --verify --json` on every broken script of benchmarks/blind-scripts/ (not the
.fixed.py references; --every K takes every K-th, --only N the first N of those), first with no
server up, then with `kb serve` listening on the index's own socket. The index is --index, else the default index of a temporary
KB_HOME (built from the shipped corpus on first use), so no other `kb` on the machine finds this
server. --python is the interpreter that runs the scripts (default: this one), passed as `kb fix
--python`, as resolving it otherwise depends on the shell's environment.

For each mode it prints p50 and p95 of the wall time per script, the median of the report's own
duration (the fix inside the process that made it), of the code's runs in the sandbox within it,
of the rest of it (the lookup, the recipes, and waiting for a warm worker still importing torch),
and of what the report does not cover (the `kb` process's start, opening the engine, the round
trip to the server), and how many verdicts differ between the modes (they must not). The first script with a server also pays for
the server's warm sandbox starting; it is shown apart. Target: p50 at most 1.5 s with a server.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "benchmarks" / "blind-scripts"


@dataclass(frozen=True)
class Timed:
    script: str
    wall_s: float
    report_s: float  # the report's duration_s: the fix itself, wherever it was made
    runs_s: float  # the code's runs in the sandbox, original and patches
    verdict: str


def broken_scripts(every: int, only: int | None) -> list[Path]:
    scripts = sorted(path for path in SCRIPTS.glob("*.py") if not path.name.endswith(".fixed.py"))[::every]
    return scripts[:only] if only else scripts


def kb_fix(script: Path, environment: dict[str, str], index: Path, python: str, timeout_s: float) -> Timed:
    command = [sys.executable, "-m", "assistant", "fix", str(script), "--verify", "--json", "--index", str(index),
               "--python", python]
    started = time.perf_counter()
    try:
        result = subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)
        report = json.loads(result.stdout)
    except (subprocess.TimeoutExpired, ValueError):
        return Timed(script.name, time.perf_counter() - started, float("nan"), float("nan"), "no report")
    wall = time.perf_counter() - started
    runs = [report["original"]] + [tried["after"] for tried in report["tried"]]
    runs_s = sum(run["duration_s"] for run in runs if run)
    return Timed(script.name, wall, report["duration_s"], runs_s, report["verdict"])


def start_server(environment: dict[str, str], index: Path) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--index", str(index)], env=environment,
                              cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([server.stdout], [], [], 600)
    line = server.stdout.readline() if ready else ""
    if not line.startswith("listening on unix:"):
        server.kill()
        raise SystemExit(f"kb serve did not start: {line!r}")
    return server


def build_index(environment: dict[str, str], index: Path | None) -> None:
    """The first use of the default index builds it (a named --index must exist); done before timing anything."""
    named = ["--index", str(index)] if index is not None else []
    subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", *named, "warm up"],
                   env=environment, cwd=ROOT, capture_output=True, timeout=1200)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(label: str, timed: list[Timed]) -> str:
    walls = [t.wall_s for t in timed]
    reported = [t for t in timed if t.verdict != "no report"] or [Timed("", 0.0, 0.0, 0.0, "")]
    report = statistics.median(t.report_s for t in reported)
    runs = statistics.median(t.runs_s for t in reported)
    rest = statistics.median(t.wall_s - t.report_s for t in reported)
    missing = sum(t.verdict == "no report" for t in timed)
    return (f"{label:18} n={len(timed):3}  p50 {statistics.median(walls):6.2f} s  p95 {percentile(walls, 0.95):6.2f} s"
            f"  | medians: report {report:5.2f} s (runs {runs:5.2f} s, other {report - runs:5.2f} s),"
            f" outside the report {rest:5.2f} s" + (f"  [{missing} without a report]" if missing else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=1, help="time every K-th script only (a sample of the situations)")
    parser.add_argument("--only", type=int, help="time the first N scripts only")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the scripts")
    parser.add_argument("--index", type=Path, help="the index (default: a new one in a temporary KB_HOME)")
    parser.add_argument("--timeout-s", type=float, default=300.0, help="for one kb fix")
    args = parser.parse_args()
    scripts = broken_scripts(args.every, args.only)
    with tempfile.TemporaryDirectory(prefix="kb-fix-time-") as home:
        environment = {**os.environ, "KB_HOME": home, "HF_HUB_OFFLINE": "1"}
        environment.pop("KB_SERVER", None)
        index = (args.index or Path(home) / "index").resolve()
        build_index(environment, args.index)
        print(f"{len(scripts)} scripts; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
        alone = [kb_fix(script, environment, index, args.python, args.timeout_s) for script in scripts]
        server = start_server(environment, index)
        try:
            served = [kb_fix(script, environment, index, args.python, args.timeout_s) for script in scripts]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(summary("no server", alone))
    print(summary("server, first", served[:1]))
    print(summary("server, the rest", served[1:] or served))
    print(summary("server, all", served))
    differ = [(a.script, a.verdict, s.verdict) for a, s in zip(alone, served) if a.verdict != s.verdict]
    print(f"verdicts that differ between the two: {len(differ)}", *(f"  {d}" for d in differ), sep="\n")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end")


if __name__ == "__main__":
    main()

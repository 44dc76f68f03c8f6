"""The first question on a fresh install against loading the model and embedding one query.

    .venv/bin/python benchmarks/first_answer.py [--rounds 3]

Each round runs, as new processes: (a) a bare interpreter that loads the embedding model and
embeds one query, and (b) `kb ask --json QUESTION` with a fresh, empty KB_HOME, so that it builds
the default index from the shipped corpus first. Rounds alternate the two so that load from other
processes falls on both; the medians are compared (the target is (b) ≤ 3× (a)).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "how do I normalise a [batch, time, channels] tensor?"
LOAD_AND_EMBED = (
    "from kb.embedding import SentenceTransformerEmbedder\n"
    f"SentenceTransformerEmbedder().embed([{QUESTION!r}])\n"
)


def timed(command: list[str], environment: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900)
    return time.perf_counter() - started, result


def first_answer(environment: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory(prefix="kb-first-") as home:
        elapsed, result = timed([sys.executable, "-m", "assistant", "ask", "--json", QUESTION],
                                dict(environment, KB_HOME=home))
    if result.returncode not in (0, 1) or not json.loads(result.stdout)["results"]:
        sys.exit(f"kb ask failed (exit {result.returncode}): {result.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    environment = dict(os.environ, HF_HUB_OFFLINE="1")
    baseline, first = [], []
    for _ in range(args.rounds):
        elapsed, result = timed([sys.executable, "-c", LOAD_AND_EMBED], environment)
        if result.returncode != 0:
            sys.exit(f"loading the model failed: {result.stderr.strip()[-500:]}")
        baseline.append(elapsed)
        first.append(first_answer(environment))
        print(f"round: load model + one query {baseline[-1]:.2f} s, first kb ask {first[-1]:.2f} s", flush=True)
    load, ask = statistics.median(baseline), statistics.median(first)
    print(f"load model + embed one query (new process): {load:.2f} s (median of {args.rounds})")
    print(f"first `kb ask` on a fresh KB_HOME:           {ask:.2f} s (median of {args.rounds})")
    print(f"ratio: {ask / load:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()

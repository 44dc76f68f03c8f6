"""`kb lint` against pyflakes on the same 2,000-line file, in one run; and the false findings of
`kb lint` on the correct code of benchmarks/clean-code/.

    .venv/bin/python benchmarks/lint_speed.py [--rounds 7] [--lines 2000]

The file is the clean-code programs (correct PyTorch models and training scripts) joined until it
holds at least `--lines` lines. Each round runs both linters once as new processes, as an editor or
pre-commit does (`python -m assistant lint FILE`, what the `kb` script runs; the same linting
through lint_command.plain_lint alone, without typer; and `python -m pyflakes FILE`), alternating which goes first, so load from other processes on the
machine falls on both; the best round of each is compared. The processes may keep compiled
bytecode (in a scratch PYTHONPYCACHEPREFIX, even where PYTHONDONTWRITEBYTECODE is set), as an
installed kb and pyflakes have it: pip compiles a package when it installs it, while an editable
checkout would otherwise compile its ~120 detector modules from source in every process. The same comparison is made in process
(`check_source` against `pyflakes.api.check`: the analysis alone, without interpreter start-up).
The target is `kb lint` at most 2x the time pyflakes takes on the file.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.codecheck import check_source  # noqa: E402

CLEAN_CODE = ROOT / "benchmarks" / "clean-code"
TARGET_RATIO = 2.0
# What `kb lint PATH` runs once the launcher hands plain lint command lines to plain_lint (as it
# does for plain `kb ask --json`): the same linting without typer's start-up.
PLAIN_LINT = "import sys; from assistant.interface.lint_command import plain_lint; sys.exit(plain_lint(sys.argv[1:]))"


def clean_programs() -> list[Path]:
    return sorted(CLEAN_CODE.glob("*.py"))


def joined_source(lines: int) -> str:
    """Whole clean-code files, in turn (from the start again if needed), up to at least `lines` lines."""
    parts: list[str] = []
    programs = clean_programs()
    while sum(part.count("\n") for part in parts) < lines:
        parts.append(programs[len(parts) % len(programs)].read_text())
    return "\n".join(parts)


def best_of(rounds: int, runs: list[Callable[[], object]]) -> list[float]:
    """The best wall time of each run over the rounds, the order of the runs alternating."""
    best = [float("inf")] * len(runs)
    for round_number in range(rounds):
        order = list(range(len(runs)))[:: 1 if round_number % 2 == 0 else -1]
        for index in order:
            started = time.perf_counter()
            runs[index]()
            best[index] = min(best[index], time.perf_counter() - started)
    return best


def command(env: dict[str, str], *args: str) -> Callable[[], object]:
    return lambda: subprocess.run([sys.executable, *args], capture_output=True, cwd=ROOT, check=False, env=env)


def with_bytecode(scratch: str) -> dict[str, str]:
    """The environment with compiled bytecode kept, outside the checkout, as an installed package has it."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(Path(scratch) / "pycache")}


def pyflakes_in_process(source: str) -> Callable[[], object]:
    from pyflakes.api import check
    from pyflakes.reporter import Reporter

    quiet = Reporter(io.StringIO(), io.StringIO())
    return lambda: check(source, "joined.py", quiet)


def false_findings() -> tuple[int, int, list[str]]:
    """(findings, lines, the findings as lines) of every shipped detector on the clean code."""
    found, lines = [], 0
    for path in clean_programs():
        source = path.read_text()
        lines += len(source.splitlines())
        found += [f"{path.name}:{f.line}:{f.col}: KB-{f.entry_id} {f.message}" for f in check_source(source)]
    return len(found), lines, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--lines", type=int, default=2000)
    options = parser.parse_args()
    source = joined_source(options.lines)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "joined.py"
        path.write_text(source)
        env = with_bytecode(scratch)
        kb, plain, flakes = best_of(options.rounds, [command(env, "-m", "assistant", "lint", str(path)),
                                                    command(env, "-c", PLAIN_LINT, "lint", str(path)),
                                                    command(env, "-m", "pyflakes", str(path))])
        kb_alone, flakes_alone = best_of(options.rounds, [lambda: check_source(source), pyflakes_in_process(source)])
    count, lines, shown = false_findings()
    print(f"file: {source.count(chr(10)) + 1} lines joined from {len(clean_programs())} clean-code programs")
    print(f"new process:  kb lint {kb * 1000:7.1f} ms   pyflakes {flakes * 1000:7.1f} ms   ratio {kb / flakes:.2f}x "
          f"(target <= {TARGET_RATIO:g}x)")
    print(f"  without typer (plain_lint): {plain * 1000:7.1f} ms   ratio {plain / flakes:.2f}x")
    print(f"in process:   kb lint {kb_alone * 1000:7.1f} ms   pyflakes {flakes_alone * 1000:7.1f} ms   "
          f"ratio {kb_alone / flakes_alone:.2f}x")
    print(f"clean code: {count} findings on {lines} lines = {count / lines * 1000:.2f} per 1,000 lines (target <= 1)")
    for line in shown:
        print("  " + line)


if __name__ == "__main__":
    main()

"""How often `kb fix` patches and proves a fix, and whether any "verified" claim is false.

Runs fix_source(verify=True) on every script of a set, prints one line per script and the
totals, then re-checks every verified claim without our sandbox: the original and
the patched code are run with this plain interpreter (a subprocess with a timeout) and the
claim is false unless the original fails with the same error type (or, for a warning, emits it,
whether or not it then fails) and the patched code exits 0 (without that warning). The false-claim count must be 0.

Sets: `fixtures` (tests/fixtures/broken/, which the recipes were written against), `blind`
(benchmarks/blind-scripts/: broken scripts written from the situations alone by someone who had
not read the recipes; their .fixed.py files are references, not inputs) and `blind2`
(benchmarks/blind-scripts-2/, written the same way for the entries `blind` does not cover, and
never looked at while recipes were written). `dev` (benchmarks/dev-scripts/) is written the same
blind way for the entries the blind sets still fail on, but recipes ARE tuned against it: its
figure says how far the tuning got, the blind sets' figures say how far it generalises. For these
sets the right entry is known, so the totals also say how often kb fix found it.

Usage: python benchmarks/fix_eval.py [--set fixtures|blind|blind2|dev] [--iterate] [--only NAME ...]
Needs the real embedding model; KB_HOME selects the index (built on first use).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.repair import harness
from assistant.answering.engine import Engine
from assistant.repair.fix import FixReport, fix_source

ROOT = Path(__file__).resolve().parent.parent
SETS = {"fixtures": ROOT / "tests" / "fixtures" / "broken", "blind": ROOT / "benchmarks" / "blind-scripts",
        "blind2": ROOT / "benchmarks" / "blind-scripts-2", "dev": ROOT / "benchmarks" / "dev-scripts"}
PYTHON = sys.executable  # the interpreter (and torch) kb itself runs with
TIMEOUT_S = 120


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterate", action="store_true", help="let kb fix iterate on new errors")
    parser.add_argument("--only", nargs="*", help="script file names to run")
    parser.add_argument("--set", choices=sorted(SETS), default="fixtures", help="which scripts")
    options = parser.parse_args()
    folder = SETS[options.set]
    expected = {name: facts for part in sorted(folder.glob("expected*.json"))  # a set's writers keep a file each
                for name, facts in json.loads(part.read_text()).items()}
    scripts = sorted(p for p in folder.glob("*.py")
                     if not p.name.endswith(".fixed.py") and (not options.only or p.name in options.only))
    engine = Engine.open()
    reports = []
    for path in scripts:
        started = time.monotonic()
        report = fix_source(path.read_text(), engine=engine, verify=True, iterate=options.iterate, filename=path.name)
        reports.append((path, report))
        print(_line(path.name, report, expected.get(path.name, {}), options.iterate, time.monotonic() - started),
              flush=True)
    false_claims = [path.name for path, report in reports if report.verified and not _claim_holds(path.name, report)]
    patched = sum(report.patched is not None for _, report in reports)
    verified = sum(report.verified for _, report in reports)
    right_entry = sum(report.entry is not None and report.entry.id == expected.get(path.name, {}).get("entry")
                      for path, report in reports)
    found = f"{right_entry} with the expected entry, " if options.set != "fixtures" else ""
    print(f"\n{len(reports)} scripts: {found}{patched} patched, {verified} verified, "
          f"{len(false_claims)} false verified claims{': ' + ', '.join(false_claims) if false_claims else ''}")
    return 1 if false_claims else 0


def _line(name: str, report: FixReport, expected: dict, iterate: bool, seconds: float) -> str:
    """One script's outcome, and whether it is the one its set's expected.json describes."""
    error = f"{report.error.type}" if report.error else "-"
    tried = ",".join(f"{a.recipe}{'+' if a.verified else '-'}" for a in report.attempts) or "-"
    if "entry" in expected:  # the blind set says which entry explains the script, not what should verify
        agrees = " right-entry" if report.entry is not None and report.entry.id == expected["entry"] else " wrong-entry"
    else:
        fixable = expected.get("recipes") is not None and (iterate or not expected.get("iterate"))
        agrees = "" if not expected else (" ok" if fixable == report.verified else " UNEXPECTED")
    return (f"{name:38} {error:14} entry={report.entry.id if report.entry else '-':28} "
            f"verified={str(report.verified):5} tried={tried} {seconds:5.1f}s{agrees}"
            + (f"  [{report.note}]" if report.note else ""))


def _claim_holds(name: str, report: FixReport) -> bool:
    """Re-run original and patched with plain Python, outside the sandbox."""
    original, patched = report.source, report.patched or ""
    if report.harness:
        original, patched = harness.drive(original), harness.drive(patched)
    before, after = _run(name, original), _run(name, patched)
    problem = report.error
    if problem is None or before is None or after is None:
        return False
    if problem.warning:  # printed by the original (which may fail because of it), gone after the patch
        return problem.message in before.stderr and after.returncode == 0 and problem.message not in after.stderr
    if problem.type == "SystemExit":  # printed as no traceback: the failure is the status and its printed reason
        return before.returncode != 0 and problem.message in before.stderr and after.returncode == 0
    return before.returncode != 0 and f"{problem.type}:" in before.stderr and after.returncode == 0


def _run(name: str, source: str) -> subprocess.CompletedProcess[str] | None:
    with tempfile.TemporaryDirectory() as directory:
        script = Path(directory) / name
        script.write_text(source)
        try:
            return subprocess.run([PYTHON, "-W", "always", script.name], cwd=directory, capture_output=True, text=True,
                                  timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None


if __name__ == "__main__":
    sys.exit(main())

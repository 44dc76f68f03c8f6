"""How `kb ask` does on pasted code with no error text, measured on material it was not tuned to.

    python benchmarks/code_eval.py [--baseline] [--only devset,clean,scripts|dev] [--limit N] [--misses]

Three held-out sets, each answered exactly as `kb ask` answers code (detectors, then the abstract run in a
warm sandbox, then the code's text; no real run):

- benchmarks/devset-code.jsonl, the blind pasted-code queries (devset-code.md): recall@1 and
  confident-wrong answers by kind of snippet (`shape`), and which evidence answered;
- benchmarks/clean-code/*.py, correct programs pasted whole: the share answered confidently (each
  one is a false alarm);
- benchmarks/blind-scripts/*.py and blind-scripts-2/*.py (not the .fixed.py), broken scripts pasted
  whole as code without running them (expected*.json name the entry): recall@1 and confident wrong.

`--only dev` measures benchmarks/devset-code-dev-*.jsonl instead: written the same blind way, but
detectors ARE tuned against it, so its figure says how far the tuning got and devset-code's how far it
generalises.

`--baseline` answers with retrieval over the code's text and the error-text confidence, which is
what `kb ask` did on code before the code path (the "before" figures). benchmarks/calibrate.py
measures retrieval and the error-text thresholds; this measures the code path end to end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answering.code_query import CodeEvidence, gather_evidence  # noqa: E402
from assistant.answering.engine import Engine  # noqa: E402
from assistant.answering.query import parse_query  # noqa: E402
from assistant.sandbox import WarmSandbox  # noqa: E402

BENCHMARKS = ROOT / "benchmarks"


@dataclass(frozen=True)
class Case:
    group: str  # the shape of snippet, "clean" or "script"
    name: str
    text: str
    expect: str | None  # the entry that explains it; None for correct code


@dataclass(frozen=True)
class Outcome:
    case: Case
    top: str | None
    match: str
    evidence: str
    seconds: float

    @property
    def right(self) -> bool:
        return self.case.expect is not None and self.top == self.case.expect

    @property
    def confident_wrong(self) -> bool:
        return self.match == "confident" and not self.right


def jsonl_cases(*paths: Path) -> list[Case]:
    """Pasted-code queries, one JSON object per line; a case is named by its file and line."""
    return [Case(item.get("shape", "?"), f"{path.stem}:{number}", item["q"], item["expect"])
            for path in paths
            for number, item in enumerate((json.loads(line) for line in path.read_text().splitlines() if line.strip()), 1)]


def devset_cases() -> list[Case]:
    return jsonl_cases(BENCHMARKS / "devset-code.jsonl")


def dev_cases() -> list[Case]:
    """The code dev set detectors are tuned against; its writers, like devset-code's, saw only the situations."""
    return jsonl_cases(*sorted(BENCHMARKS.glob("devset-code-dev-*.jsonl")))


def clean_cases() -> list[Case]:
    return [Case("clean", path.name, path.read_text(), None) for path in sorted((BENCHMARKS / "clean-code").glob("*.py"))]


def script_cases() -> list[Case]:
    """Both blind script sets; a set's writers keep an expected*.json each."""
    cases = []
    for folder in (BENCHMARKS / "blind-scripts", BENCHMARKS / "blind-scripts-2"):
        for part in sorted(folder.glob("expected*.json")):
            cases += [Case("script", name, (folder / name).read_text(), item["entry"])
                      for name, item in sorted(json.loads(part.read_text()).items())]
    return cases


def answer(engine: Engine, box: WarmSandbox | None, case: Case) -> Outcome:
    started = time.perf_counter()
    if box is None:  # the baseline: text retrieval and the error-text confidence
        result, evidence = engine._answer(parse_query(case.text), 3).to_json(), "text"  # noqa: SLF001
    else:
        gathered: CodeEvidence = gather_evidence(case.text, box.run_source)
        result, evidence = engine.ask(case.text, 3, evidence=gathered).to_json(), gathered.how
    top = result["results"][0]["id"] if result["results"] else None
    return Outcome(case, top, result["match"], evidence, time.perf_counter() - started)


def report(title: str, outcomes: list[Outcome]) -> None:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.case.group].append(outcome)
        groups["all"].append(outcome)
    print(f"\n{title}")
    print(f"{'group':14s} {'n':>4s} {'pos':>4s} {'recall@1':>9s} {'conf right':>11s} {'conf wrong':>11s} {'neg conf':>9s}")
    for group, items in sorted(groups.items(), key=lambda item: (item[0] == "all", item[0])):
        positives = [o for o in items if o.case.expect]
        recall = sum(o.right for o in positives) / len(positives) if positives else float("nan")
        right = sum(o.match == "confident" and o.right for o in items)
        wrong = sum(o.confident_wrong for o in items)
        negatives = sum(o.match == "confident" for o in items if o.case.expect is None)
        print(f"{group:14s} {len(items):4d} {len(positives):4d} {recall:9.3f} {right:11d} {wrong:11d} {negatives:9d}")
    by_evidence = Counter((o.evidence, "right" if o.right else "wrong") for o in outcomes if o.case.expect)
    print("positives by evidence:", dict(sorted(by_evidence.items())))
    seconds = sorted(o.seconds for o in outcomes)
    print(f"seconds per answer: median {seconds[len(seconds) // 2]:.2f}, max {seconds[-1]:.2f}")


def report_misses(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if (o.case.expect and not o.right) or o.confident_wrong:
            print(f"  [{o.case.group}] {o.case.name}: expected {o.case.expect}, got {o.top} ({o.match}, {o.evidence})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", action="store_true", help="Text retrieval only, as kb ask did before.")
    parser.add_argument("--only", default="devset,clean,scripts", help="Comma-separated sets to measure.")
    parser.add_argument("--limit", type=int, default=0, help="At most N cases of each set (0: all).")
    parser.add_argument("--misses", action="store_true", help="List the positives answered wrong.")
    args = parser.parse_args()
    sets = {"devset": ("blind code set (devset-code.jsonl), by kind of snippet", devset_cases),
            "dev": ("code dev set, tuned on (devset-code-dev-*.jsonl), by kind of snippet", dev_cases),
            "clean": ("correct files pasted whole (clean-code/): 'neg conf' are false alarms", clean_cases),
            "scripts": ("broken scripts pasted whole as code (blind-scripts/, blind-scripts-2/)", script_cases)}
    unknown = set(args.only.split(",")) - sets.keys()
    if unknown:
        parser.error(f"unknown set(s) {', '.join(sorted(unknown))}; choose from {', '.join(sets)}")
    engine = Engine.open()  # the default index: the shipped corpus, brought up to date on opening
    box = None if args.baseline else WarmSandbox()
    try:
        for name in args.only.split(","):
            title, cases = sets[name]
            chosen = cases()[: args.limit] if args.limit else cases()
            outcomes = []
            for number, case in enumerate(chosen, 1):
                outcomes.append(answer(engine, box, case))
                print(f"\r{name}: {number}/{len(chosen)}", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            report(f"{title}{' [baseline]' if args.baseline else ''}", outcomes)
            if args.misses:
                report_misses(outcomes)
            sys.stdout.flush()
    finally:
        if box is not None:
            box.close()


if __name__ == "__main__":
    main()

"""Retrieval quality on the dev query set, and the confidence thresholds that it supports.

    python benchmarks/calibrate.py [--devset benchmarks/devset.jsonl] [--by-family]

Prints recall@1 / recall@3 / MRR per query kind (with --by-family, recall@1 of error text and of
questions for each family of the situation lists in ../shared, against the issue's targets), then searches the thresholds of
assistant.answering.confidence for the setting that answers the most queries confidently and correctly
while keeping confident answers at least --precision correct (a confident answer to a query the
corpus cannot answer counts as wrong). Precision is also reported with 2-fold cross-validation,
so the figure is not only measured on the queries it was tuned on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.corpus_vectors import ShippedVectors  # noqa: E402
from kb.embedding import SentenceTransformerEmbedder  # noqa: E402
from kb.ingest import ingest, shipped_corpus_files  # noqa: E402
from kb.store import Store  # noqa: E402

from assistant.answering.confidence import CALIBRATED, Thresholds, decide  # noqa: E402
from assistant.repair.probe import error_of_code  # noqa: E402
from assistant.answering.query import parse_query, query_of_error  # noqa: E402
from assistant.answering.retrieval import RRF_K, WEIGHTS, DocumentHit, Retriever, Signals, fuse  # noqa: E402


@dataclass
class Outcome:
    expect: str | None
    kind: str
    signals: Signals
    ranked: list[str]
    hits: list[DocumentHit]


IDS: dict[str, str] = {}


def refuse(outcome: Outcome, weights: dict[str, float], rrf_k: int) -> Outcome:
    hits = fuse(outcome.signals, weights, rrf_k)[:5]
    return Outcome(outcome.expect, outcome.kind, outcome.signals, [IDS[h.source] for h in hits], hits)


def evaluate(devset: Path, run_code: bool = False) -> list[Outcome]:
    embedder = SentenceTransformerEmbedder()
    store = Store.create(Path(tempfile.mkdtemp()) / "index", model=embedder.name, dim=embedder.dim)
    ingest(store, shipped_corpus_files(), embedder, shipped=ShippedVectors.load())  # as a fresh install builds it
    retriever = Retriever(store, lambda text: embedder.embed([text])[0])
    IDS.update({source: store.document(source).doc_id for source in store.sources()})
    outcomes = []
    for line in devset.read_text().splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        raised = error_of_code(item["q"]) if run_code else None
        _, signals = retriever.gather(query_of_error(raised) if raised else parse_query(item["q"]))
        outcomes.append(refuse(Outcome(item["expect"], item.get("kind", "?"), signals, [], []), WEIGHTS, RRF_K))
    return outcomes


def recall_at_1(outcomes: list[Outcome]) -> float:
    positives = [o for o in outcomes if o.expect]
    return sum(o.ranked[:1] == [o.expect] for o in positives) / len(positives)


def tune_fusion(outcomes: list[Outcome]) -> tuple[dict[str, float], int]:
    best, best_recall = (WEIGHTS, RRF_K), recall_at_1(outcomes)
    grid = itertools.product([1.0, 2.0, 3.0], [0.5, 1.0, 1.5], [0.5, 1.0, 1.5, 2.0], [5, 10, 30, 60])
    for signature, lexical, dense, rrf_k in grid:
        weights = {"signature": signature, "lexical": lexical, "dense": dense}
        recall = recall_at_1([refuse(o, weights, rrf_k) for o in outcomes])
        if recall > best_recall + 1e-9:
            best, best_recall = (weights, rrf_k), recall
    return best


def report_recall(outcomes: list[Outcome]) -> None:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.expect:
            groups[outcome.kind].append(outcome)
            groups["all"].append(outcome)
    print(f"{'kind':10s} {'n':>4s} {'recall@1':>9s} {'recall@3':>9s} {'MRR':>6s}")
    for kind, group in sorted(groups.items(), key=lambda item: item[0] == "all"):
        r1 = sum(o.ranked[:1] == [o.expect] for o in group) / len(group)
        r3 = sum(o.expect in o.ranked[:3] for o in group) / len(group)
        mrr = sum(1 / (o.ranked.index(o.expect) + 1) for o in group if o.expect in o.ranked) / len(group)
        print(f"{kind:10s} {len(group):4d} {r1:9.3f} {r3:9.3f} {mrr:6.3f}")


def families() -> dict[str, str]:
    """Entry id -> family, from the situation lists beside the repository (required entries have none)."""
    import yaml

    shared = ROOT.parent / "shared"
    found = {row["id"]: "required" for row in yaml.safe_load((shared / "required-entries.yaml").read_text())}
    found.update({row["id"]: row["family"] for row in yaml.safe_load((shared / "more-entries.yaml").read_text())})
    return found


def report_by_family(outcomes: list[Outcome], targets: dict[str, float]) -> None:
    """recall@1 per family, error and traceback queries together; '<' marks a family under its target."""
    family_of = families()
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.expect and outcome.kind in ("error", "traceback", "question"):
            text = "error" if outcome.kind in ("error", "traceback") else "question"
            groups[(text, family_of.get(outcome.expect, "?"))].append(outcome)
    print(f"\n{'text':9s} {'family':18s} {'n':>4s} {'recall@1':>9s}")
    for (text, family), group in sorted(groups.items()):
        r1 = sum(o.ranked[:1] == [o.expect] for o in group) / len(group)
        print(f"{text:9s} {family:18s} {len(group):4d} {r1:9.3f}{' <' if r1 < targets[text] else ''}")


def report_misses(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.expect and outcome.ranked[:1] != [outcome.expect]:
            top = outcome.hits[0] if outcome.hits else None
            signals = f"{top.ranks} sig={top.signature.coverage:.2f}" if top and top.signature else (top.ranks if top else "")
            print(f"[{outcome.kind}] expected {outcome.expect}, got {outcome.ranked[:3]} {signals}")
    print()


def confusion(outcomes: list[Outcome], thresholds: Thresholds) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for outcome in outcomes:
        match = decide(outcome.hits, thresholds)
        right = bool(outcome.ranked) and outcome.ranked[0] == outcome.expect
        if outcome.expect is None:
            counts[f"negative/{match}"] += 1
        else:
            counts[f"positive/{match}/{'right' if right else 'wrong'}"] += 1
    return dict(counts)


def score(outcomes: list[Outcome], thresholds: Thresholds) -> tuple[int, int]:
    """(confident and right, confident and wrong)."""
    right = wrong = 0
    for outcome in outcomes:
        if decide(outcome.hits, thresholds) == "confident":
            if outcome.expect is not None and outcome.ranked[0] == outcome.expect:
                right += 1
            else:
                wrong += 1
    return right, wrong


def honest_none(outcomes: list[Outcome], thresholds: Thresholds) -> int:
    """Negatives answered "none" minus positives whose right answer was hidden behind "none"."""
    total = 0
    for outcome in outcomes:
        if decide(outcome.hits, thresholds) == "none":
            total += 1 if outcome.expect is None else -(outcome.ranked[:1] == [outcome.expect])
    return total


def calibrate(outcomes: list[Outcome], precision: float) -> Thresholds:
    """Most confident-and-right answers at the required precision; ties go to the setting that
    says "none" to more queries the corpus cannot answer."""
    best, best_key = CALIBRATED, (-1, 0)
    grid = itertools.product([0.3, 0.4, 0.5, 0.6, 0.7], [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8], [0.3, 0.35, 0.4, 0.45, 0.5])
    for signature, dense_confident, dense_weak in grid:
        if dense_weak >= dense_confident:
            continue
        thresholds = Thresholds(signature, dense_confident, dense_weak)
        right, wrong = score(outcomes, thresholds)
        key = (right, honest_none(outcomes, thresholds))
        if right + wrong and right / (right + wrong) >= precision and key > best_key:
            best, best_key = thresholds, key
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devset", type=Path, default=ROOT / "benchmarks" / "devset.jsonl")
    parser.add_argument("--precision", type=float, default=0.95)
    parser.add_argument("--misses", action="store_true", help="List the positives ranked wrong at 1.")
    parser.add_argument("--run-code", action="store_true", help="Run code queries in the sandbox, as kb ask --run.")
    parser.add_argument("--tune-fusion", action="store_true", help="Grid-search the fusion weights too.")
    parser.add_argument("--by-family", action="store_true", help="recall@1 per family of ../shared's situation lists.")
    args = parser.parse_args()
    outcomes = evaluate(args.devset, run_code=args.run_code)
    if args.misses:
        report_misses(outcomes)
    print(f"{len(outcomes)} queries, {sum(o.expect is None for o in outcomes)} negatives\n")
    report_recall(outcomes)
    if args.by_family:
        report_by_family(outcomes, {"error": 0.95, "question": 0.85})
    if args.tune_fusion:
        weights, rrf_k = tune_fusion(outcomes)
        print(f"\nbest fusion: weights {weights}, rrf_k {rrf_k}: recall@1 {recall_at_1([refuse(o, weights, rrf_k) for o in outcomes]):.3f}")
        folds = [outcomes[0::2], outcomes[1::2]]
        held = []
        for i in range(2):
            fold_weights, fold_k = tune_fusion(folds[i])
            held += [refuse(o, fold_weights, fold_k) for o in folds[1 - i]]
        print(f"2-fold held-out recall@1 with tuned fusion: {recall_at_1(held):.3f} (current: {recall_at_1(outcomes):.3f})")
    print(f"\ncurrent thresholds {CALIBRATED}:\n  {confusion(outcomes, CALIBRATED)}")
    tuned = calibrate(outcomes, args.precision)
    right, wrong = score(outcomes, tuned)
    print(f"\ncalibrated {tuned}: confident right {right}, confident wrong {wrong}\n  {confusion(outcomes, tuned)}")
    folds = [outcomes[0::2], outcomes[1::2]]
    held = [score(folds[1 - i], calibrate(folds[i], args.precision)) for i in range(2)]
    right, wrong = sum(r for r, _ in held), sum(w for _, w in held)
    print(f"2-fold held-out: confident right {right}, wrong {wrong}, precision {right / max(right + wrong, 1):.3f}")


if __name__ == "__main__":
    main()

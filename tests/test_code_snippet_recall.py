"""Recall of `kb ask` on our own pasted snippets with no error text (tests/fixtures/code-snippets/).

Each snippet was written from an entry's situation (corpus/<id>.md), in the shapes users paste:
fragments without imports, method bodies, module classes with no driver, training loops over a
`loader` that is not defined, notebook cells with shape comments. They are answered as `kb ask`
answers code (detectors, then the abstract run in a warm sandbox), over the whole corpus with the
hashed-words embedder, so what finds the entry is the code's own evidence, not text similarity.
The floor keeps what the abstract run learned to run; a confident wrong answer is never allowed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kb.ingest import discover, ingest
from kb.store import Store

from assistant.answering.code_query import gather_evidence
from assistant.answering.engine import Engine
from assistant.sandbox import WarmSandbox
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "tests" / "fixtures" / "code-snippets"
RECALL_FLOOR = 0.85


@dataclass(frozen=True)
class Outcome:
    name: str
    kind: str
    expect: str | None  # None: correct code, which must get no confident answer
    top: str | None
    match: str
    evidence: str

    @property
    def right(self) -> bool:
        return self.top == self.expect and self.match == "confident"


def build_engine(directory: Path) -> Engine:
    """The whole shipped corpus, embedded with hashed words: fast, and no help to a wrong answer."""
    embedder = FakeEmbedder()
    store = Store.create(directory, model=embedder.name, dim=embedder.dim)
    ingest(store, discover([ROOT / "corpus"])[0], embedder)
    return Engine(store, embedder)


def answer_snippets(engine: Engine, run) -> list[Outcome]:  # noqa: ANN001 - a run_source-like callable
    index = json.loads((SNIPPETS / "index.json").read_text())
    outcomes = []
    for name, case in sorted(index.items()):
        text = (SNIPPETS / name).read_text()
        evidence = gather_evidence(text, run)
        answer = engine.ask(text, 3, evidence=evidence).to_json()
        top = answer["results"][0]["id"] if answer["results"] else None
        outcomes.append(Outcome(name, case["kind"], case["entry"], top, answer["match"], evidence.how))
    return outcomes


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Outcome]]:
    engine = build_engine(tmp_path_factory.mktemp("snippets") / "index")
    with WarmSandbox() as box:
        yield answer_snippets(engine, box.run_source)


def test_every_snippet_is_listed_with_a_real_entry():
    index = json.loads((SNIPPETS / "index.json").read_text())
    assert set(index) == {path.name for path in SNIPPETS.glob("*.py")}
    assert all((ROOT / "corpus" / f"{case['entry']}.md").exists() for case in index.values() if case["entry"])


def recall(outcomes: list[Outcome]) -> float:
    positives = [o for o in outcomes if o.expect]
    return sum(o.right for o in positives) / len(positives)


def test_pasted_snippets_find_their_entry_confidently(outcomes: list[Outcome]):
    misses = "\n".join(f"{o.name}: expected {o.expect}, got {o.top} ({o.match}, {o.evidence})"
                       for o in outcomes if o.expect and not o.right)
    assert recall(outcomes) >= RECALL_FLOOR, f"recall {recall(outcomes):.2f}\n{misses}"


def test_no_snippet_gets_a_confident_wrong_answer(outcomes: list[Outcome]):
    wrong = [o for o in outcomes if o.match == "confident" and o.top != o.expect]
    assert not wrong, wrong


if __name__ == "__main__":  # python -m tests.test_code_snippet_recall [TMPDIR]: the figures by kind
    import tempfile

    with tempfile.TemporaryDirectory() as folder, WarmSandbox() as box:
        found = answer_snippets(build_engine(Path(folder) / "index"), box.run_source)
    for kind in sorted({o.kind for o in found if o.expect}) + ["all"]:
        chosen = [o for o in found if kind in ("all", o.kind)]
        print(f"{kind:9s} {len(chosen):3d} recall {recall(chosen):.2f}")
    print("confident on correct code:", sum(o.match == "confident" for o in found if not o.expect))
    for o in found:
        print(("ok  " if o.right else "MISS"), o.name, o.expect, "->", o.top, o.match, o.evidence, file=sys.stderr)

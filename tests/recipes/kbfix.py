"""What recipe tests need to see a recipe as `kb fix` does. Recipe tests run realistic broken code in the real sandbox: once to get the error and the
traceback lines the recipe aims at, once more to prove the patched code no longer raises.

Recipes get what `kb fix` gives them: the facts of the error with the values of the shipped
entry whose pattern explains it, and only when that entry names them.
"""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType

from kb.documents import read_document
from kb.ingest import shipped_corpus_dir

from assistant.answering.error_model import ErrorReport, from_raised
from assistant.repair.fix import facts_from
from assistant.repair.recipes import Facts, Problem, candidates
from assistant.sandbox import SandboxResult, run_source

ENTRIES = [read_document(path) for path in sorted(shipped_corpus_dir().glob("*.md"))]


def explained(message: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """The values and recipes of the shipped entry whose pattern explains the message best."""
    best, coverage = ({}, ()), 0.0
    for entry in ENTRIES:
        for pattern in entry.patterns:
            if (found := pattern.match(message)) and found.coverage > coverage:
                best, coverage = (found.facts, tuple(entry.meta.get("recipes") or ())), found.coverage
    return best


def _problem(source: str, facts: Facts) -> tuple[Problem, tuple[str, ...]]:
    values, named = explained(facts.message)
    return Problem(source, facts if facts.values else replace(facts, values=values)), named


def applies(recipe: ModuleType, source: str, facts: Facts) -> bool:
    """Whether kb fix would try this recipe on this code and error."""
    problem, named = _problem(source, facts)
    return any(candidate.recipe.name == recipe.name for candidate in candidates(problem, named))


def patch(recipe: ModuleType, source: str, facts: Facts) -> str | None:
    """The recipe's patch for this code and error, as kb fix would make it (None if it does not apply)."""
    problem, named = _problem(source, facts)
    chosen = [c for c in candidates(problem, named) if c.recipe.name == recipe.name]
    return chosen[0].recipe.patch(problem, chosen[0].found) if chosen else None


class Sandbox:
    def run(self, source: str) -> SandboxResult:
        return run_source(source, filename="train.py")

    def facts(self, source: str, error_type: str) -> Facts:
        """The facts a recipe gets for this code's error (which must be of `error_type`)."""
        result = self.run(source)
        assert result.error is not None, f"expected {error_type}, the code ran: {result.status}"
        assert result.error.type == error_type, result.error.traceback
        return facts_from(from_raised(result.error), source, "train.py")

    def warning_facts(self, source: str, category: str) -> Facts:
        result = self.run(source)
        assert result.status == "ok", result.stderr
        message = next(m for c, m in result.warnings if c == category)
        return facts_from(ErrorReport(category, message, warning=True), source, "train.py")

    def assert_clean(self, source: str, without_warning: str | None = None) -> None:
        result = self.run(source)
        assert result.status == "ok", result.error.traceback if result.error else result.detail
        if without_warning:
            assert not any(without_warning in message for _, message in result.warnings)

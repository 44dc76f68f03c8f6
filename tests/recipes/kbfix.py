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
from assistant.repair.fix import facts_from, warning_reports
from assistant.repair.recipes import Candidate, Facts, Problem, candidates
from assistant.sandbox import SandboxResult, run_source

ENTRIES = [read_document(path) for path in sorted(shipped_corpus_dir().glob("*.md"))]


def explained(message: str) -> list[tuple[tuple[str, ...], dict[str, str]]]:
    """(recipes, values) of every shipped entry whose pattern explains the message, best first."""
    found = []
    for entry in ENTRIES:
        matches = [match for pattern in entry.patterns if (match := pattern.match(message))]
        if matches:
            best = max(matches, key=lambda match: match.coverage)
            found.append((best.coverage, tuple(entry.meta.get("recipes") or ()), best.facts))
    return [(named, values) for _, named, values in sorted(found, key=lambda item: -item[0])]


def _chosen(recipe: ModuleType, source: str, facts: Facts) -> tuple[Problem, Candidate] | None:
    """What kb fix would try of this recipe for this code and error, with the values of the first
    entry that names it (given values stand for the entry's)."""
    for named, values in explained(facts.message):
        problem = Problem(source, facts if facts.values else replace(facts, values=values))
        for candidate in candidates(problem, named):
            if candidate.recipe.name == recipe.name:
                return problem, candidate
    return None


def applies(recipe: ModuleType, source: str, facts: Facts) -> bool:
    return _chosen(recipe, source, facts) is not None


def patch(recipe: ModuleType, source: str, facts: Facts) -> str | None:
    """The recipe's patch for this code and error, as kb fix would make it (None if it does not apply)."""
    if (chosen := _chosen(recipe, source, facts)) is None:
        return None
    problem, candidate = chosen
    return candidate.recipe.patch(problem, candidate.found)


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
        warning = next(w for w in warning_reports(result.warnings, "train.py") if w.type == category)
        return facts_from(warning, source, "train.py")

    def assert_clean(self, source: str, without_warning: str | None = None) -> None:
        result = self.run(source)
        assert result.status == "ok", result.error.traceback if result.error else result.detail
        if without_warning:
            assert not any(without_warning in w.message for w in result.warnings)


def facts_on_line(source: str, text: str, error_type: str, message: str) -> Facts:
    """The facts of an error raised on the first line of `source` that holds `text`, for tests
    that ask whether a recipe applies to code that must not run (look-alikes, refusals)."""
    line = next(number for number, code in enumerate(source.splitlines(), 1) if text in code)
    return Facts(error_type, message, line=line, lines=(line,))

"""Recipe tests run realistic broken code in the real sandbox: once to get the error and the
traceback lines the recipe aims at, once more to prove the patched code no longer raises."""

from __future__ import annotations

import pytest

from assistant.answering.error_model import ErrorReport, from_raised
from assistant.repair.fix import facts_from
from assistant.repair.recipes import Facts
from assistant.sandbox import SandboxResult, run_source


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


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    return Sandbox()

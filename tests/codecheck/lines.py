"""What the detector tests share: run one detector on a snippet, as the corpus would declare it."""

from __future__ import annotations

import textwrap

from assistant.codecheck import Finding, check_source


def findings(detector: str, source: str) -> list[Finding]:
    return check_source(textwrap.dedent(source), entries={"entry": [detector]})


def lines(detector: str, source: str) -> list[int]:
    """The lines where the detector fires on the snippet."""
    return [finding.line for finding in findings(detector, source)]

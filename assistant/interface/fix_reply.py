"""A `kb fix` report that `kb serve` made, as the CLI prints, writes and exits with it.

The server replies to a fix request with the `kb fix --json` object. Human output reads a little
more than that object holds: the errors' line numbers (a patched run raising the same message on
another line is progress, not "the same error") and why a run was stopped. The server adds those
under "render" (`render_fields`) when asked, and `FixReply` offers assistant.interface.render the
attributes of an assistant.repair.fix.FixReport, so that a fix run by the server is shown exactly
as one run in process, without loading the fix machinery here (libcst and the recipes take over a
second to import, longer than the server takes to run the fix).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.answering.error_model import ErrorReport, from_wire


@dataclass(frozen=True)
class RunView:
    """One run of the code: what render shows of an assistant.repair.fix.RunOutcome."""

    status: str
    error: ErrorReport | None
    duration_s: float
    detail: str
    runs: int = 1
    crash: str = ""


@dataclass(frozen=True)
class EntryView:
    id: str
    title: str


@dataclass(frozen=True)
class TriedView:
    recipe: str
    verified: bool


@dataclass(frozen=True)
class FixReply:
    """A server's fix report: its JSON object as it came, and the FixReport attributes render reads."""

    json: dict[str, Any]
    verdict: str
    patched: str | None
    patch: str
    recipe: str | None
    reproduced: bool
    harness: bool
    note: str
    duration_s: float
    interpreter: dict[str, str | None]
    error: ErrorReport | None
    entry: EntryView | None
    original: RunView | None
    after: RunView | None
    next_entry: EntryView | None
    attempts: tuple[TriedView, ...]

    @classmethod
    def from_reply(cls, reply: dict[str, Any]) -> FixReply:
        """Raises ValueError (or KeyError, TypeError) for a reply of another shape."""
        report = {key: value for key, value in reply.items() if key != "render"}
        fields = reply.get("render") or {}
        plain = {name: report[name] for name in ("verdict", "patched", "patch", "recipe", "reproduced", "harness",
                                                 "note", "duration_s", "interpreter")}
        entry, following = report["entry"], report["next"]
        return cls(report, **plain, error=_error(fields.get("error"), report["error"]),
                   entry=EntryView(entry, report["entry_title"]) if entry else None,
                   original=_run(report["original"], fields.get("original")),
                   after=_run(report["after"], fields.get("after")),
                   next_entry=EntryView(following["id"], following["title"]) if following else None,
                   attempts=tuple(TriedView(tried["recipe"], bool(tried["verified"])) for tried in report["tried"]))

    def to_json(self) -> dict[str, Any]:
        return self.json


def render_fields(report: Any) -> dict[str, Any]:  # report: assistant.repair.fix.FixReport
    """What the server adds to a fix reply for human output: the errors whole, and each run's detail."""
    return {"error": report.error.to_wire() if report.error else None,
            "original": _run_fields(report.original), "after": _run_fields(report.after)}


def _run_fields(outcome: Any) -> dict[str, Any] | None:  # outcome: assistant.repair.fix.RunOutcome
    if outcome is None:
        return None
    return {"error": outcome.error.to_wire() if outcome.error else None, "detail": outcome.detail}


def _run(run: dict[str, Any] | None, fields: dict[str, Any] | None) -> RunView | None:
    if run is None:
        return None
    fields = fields or {}
    return RunView(run["status"], _error(fields.get("error"), run["error"]), float(run["duration_s"]),
                   str(fields.get("detail", "")), int(run.get("runs", 1)), str(run.get("crash", "")))


def _error(whole: dict[str, Any] | None, shown: dict[str, Any] | None) -> ErrorReport | None:
    """The error as the server sent it whole, else from the JSON object's type and message."""
    if whole is not None:
        return from_wire(whole)
    return ErrorReport(shown["type"], shown["message"]) if shown else None

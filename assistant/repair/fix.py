"""`kb fix`: from a user's broken script to a patch that is proven to work, or an honest "not proven".

1. Run the script in the sandbox to capture its error (or take the error the user pasted). A file
   that only defines a model is driven by a generated harness (assistant.repair.harness).
2. Find the corpus entry for the error with the engine, as `kb ask` would.
3. Apply fix recipes (assistant.repair.recipes) to the user's own code: the entry's recipes first, then
   any other recipe whose match() accepts this code and error.
4. Run each patched version in the sandbox and keep the first that runs clean.

`verified` means exactly: the original code was run and raised the matched error, and the patched
code was run and finished without any error within the sandbox limits (twice in a row when it starts
processes, whose teardown can fail now and then), and printed no crash of any of its processes. An error only pasted (not
reproduced by running the original), a timeout or a patch not run is never verified.
With `iterate`, a patched run that fails with a *new* error, or a proven patch whose run still emits
a warning an entry explains, starts another round on the patched code, at most MAX_ROUNDS rounds.
"""

from __future__ import annotations

import difflib
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from assistant.answering.answer import Answer
from assistant.answering.error_model import ErrorReport, Frame, from_raised, with_usage_reason
from assistant.answering.query import QueryError, parse_query
from assistant.environment.missing import missing_package, missing_package_note
from assistant.repair import harness, recipes
from assistant.repair.printed_crash import crash_in
from assistant.repair.process_starts import starts_processes
from assistant.repair.recipes import Facts
from assistant.sandbox import RecordedWarning, SandboxLimits, SandboxResult, Status, WarmSandbox, run_source

MAX_ROUNDS = 5

# What a fix report comes to, for the JSON, the rendering and the exit code alike:
# verified: the matched error was reproduced and the patched code ran clean;
# patched-unverified: a patch was made but not proven (not run, or the run did not come out clean);
# no-fix: the error is known (or was reproduced) but no recipe produced a patch;
# not-reproduced: running the original did not raise the error being fixed;
# cannot-run: there was no error to work from (the code ran clean, or its run gave no usable error).
Verdict = Literal["verified", "patched-unverified", "no-fix", "not-reproduced", "cannot-run"]
MAX_WARNINGS_LOOKED_UP = 5
# The run's own loopback is up, as for the corpus's examples: a one-process gloo group (a DDP script
# being fixed) needs 127.0.0.1 even with a file:// rendezvous, and the network namespace keeps the
# host's listeners out of reach all the same (assistant.sandbox.isolation.bring_up_loopback).
FIX_LIMITS = SandboxLimits(loopback=True)
FIX_CANDIDATES = 3  # entries asked for: those whose patterns explain the error each offer their recipes


class AskingEngine(Protocol):
    def ask_error(self, error: ErrorReport, k: int = 3) -> Answer: ...


@dataclass(frozen=True)
class RunOutcome:
    """One sandbox run of (possibly patched) code."""

    status: Status
    error: ErrorReport | None
    warnings: tuple[ErrorReport, ...] = ()  # each distinct warning once, at the first line it came from
    duration_s: float = 0.0
    detail: str = ""
    interpreter: Mapping[str, str | None] = field(default_factory=dict)  # python, version, torch: what ran it
    runs: int = 1  # 2: the code starts processes, ran clean once, and this is its second run
    crash: str = ""  # a crash the run printed although its main process ended well (printed_crash)

    def cures(self, problem: ErrorReport) -> bool:
        """Finished within the limits without any error and without a crash printed by any of its
        processes, and without the warning if that was the problem."""
        if self.status != "ok" or self.error is not None or self.crash:
            return False
        return not problem.warning or not any((w.type, w.message) == (problem.type, problem.message)
                                              for w in self.warnings)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "error": self.error.to_json() if self.error else None,
                "duration_s": round(self.duration_s, 3), "runs": self.runs, "crash": self.crash}


@dataclass(frozen=True)
class EntryRef:
    id: str
    title: str
    match: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "match": self.match}


@dataclass(frozen=True)
class Attempt:
    """One recipe applied in one round; `patched` is the whole file, relative to the original."""

    round: int
    recipe: str
    patched: str
    verified: bool
    after: RunOutcome | None  # None when the patched code was not run
    entry: str | None = None  # the entry that named the recipe (one message can have two causes)

    def to_json(self) -> dict[str, Any]:
        return {"round": self.round, "recipe": self.recipe, "entry": self.entry, "verified": self.verified,
                "after": self.after.to_json() if self.after else None}


@dataclass(frozen=True)
class FixReport:
    filename: str
    source: str
    error: ErrorReport | None  # the problem being fixed
    entry: EntryRef | None
    original: RunOutcome | None  # the run of the unpatched code, when it was run
    reproduced: bool  # the original run raised the matched error
    attempts: tuple[Attempt, ...] = ()
    applied: tuple[Attempt, ...] = ()  # the attempt kept in each round; the last holds the result
    next_entry: EntryRef | None = None  # the entry for the new error the patched code raises
    harness: bool = False
    note: str = ""
    duration_s: float = 0.0

    @property
    def patched(self) -> str | None:
        return self.applied[-1].patched if self.applied else None

    @property
    def recipe(self) -> str | None:
        return " + ".join(attempt.recipe for attempt in self.applied) or None

    @property
    def verified(self) -> bool:
        return self.reproduced and bool(self.applied) and self.applied[-1].verified

    @property
    def verdict(self) -> Verdict:
        if self.verified:
            return "verified"
        if self.patched is not None:
            return "patched-unverified"
        if self.error is None:
            return "cannot-run"
        if self.original is not None and not self.reproduced:
            return "not-reproduced"
        return "no-fix"

    @property
    def after(self) -> RunOutcome | None:
        return self.applied[-1].after if self.applied else None

    @property
    def interpreter(self) -> Mapping[str, str | None]:
        """The interpreter (and its torch) that ran the code; empty when nothing was run."""
        ran = self.original or self.after
        return ran.interpreter if ran else {}

    @property
    def patch(self) -> str:
        if self.patched is None:
            return ""
        return "".join(difflib.unified_diff(self.source.splitlines(keepends=True), self.patched.splitlines(keepends=True),
                                            f"a/{self.filename}", f"b/{self.filename}"))

    def to_json(self) -> dict[str, Any]:
        return {
            "error": self.error.to_json() if self.error else None,
            "entry": self.entry.id if self.entry else None,
            "entry_title": self.entry.title if self.entry else None,
            "recipe": self.recipe,
            "patch": self.patch,
            "patched": self.patched,
            "verified": self.verified,
            "verdict": self.verdict,
            "reproduced": self.reproduced,
            "original": self.original.to_json() if self.original else None,
            "after": self.after.to_json() if self.after else None,
            "tried": [attempt.to_json() for attempt in self.attempts],
            "next": self.next_entry.to_json() if self.next_entry else None,
            "harness": self.harness,
            "note": self.note,
            "duration_s": round(self.duration_s, 3),
            "interpreter": dict(self.interpreter),
        }


@dataclass(frozen=True)
class _Rounds:
    attempts: tuple[Attempt, ...]  # every recipe tried, in every round
    applied: tuple[Attempt, ...]  # the one kept in each round
    next_entry: EntryRef | None  # the entry for the error the last patch left, if any


@dataclass(frozen=True)
class _Runner:
    """Runs code the way the report needs it: with the harness when the file only defines a model,
    in a warm sandbox because a report runs the code at least twice (original, then each patch)."""

    filename: str
    limits: SandboxLimits
    harnessed: bool
    sandbox: WarmSandbox | None  # None when the report will run nothing: no worker to start
    python: str = sys.executable  # the user's interpreter, which the sandbox runs the code with

    def run(self, source: str) -> RunOutcome:
        try:
            program = harness.drive(source) if self.harnessed else source
        except harness.CannotDrive as reason:
            return RunOutcome("error", ErrorReport(harness.HARNESS_ERROR, str(reason)))
        run = self.sandbox.run_source if self.sandbox is not None else run_source
        return _outcome(run(program, filename=self.filename, limits=self.limits), self.filename)


def fix_source(source: str, *, engine: AskingEngine, error_text: str | None = None, verify: bool = True,
               iterate: bool = False, filename: str = "script.py",
               limits: SandboxLimits = FIX_LIMITS, python: str | None = None,
               sandbox: WarmSandbox | None = None) -> FixReport:
    """Find, apply and (with verify) prove a fix for the error of `source`; see the module docstring.

    `python` runs the code (the user's interpreter, with their packages); None means kb's own.
    `sandbox`, a warm sandbox of that same interpreter kept by the caller (`kb serve` keeps one
    between requests), saves starting a worker; without it one is started for this report.
    Raises QueryError when `error_text` holds no error message.
    """
    started = time.monotonic()
    given = _given_error(error_text) if error_text is not None else None
    runs_code = given is None or verify  # a given error without --verify is patched without running
    with _sandbox_for(python, sandbox) if runs_code else nullcontext() as sandbox:
        runner = _Runner(filename, limits, harness.needs_harness(source), sandbox, python or sys.executable)
        return _fix_with(source, given, runner, engine, verify=verify, iterate=iterate, started=started)


def _sandbox_for(python: str | None, shared: WarmSandbox | None) -> WarmSandbox | nullcontext[WarmSandbox]:
    """The caller's warm sandbox, left open for its next report, else a new one closed after this one."""
    return nullcontext(shared) if shared is not None else WarmSandbox(python=python)


def _fix_with(source: str, given: ErrorReport | None, runner: _Runner, engine: AskingEngine, *, verify: bool,
              iterate: bool, started: float) -> FixReport:
    filename = runner.filename
    base = FixReport(filename, source, given, None, None, False, harness=runner.harnessed)
    original = runner.run(source) if given is None or verify else None
    missing = _missing_package(original) if given is None else None
    if missing is not None:  # the interpreter lacks a package: no entry about the code applies
        return _done(base, started, original=original, note=missing_package_note(filename, missing, runner.python))
    problem = given or (_problem_of(original, engine) if original else None)
    if problem is None:
        return _done(base, started, original=original, note=_nothing_to_fix(original))
    answer = engine.ask_error(problem, k=FIX_CANDIDATES)
    problem = answer.query.error or problem  # the link of a chained error that the entry explains
    if given is None and (behind := _warning_behind(original, answer, engine, source, filename)) is not None:
        problem, answer = behind
    entry = _entry(answer)
    reproduced = original is not None and _reproduces(original, problem, entry, engine)
    located = original.error if given is not None and reproduced and original.error else problem
    rounds = _rounds(source, problem, located, answer, runner, engine, verify=verify, iterate=iterate,
                     reproduced=reproduced)
    note = "" if reproduced or original is None else "the original run did not raise this error, so no fix can be verified"
    entry = _proven_by(rounds, answer, entry)
    return _done(base, started, error=problem, entry=entry, original=original, reproduced=reproduced, note=note,
                 attempts=rounds.attempts, applied=rounds.applied, next_entry=rounds.next_entry)


def _rounds(source: str, problem: ErrorReport, located: ErrorReport, answer: Answer, runner: _Runner,
            engine: AskingEngine, *, verify: bool, iterate: bool, reproduced: bool) -> _Rounds:
    """Fix, verify and, while `iterate` allows, fix again on the patched code: a new error it
    raises, or a warning it still emits that an entry explains (old code often prints several).
    A later round that proves nothing never undoes a proven one."""
    attempts: list[Attempt] = []
    applied: list[Attempt] = []
    next_answer: Answer | None = None
    current, current_error = source, located
    if located is not problem:  # the run's own error: its values (sizes, names) are the ones to aim at
        answer = engine.ask_error(located, k=FIX_CANDIDATES)
    for number in range(1, (MAX_ROUNDS if iterate else 1) + 1):
        facts = facts_from(current_error, current, runner.filename)
        tried = _try_recipes(number, current, facts, _fixes(answer), runner, (problem, current_error),
                             verify=verify, reproduced=reproduced)
        attempts += tried
        chosen = _choose(tried, current_error) if tried else None
        if chosen is None or (applied and applied[-1].verified and not chosen.verified):
            break
        applied.append(chosen)
        new_error = _next_problem(chosen, current_error, engine, warnings=iterate)
        next_answer = engine.ask_error(new_error, k=FIX_CANDIDATES) if new_error is not None else None
        if new_error is None:
            break
        current, current_error, answer = chosen.patched, new_error, next_answer
    return _Rounds(tuple(attempts), tuple(applied), _entry(next_answer) if next_answer else None)


def _next_problem(chosen: Attempt, current: ErrorReport, engine: AskingEngine, *, warnings: bool) -> ErrorReport | None:
    """What the next round works on (or, without rounds left, what the report names next): the new
    error a patch uncovered or, after a proven patch and when `warnings`, the first warning its run
    still emits that an entry explains."""
    after = chosen.after
    if after is None:
        return None
    if chosen.verified:
        if not warnings:
            return None
        warning = _problem_of(after, engine)
        return warning if warning is not None and not warning.same_as(current) else None
    new_error = after.error
    if new_error is None:
        return _warned_further_on(after, current)
    return None if new_error.same_as(current) else new_error


def _warned_further_on(after: RunOutcome, problem: ErrorReport) -> ErrorReport | None:
    """The problem's warning, still printed by the patched run but from another line: torch warns
    once per process at the first call that hits it, so the next such call only shows once the
    first is fixed (progress, as the same error raised further down the script is)."""
    if not problem.warning or after.status != "ok":
        return None
    return next((w for w in after.warnings if (w.type, w.message) == (problem.type, problem.message)
                 and not w.same_as(problem)), None)


def _fixes(answer: Answer) -> list[tuple[str, tuple[str, ...], dict[str, str]]]:
    """The recipes each entry names, with the values its pattern captured: the best entry first,
    then the others whose patterns also explain the message (one message, two causes)."""
    return [(result.id, result.recipes, result.facts) for i, result in enumerate(answer.results)
            if result.recipes and (i == 0 or result.explains_message)]


def _candidates(source: str, facts: Facts, fixes: list[tuple[str, tuple[str, ...], dict[str, str]]]
                ) -> Iterator[tuple[str, recipes.Problem, recipes.Candidate]]:
    for entry_id, named, values in fixes:
        problem = recipes.Problem(source, replace(facts, values=values))
        for candidate in recipes.candidates(problem, named):
            yield entry_id, problem, candidate


def _try_recipes(number: int, source: str, facts: Facts, fixes: list[tuple[str, tuple[str, ...], dict[str, str]]],
                 runner: _Runner, errors: tuple[ErrorReport, ...], *, verify: bool, reproduced: bool) -> list[Attempt]:
    """Every applicable recipe in order, each run when verifying; without runs the first one only,
    since nothing else could tell them apart. The code is parsed once for all of them."""
    tried: list[Attempt] = []
    seen = {source}
    for entry_id, problem, candidate in _candidates(source, facts, fixes):
        patched = recipes.guarded(candidate.recipe, "apply", candidate.recipe.patch, problem, candidate.found)
        if patched is None or patched in seen:
            continue
        seen.add(patched)
        after = _proving_run(runner, patched, errors) if verify else None
        verified = reproduced and after is not None and all(after.cures(error) for error in errors)
        tried.append(Attempt(number, candidate.recipe.name, patched, verified, after, entry_id))
        if not verify:
            break
    return tried


def _proving_run(runner: _Runner, patched: str, errors: tuple[ErrorReport, ...]) -> RunOutcome:
    """The patched code's run; a program that starts processes runs again once it came out clean,
    and its outcome is the second run's (assistant.repair.process_starts says why)."""
    after = runner.run(patched)
    if not all(after.cures(error) for error in errors) or not starts_processes(patched):
        return after
    return replace(runner.run(patched), runs=2)


def _choose(tried: list[Attempt], error: ErrorReport) -> Attempt:
    """The first verified attempt; else the first that got past the error (progress); else the first."""
    for attempt in tried:
        if attempt.verified:
            return attempt
    for attempt in tried:
        after = attempt.after
        if after is not None and ((after.status == "error" and not error.same_as(after.error))
                                  or _warned_further_on(after, error) is not None):
            return attempt
    return tried[0]


def _given_error(text: str) -> ErrorReport:
    parsed = parse_query(text)
    if parsed.raised is None:
        raise QueryError("no error message found in the given error text")
    return parsed.raised


def _outcome(result: SandboxResult, filename: str) -> RunOutcome:
    raised = result.error if result.status == "error" else None
    error = with_usage_reason(from_raised(raised), result.stderr) if raised else None
    return RunOutcome(result.status, error, warning_reports(result.warnings, filename), result.duration_s,
                      result.detail, dict(result.interpreter),
                      crash=crash_in(result.stderr) if result.status == "ok" else "")


def warning_reports(warnings: Iterable[RecordedWarning], filename: str) -> tuple[ErrorReport, ...]:
    """Each warning once, at the line of the script it first came from (when it did), so that a
    recipe aims at the call that warned as it does at the line that raised."""
    first: dict[tuple[str, str], int] = {}
    for warned in warnings:
        first.setdefault((warned.category, warned.message), warned.line)
    return tuple(ErrorReport(category, message, (Frame(filename, line, "", ""),) if line else (), warning=True,
                             line=line or None) for (category, message), line in first.items())


def _missing_package(original: RunOutcome | None) -> str | None:
    error = original.error if original is not None else None
    return missing_package(error.type, error.message) if error is not None else None


def _problem_of(outcome: RunOutcome, engine: AskingEngine) -> ErrorReport | None:
    """The error the run raised or, for a clean run, the first warning that a corpus entry
    explains (libraries emit many warnings that are nobody's problem here)."""
    if outcome.error is not None:
        return None if outcome.error.type == harness.HARNESS_ERROR else outcome.error
    if outcome.status != "ok":
        return None
    return _explained_warning(outcome, engine)


def _explained_warning(outcome: RunOutcome, engine: AskingEngine) -> ErrorReport | None:
    for warning in outcome.warnings[:MAX_WARNINGS_LOOKED_UP]:
        if engine.ask_error(warning, k=1).match == "confident":
            return warning
    return None


def _warning_behind(original: RunOutcome | None, answer: Answer, engine: AskingEngine, source: str,
                    filename: str) -> tuple[ErrorReport, Answer] | None:
    """When no entry explains the error a run raised (or the one that does has no recipe for this
    code), the warning it printed before and an entry does explain, with that entry's answer:
    `.grad` of a non-leaf is None (the warning), and the error is only that None being used; a
    frozen reentrant checkpoint warns that no input requires grad, and backward then finds no graph."""
    if original is None or original.error is None:
        return None
    if answer.match == "confident" and _has_candidates(source, facts_from(original.error, source, filename), answer):
        return None
    warning = _explained_warning(original, engine)
    if warning is None:
        return None
    warned = engine.ask_error(warning, k=FIX_CANDIDATES)
    return (warning, warned) if _fixes(warned) else None


def _has_candidates(source: str, facts: Facts, answer: Answer) -> bool:
    return next(_candidates(source, facts, _fixes(answer)), None) is not None


def _nothing_to_fix(original: RunOutcome | None) -> str:
    if original is None:
        return "nothing was run and no error was given"
    if original.error is not None and original.error.type == harness.HARNESS_ERROR:
        return f"cannot drive this model: {original.error.message}"
    if original.status in ("timeout", "limit"):
        return f"the script did not finish within the sandbox limits ({original.detail})"
    return "the script ran without an error (or a warning the knowledge base explains): nothing to fix"


def _reproduces(original: RunOutcome, problem: ErrorReport, entry: EntryRef | None, engine: AskingEngine) -> bool:
    """The original run raised the matched error: the same one, or one the same entry explains
    (a pasted error usually comes from the user's real data, with other sizes)."""
    if problem.warning:
        seen = list(original.warnings)
    else:
        seen = [original.error] if original.error is not None else []
    return any(raised.type == problem.type and (raised.same_as(problem) or _same_entry(raised, entry, engine))
               for raised in seen)


def _same_entry(error: ErrorReport, entry: EntryRef | None, engine: AskingEngine) -> bool:
    found = _entry(engine.ask_error(error, k=1))
    return entry is not None and found is not None and found.id == entry.id


def _proven_by(rounds: _Rounds, answer: Answer, entry: EntryRef | None) -> EntryRef | None:
    """The entry to name: the one whose recipe the first round proved, when the message has two
    causes and the second one's fix is what worked (flatten-before-linear, not linear-shape-mismatch)."""
    first = rounds.applied[0] if rounds.applied else None
    if first is None or not first.verified or first.round != 1 or entry is None or first.entry in (None, entry.id):
        return entry
    proven = next((result for result in answer.results if result.id == first.entry), None)
    return EntryRef(proven.id, proven.title, answer.match) if proven is not None else entry


def _entry(answer: Answer) -> EntryRef | None:
    if answer.match == "none" or not answer.results:
        return None
    best = answer.results[0]
    return EntryRef(best.id, best.title, answer.match)


def facts_from(error: ErrorReport, source: str, filename: str = "script.py") -> Facts:
    """The recipes' view of an error: message, the user's lines, the layer (each entry adds the
    values its pattern captured)."""
    lines = error.user_lines(filename, source.count("\n") + 1)
    return Facts(error.type, error.message, {}, lines[-1] if lines else None, lines, error.layer)


def _done(base: FixReport, started: float, **changes: Any) -> FixReport:
    return replace(base, duration_s=time.monotonic() - started, **changes)

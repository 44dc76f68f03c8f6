"""`kb lint PATH...`: the corpus entries' code checks over files, for terminals, editors and pre-commit.

Findings are printed as `path:line:col: KB-<entry-id> message`, the flake8/ruff convention that
editors' problem matchers and pre-commit read; `--json` prints one object (docs/json.md, `lint`).
Exit codes: 1 when there are findings, 0 when none, 2 when any input is bad (a missing file, one that
is not Python, one that does not parse), each bad input being one line on stderr; the text output
still lists the other files' findings then, the JSON output (as every kb JSON on exit 2) prints nothing.

Without --fix this path imports neither torch nor the answering engine nor rich: it runs on every
save and every commit, and must cost what pyflakes costs. Everything printed that comes from the
user's file (paths, names, values in messages) is made inert for the terminal first.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.codecheck import Finding, check_source
from assistant.codecheck.declared import DeclarationError, declarations
from assistant.interface import wire
from assistant.interface.query_input import InputError, decode, read_file
from assistant.interface.terminal import inert_line, print_error

PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
SKIPPED_DIRECTORIES = ("__pycache__", "node_modules", "site-packages")


class BadInput(Exception):
    """One path that cannot be linted; the message is its one line."""


@dataclass(frozen=True)
class FileFindings:
    path: Path
    raw: bytes
    source: str
    findings: list[Finding]


def lint(paths: Sequence[Path], *, as_json: bool = False, fixer: Callable[[FileFindings], str | None] | None = None) -> int:
    """Lint every Python file of `paths`, print the findings and return the exit code. With a
    `fixer`, each file with findings is offered to it first; it returns a line saying what it fixed
    (the file is then linted again) or None."""
    try:
        titles = {entry_id: d.title for entry_id, d in declarations().items()}
    except DeclarationError as error:
        print_error(str(error))
        return wire.EXIT_BAD_INPUT
    results, bad = [], False
    for path in python_files(paths):
        try:
            result = _checked(path)
            if fixer is not None and result.findings and (fixed := fixer(result)) is not None:
                print(inert_line(fixed), file=sys.stderr if as_json else sys.stdout)
                result = _checked(path)
            results.append(result)
        except BadInput as error:
            print_error(str(error))
            bad = True
    if bad and as_json:  # exit 2 comes with nothing on stdout (docs/json.md); the text lines stay useful
        return wire.EXIT_BAD_INPUT
    _print(results, titles, as_json)
    if bad:
        return wire.EXIT_BAD_INPUT
    return wire.EXIT_NOT_FOUND if any(r.findings for r in results) else wire.EXIT_OK


def plain_lint(args: Sequence[str]) -> int | None:
    """The exit code of a plain `kb lint [--json] PATH...` command line, linted here without typer
    (which costs more start-up than linting a file does); None for any other command line (`--fix`,
    `--help`, `--`, an option it does not know), which is the typer app's to handle."""
    if list(args[:1]) != ["lint"]:
        return None
    paths = [arg for arg in args[1:] if arg != "--json"]
    if not paths or any(arg.startswith("-") for arg in paths):
        return None
    return lint([Path(path) for path in paths], as_json="--json" in args[1:])


def python_files(paths: Sequence[Path]) -> Iterator[Path]:
    """The files to lint: each file named, and the *.py files under each directory named (hidden
    and cache directories skipped). A path that is neither comes back as itself, so that reading it
    reports it."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if p.is_file() and not _skipped(p.relative_to(path)))
        else:
            yield path


def _skipped(relative: Path) -> bool:
    return any(part.startswith(".") or part in SKIPPED_DIRECTORIES for part in relative.parts[:-1])


def _checked(path: Path) -> FileFindings:
    try:
        raw = read_file(path)
        if not _is_python(path, raw):
            raise BadInput(f"{path}: not a Python file (expected a .py file or a python #! line)")
        source = decode(raw, str(path))
    except InputError as error:
        raise BadInput(str(error)) from None
    try:
        return FileFindings(path, raw, source, check_source(source))
    except SyntaxError as error:
        raise BadInput(f"{path}:{error.lineno or 1}:{error.offset or 1}: syntax error: {error.msg}") from None
    except ValueError as error:  # ast refuses source holding a NUL byte, among others
        raise BadInput(f"{path}: cannot parse ({error})") from None


def _is_python(path: Path, raw: bytes) -> bool:
    """A .py file, or a script whose #! line runs python (what pre-commit's `types: [python]` passes)."""
    first_line = raw.split(b"\n", 1)[0]
    return path.suffix in PYTHON_SUFFIXES or (first_line.startswith(b"#!") and b"python" in first_line)


def _print(results: list[FileFindings], titles: dict[str, str], as_json: bool) -> None:
    if as_json:
        print(wire.dumps({"findings": [_as_json(r.path, f, titles) for r in results for f in r.findings]}))
        return
    for result in results:
        for finding in result.findings:
            print(inert_line(f"{result.path}:{finding.line}:{finding.col}: KB-{finding.entry_id} {finding.message}"))


def _as_json(path: Path, finding: Finding, titles: dict[str, str]) -> dict[str, Any]:
    return {"path": str(path), "line": finding.line, "col": finding.col, "id": finding.entry_id,
            "title": titles.get(finding.entry_id, finding.entry_id), "message": finding.message}



def verified_fixer(open_engine: Callable[[], Any], python: str | None) -> Callable[[FileFindings], str | None]:
    """The --fix step: a file whose findings belong to entries with fix recipes goes through
    `kb fix --write --verify` (assistant.repair.fix.fix_source, then patch_file.write_patched), and
    is written only when the patched code was run and came out clean. The engine is opened once,
    for the first file that needs it."""
    engines: list[Any] = []

    def fix(result: FileFindings) -> str | None:
        declared = declarations()
        if not any(declared[f.entry_id].recipes for f in result.findings if f.entry_id in declared):
            return None
        from assistant.interface.patch_file import WriteRefused, write_patched
        from assistant.repair.fix import fix_source

        engines[:] = engines or [open_engine()]
        report = fix_source(result.source, engine=engines[0], verify=True, filename=result.path.name, python=python)
        if report.verdict != "verified" or report.patched is None:
            return f"{result.path}: not fixed ({report.verdict}{': ' + report.note if report.note else ''})"
        try:
            write_patched(result.path, result.raw, report.patched)
        except WriteRefused as refused:
            raise BadInput(str(refused)) from None
        entry = report.entry.id if report.entry else "the error it raised"
        return f"{result.path}: fixed {entry} with {report.recipe}, verified by running it (original kept as {result.path}.orig)"

    return fix

"""How the CLI shows things to a person in a terminal (rich). JSON output does not pass through here.

Most of what is shown came from outside: error messages from the user's code, titles and fixes
from documents anyone can ingest, the query itself. Two rules make that safe by construction
rather than by remembering to escape:

- No rich markup is ever parsed: the consoles have markup off, and lines are assembled from
  (text, style) pieces, so `[/]` or `[batch, seq, features]` in a message is just text.
- Every character printed passes through `terminal.inert` on its way out (`InertConsole.render`),
  so a control sequence anywhere in the output is shown as `\\x1b...`, never acted on; rich's own
  styling travels as styles and control segments and is untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from assistant.interface.terminal import ERROR_PREFIX, inert, inert_line

if TYPE_CHECKING:
    from kb.ingest import IngestProgress  # the ingest's own module, loaded only by commands that ingest

Piece = str | tuple[str, str]  # text, or (text, style)


class InertConsole(Console):
    """A console that prints every segment's text inert (see the module docstring)."""

    def __init__(self, **options: object) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **options)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            yield segment if segment.control else Segment(inert(segment.text), segment.style)


out = InertConsole()
err = InertConsole(stderr=True)

_MATCH_STYLE = {"confident": "bold green", "weak": "bold yellow", "none": "bold red"}


def line(*pieces: Piece) -> Text:
    """One line of output from pieces of text, each plain or (text, style); a newline inside a piece is
    shown as `\\n`, so no outside text can start a line that looks like one of ours."""
    text = Text()
    for piece in pieces:
        content, style = piece if isinstance(piece, tuple) else (piece, "")
        text.append(inert_line(content), style)
    return text


def error(message: str) -> None:
    err.print(line((ERROR_PREFIX, "bold red"), message), soft_wrap=True)


@contextmanager
def progress(label: str, quiet: bool = False) -> Iterator[Callable[[IngestProgress], None]]:
    """A progress bar that appears only once there is work to report (and never when quiet). Its
    rate and ETA are the ingest's own (`IngestProgress`), measured over the whole run, so they do
    not jump with one slow batch as a bar's moving estimate would."""
    bar = Progress(TextColumn(label, markup=False), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
                   TextColumn("{task.fields[speed]}", markup=False), console=err, transient=True)
    task = None

    def advance(update: IngestProgress) -> None:
        nonlocal task
        if quiet:
            return
        if task is None:
            bar.start()
            task = bar.add_task(label, total=update.total, speed="")
        bar.update(task, completed=update.done, total=update.total, speed=speed(update))

    try:
        yield advance
    finally:
        if task is not None:
            bar.stop()


def speed(update: IngestProgress) -> str:
    """`23.4 chunks/s, ETA 1:05`, or nothing before the first batch gives a rate."""
    if update.eta_s is None:
        return ""
    minutes, seconds = divmod(round(update.eta_s), 60)
    hours, minutes = divmod(minutes, 60)
    eta = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"{update.rate:.1f} chunks/s, ETA {eta}"


def answer(result: dict) -> None:
    """An answer in its `kb ask --json` form, which is also what a server sends."""
    query, match, results = result["query"], result["match"], result["results"]
    if query["error_type"] or query["message"]:
        out.print(line((f"{query['kind']}: ", "dim"), (query["error_type"] or "", "bold"), " ", query["message"] or ""),
                  soft_wrap=True)
    for change in result.get("api", ()):
        out.print(api_change(change), soft_wrap=True)
    for command in result.get("commands", ()):
        out.print(line(("try: ", "dim"), (command, "bold")), soft_wrap=True)
    if match == "none" or not results:
        out.print(line(("No good match in the knowledge base.", "bold red"),
                       " Nothing here explains this error confidently."))
        if results:
            out.print(line(("Closest, probably unrelated: ", "dim"), ", ".join(r["title"] for r in results)))
        return
    if query.get("raised_in"):
        out.print(line((f"Raised inside {query['raised_in']}, not torch:", "bold yellow"),
                       " the entries below may be related, but none explains that library's own error."))
    elif match == "weak":
        out.print(line(("Weak match:", "bold yellow"),
                       " this may not be your problem; check the explanation against your code."))
    for position, item in enumerate(results, 1):
        if position == 1:
            out.print(_best(item, _MATCH_STYLE[match]))
        else:
            out.print(Text("\n"), line((f"{position}. ", "bold"), (item["title"], "bold"),
                                       (f"  ({item['id']}, score {item['score']:.3f})", "dim")))


def api_change(change: dict) -> Text:
    """One row of the API drift table: `torch.rfft` removed in 1.8: use torch.fft.rfft (...)."""
    if change["kind"] == "added":
        return line((change["symbol"], "bold"), f" was added in {change['version']}", _upgrade(change),
                    f"; {change['note']}" if change["note"] else "")
    instead = f": use {change['replacement']}" if change["replacement"] else ""
    return line((change["symbol"], "bold"), f" {change['kind']} in {change['version']}{instead}",
                (f" ({change['note']})" if change["note"] else "", "dim"))


def _upgrade(change: dict) -> str:
    """Which torch to upgrade: when the one beside kb already has the API, the code ran with another."""
    installed = change["installed_torch"]
    if installed is None:
        return ": upgrade torch"
    if change.get("installed_has_it"):
        return (f"; torch {installed} here has it, so the code ran with an older torch: "
                "upgrade the torch of the interpreter that ran it")
    return f" (torch here: {installed}): upgrade torch"


def _best(item: dict, style: str) -> Panel:
    body = "\n\n".join(part for part in (
        f"### Why it happens\n\n{item['explanation']}" if item["explanation"] else "",
        f"### Fix\n\n{item['fix']}" if item["fix"] else "",
    ) if part)
    # hyperlinks off: a document's link would otherwise be an OSC 8 sequence to wherever it points
    return Panel(Markdown(body, hyperlinks=False), title=line((item["title"], style)), title_align="left",
                 subtitle=line(f"{item['id']} · {item['source']}"), subtitle_align="right")


def ingest_report(report) -> None:  # report: kb.ingest.IngestReport
    for path, reason in report.failed:
        error(f"skipped {reason}" if reason.startswith(path) else f"skipped {path}: {reason}")
    out.print(line(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, failed {len(report.failed)}; embedded {report.chunks_embedded} chunks"
    ))


def removed(sources: list[str]) -> None:
    for source in sources:
        out.print(line("removed ", source))


def info(directory: Path, meta: dict[str, str], documents: int, chunks: int) -> None:
    for label, value in (("index", directory), ("model", f"{meta.get('model')} ({meta.get('dim')} dimensions)"),
                         ("documents", documents), ("chunks", chunks), ("generation", meta.get("generation"))):
        out.print(line(f"{label}: ", str(value)))


def corpus_checks(results) -> None:  # results: list[assistant.repair.corpus_check.EntryCheck]
    table = Table("entry", "status", "detail", show_lines=False)
    colours = {"ok": "green", "failed": "bold red", "skipped": "yellow"}
    for result in results:
        table.add_row(line(result.id), line((result.status, colours[result.status])), line(result.reason[:160]))
    out.print(table)
    counts = {status: sum(r.status == status for r in results) for status in colours}
    out.print(line(f"{counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped (cannot be checked here)"))


def fix_report(report, written: Path | None = None) -> None:  # report: assistant.repair.fix.FixReport
    """The error, the entry, the diff, and what running the patch proved, all from `report.verdict`."""
    if report.interpreter:
        ran_with(report.interpreter)
    if report.verdict == "cannot-run":
        failed_to_start = report.original is not None and report.original.error is not None  # a missing package
        out.print(line(("Cannot run it: " if failed_to_start else "Nothing to fix: ", "bold yellow"), report.note),
                  soft_wrap=True)
        return
    problem = report.error
    out.print(line(("error: ", "dim"), (problem.type, "bold"), ": ", problem.message), soft_wrap=True)
    if report.entry:
        out.print(line(("entry: ", "dim"), report.entry.title, (f"  ({report.entry.id})", "dim")),
                  soft_wrap=True)
    else:
        out.print(line(("entry: ", "dim"), "no confident match in the knowledge base"))
    if report.verdict in ("no-fix", "not-reproduced"):
        if report.verdict == "not-reproduced":
            out.print(line(("original run: ", "dim"), "did not raise this error"))
        out.print(line(("No fix recipe applies to this code.", "bold red"), " See `kb ask` for the explanation."))
        return
    out.print(line(("recipe: ", "dim"), report.recipe or "",
                   ("  (model driven by a generated harness)", "dim") if report.harness else ""))
    _diff(report.patch)
    _fix_outcome(report)
    if written is not None:
        out.print(line(("wrote ", "green"), str(written), (f" (original kept as {str(written)}.orig)", "dim")))


def _diff(patch: str) -> None:
    styles = {"+": "green", "-": "red", "@": "cyan"}
    for text in patch.splitlines():
        out.print(line((text, styles.get(text[:1], ""))), soft_wrap=True)


def _fix_outcome(report) -> None:
    """Only verdicts with a patch get here: verified, or patched-unverified for one of four reasons."""
    original, after = report.original, report.after
    if after is None:
        out.print(line(("Not run: add --verify to prove the patch in the sandbox.", "dim")))
        return
    if original is not None:
        out.print(line(("original run: ", "dim"), f"{_what_the_original_did(report)} ({original.duration_s:.1f} s)"))
    took = f"({after.duration_s:.1f} s)" if after.runs == 1 else f"({after.duration_s:.1f} s, on its second run)"
    if report.verdict == "verified":
        twice = " twice, as a program that starts processes must" if after.runs > 1 else ""
        out.print(line(("Verified:", "bold green"), f" the patched code runs clean{twice} {took}."))
    elif after.status == "ok" and after.crash:
        out.print(line(("Not verified:", "bold red"), f" the patched code ended well {took}, but one of its processes "
                       "crashed: ", after.crash), soft_wrap=True)
    elif after.status == "ok" and not after.cures(report.error):
        out.print(line(("Not fixed:", "bold red"), f" the patched code still prints the warning {took}."))
    elif after.status == "ok":
        out.print(line(("Not verified:", "bold yellow"), f" the patched code runs clean {took}, but the original run "
                       "did not raise the error, so this proves nothing about the fix."))
    elif after.error is not None and after.error.same_as(report.error):
        out.print(line(("Not fixed:", "bold red"), f" the patched code raises the same error {took}."))
    elif after.error is not None:
        out.print(line(("New error:", "bold red"), " the patched code now raises ", after.error.type, ": ",
                       after.error.message, f" {took}"), soft_wrap=True)
        if report.next_entry:
            out.print(line(("next step: ", "dim"), report.next_entry.title, (f" ({report.next_entry.id})", "dim"),
                           "; run with --iterate to fix it too"), soft_wrap=True)
    else:
        out.print(line(("Not verified:", "bold red"), f" the patched run ended with {after.status}: ", after.detail))
    _attempts(report.attempts)
    out.print(line((f"time: {report.duration_s:.1f} s in all", "dim")))


def _what_the_original_did(report) -> str:
    warned = report.error.warning
    if report.reproduced:
        return f"{'printed' if warned else 'raised'} {report.error.type}"
    return "did not print this warning" if warned else "did not raise this error"


def _attempts(attempts) -> None:
    if len(attempts) <= 1:
        return
    verified = sum(attempt.verified for attempt in attempts)
    out.print(line(("tried: ", "dim"), ", ".join(f"{a.recipe} {'✓' if a.verified else '✗'}" for a in attempts),
                   (f"  ({verified} verified)", "dim") if verified else ""))


def ran_with(interpreter: dict) -> None:
    """Which interpreter (and torch) ran the code: {python, version, torch}, as the sandbox reports it."""
    torch = interpreter.get("torch") or "no torch"
    out.print(line(("ran with: ", "dim"), interpreter.get("python") or "?",
                   (f" (Python {interpreter.get('version') or '?'}, torch {torch})", "dim")), soft_wrap=True)


def doctor_report(report) -> None:  # report: assistant.environment.DoctorReport
    """What the interpreter holds, then each finding with its entry and fix."""
    chosen = report.interpreter
    out.print(line(("interpreter: ", "dim"), chosen.python, (f"  (chosen by {chosen.chosen_by})", "dim")),
              soft_wrap=True)
    if report.facts is None:
        out.print(line(("Could not inspect it: ", "bold red"), report.probe_failure), soft_wrap=True)
        return
    for label, value in _doctor_facts(report.facts, report.host):
        out.print(line((f"{label}: ", "dim"), value), soft_wrap=True)
    doctor_findings(report)
    summary = f"{len(report.problems)} problem(s) found" if report.problems else "No problems found"
    out.print(line((summary, "bold red" if report.problems else "bold green"),
                   (f"  ({report.duration_s:.1f} s)", "dim")))


def doctor_findings(report, answered: set[str] | None = None) -> None:
    """The findings; with `answered` (the entries an answer named), only problems and those about them."""
    shown = [f for f in report.findings if answered is None or f.problem or f.entry in answered]
    if answered is not None and shown:
        out.print(line(("\nIn ", "bold"), (report.interpreter.python, "bold"), (" (kb doctor):", "bold")),
                  soft_wrap=True)
    for finding in shown:
        mark = ("✗ ", "bold red") if finding.problem else ("· ", "dim")
        explains = ("  ← explains your error", "bold") if report.explains_error(finding) else ""
        out.print(line(mark, finding.message, explains), soft_wrap=True)
        if finding.entry:
            out.print(line(("    see: ", "dim"), finding.entry), soft_wrap=True)
        if finding.fix:
            out.print(line(("    fix: ", "dim"), finding.fix), soft_wrap=True)


def checkpoint_report(report) -> None:  # report: assistant.repair.checkpoint.CheckpointReport
    """What the file is, its tensors, how it fits the model, and the proven loading code."""
    facts = report.to_json()
    out.print(line((f"{facts['file']}: ", "dim"), (facts["kind"], "bold"), f"  {facts['detail']}" if facts["detail"] else ""),
              soft_wrap=True)
    shown = [("weights key", facts["weights_key"]), ("key prefix", facts["prefix"]),
             ("class", ".".join(p for p in (facts["model_module"], facts["model_class"]) if p) or None),
             ("tensors", f"{facts['tensors']} ({', '.join(f'{n} {d}' for d, n in facts['dtypes'].items())})"
              if facts["tensors"] else None),
             ("saved with", ", ".join(f"{k} {v}" for k, v in facts["saved_with"].items()) or None),
             ("weights_only", {True: "loads with weights_only=True", False: "needs weights_only=False (trusted files only)",
                               None: None}[facts["weights_only"]])]
    for label, value in shown:
        if value:
            out.print(line((f"{label}: ", "dim"), value), soft_wrap=True)
    if (comparison := facts["comparison"]) is not None:
        _checkpoint_comparison(comparison)
    if facts["loading_code"]:
        out.print(Text(""), line(("Loading code (ran in the sandbox and loaded):", "bold green")))
        out.print(Text(inert(facts["loading_code"])))


def _checkpoint_comparison(comparison: dict) -> None:
    if comparison["error"]:
        out.print(line(("model: ", "dim"), (comparison["error"], "bold red")), soft_wrap=True)
        return
    verdict = ("keys and shapes match", "bold green") if comparison["matches"] else ("does not fit", "bold red")
    out.print(line((f"against {comparison['model']}: ", "dim"), verdict,
                   f" after stripping {comparison['prefix']!r}" if comparison["prefix"] else ""), soft_wrap=True)
    for label in ("missing", "unexpected"):
        if comparison[label]:
            out.print(line((f"  {label}: ", "dim"), ", ".join(comparison[label])), soft_wrap=True)
    for mismatch in comparison["shape_mismatches"]:
        out.print(line(("  shape: ", "dim"), f"{mismatch['key']}: checkpoint {mismatch['checkpoint']}, "
                       f"model {mismatch['model']}"), soft_wrap=True)


def _doctor_facts(facts: dict, host) -> list[tuple[str, str]]:  # host: assistant.environment.host.HostFacts
    torch = facts["torch"]
    rows = [("python", f"{facts['python']['version']} ({facts['python']['executable']})")]
    if torch["error"]:
        rows.append(("torch", f"cannot import: {torch['error']['message']}"))
    else:
        rows += [("torch", f"{torch['version']} ({_build(torch)})"), ("cuda", _cuda_state(torch["cuda"])),
                 ("mps", "available" if torch["mps_available"] else "not available")]
    for name in ("numpy", "torchvision", "torchaudio"):
        package = facts[name]
        version = package["version"] or package["installed"]
        state = f"fails: {package['error']['message']}" if package["error"] else "loads"
        rows.append((name, f"{version} ({state})" if version else "not installed"))
    shm = f"{host.shm_bytes // (1 << 20)} MB" if host.shm_bytes is not None else "none"
    return rows + [("driver", host.driver or "no NVIDIA driver loaded"), ("start method", facts["start_method"]),
                   ("/dev/shm", shm)]


def _build(torch: dict) -> str:
    if torch["cuda_build"]:
        return f"CUDA {torch['cuda_build']}"
    return f"ROCm {torch['hip_build']}" if torch["hip_build"] else "CPU only"


def _cuda_state(cuda: dict) -> str:
    if not cuda["available"]:
        return "not available"
    devices = ", ".join(f"{d['name']} (capability {'.'.join(map(str, d['capability']))})" for d in cuda["devices"])
    return f"available: {devices}; built for {' '.join(cuda['arch_list'])}"

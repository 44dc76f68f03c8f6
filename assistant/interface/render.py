"""How the CLI shows things to a person in a terminal (rich). JSON output does not pass through here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

_MATCH_STYLE = {"confident": "bold green", "weak": "bold yellow", "none": "bold red"}


def error(message: str) -> None:
    err.print(f"[bold red]kb: error:[/] {message}", markup=True, highlight=False, soft_wrap=True)


@contextmanager
def progress(label: str, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A progress bar that appears only once there is work to report (and never when quiet)."""
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
                   TimeRemainingColumn(), console=err, transient=True)
    task = None

    def advance(done: int, total: int) -> None:
        nonlocal task
        if quiet:
            return
        if task is None:
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done, total=total)

    try:
        yield advance
    finally:
        if task is not None:
            bar.stop()


def answer(result: dict) -> None:
    """An answer in its `kb ask --json` form, which is also what a server sends."""
    query, match, results = result["query"], result["match"], result["results"]
    if query["error_type"] or query["message"]:
        out.print(f"[dim]{query['kind']}:[/] [bold]{query['error_type'] or ''}[/] {query['message'] or ''}".strip())
    if match == "none" or not results:
        out.print("[bold red]No good match in the knowledge base.[/] Nothing here explains this error confidently.")
        if results:
            out.print("[dim]Closest, probably unrelated:[/] " + ", ".join(r["title"] for r in results))
        return
    if match == "weak":
        out.print("[bold yellow]Weak match:[/] this may not be your problem; check the explanation against your code.")
    for position, item in enumerate(results, 1):
        if position > 1:
            out.print(f"\n[bold]{position}. {item['title']}[/]  [dim]({item['id']}, score {item['score']:.3f})[/]")
            continue
        body = "\n\n".join(part for part in (
            f"### Why it happens\n\n{item['explanation']}" if item["explanation"] else "",
            f"### Fix\n\n{item['fix']}" if item["fix"] else "",
        ) if part)
        style = _MATCH_STYLE[match]
        out.print(Panel(Markdown(body), title=f"[{style}]{item['title']}[/]", title_align="left",
                        subtitle=f"{item['id']} · {item['source']}", subtitle_align="right"))


def ingest_report(report) -> None:  # report: kb.ingest.IngestReport
    for path, reason in report.failed:
        error(f"skipped {reason}" if reason.startswith(path) else f"skipped {path}: {reason}")
    out.print(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, failed {len(report.failed)}; embedded {report.chunks_embedded} chunks"
    )


def removed(sources: list[str]) -> None:
    for source in sources:
        out.print(f"removed {source}")


def info(directory: Path, meta: dict[str, str], documents: int, chunks: int) -> None:
    out.print(f"index: {directory}\nmodel: {meta.get('model')} ({meta.get('dim')} dimensions)\n"
              f"documents: {documents}\nchunks: {chunks}\ngeneration: {meta.get('generation')}")


def corpus_checks(results) -> None:  # results: list[assistant.repair.corpus_check.EntryCheck]
    table = Table("entry", "status", "detail", show_lines=False)
    colours = {"ok": "green", "failed": "bold red", "skipped": "yellow"}
    for result in results:
        table.add_row(result.id, f"[{colours[result.status]}]{result.status}[/]", result.reason[:160])
    out.print(table)
    counts = {status: sum(r.status == status for r in results) for status in colours}
    out.print(f"{counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped (cannot be checked here)")


def fix_report(report, written: Path | None = None) -> None:  # report: assistant.repair.fix.FixReport
    """The error, the entry, the diff, and what running the patch proved (or did not)."""
    error = report.error
    if error is None:
        out.print(f"[bold yellow]Nothing to fix:[/] {escape(report.note)}", soft_wrap=True)
        return
    out.print(f"[dim]error:[/] [bold]{error.type}[/]: {escape(error.message)}", soft_wrap=True)
    if report.entry:
        out.print(f"[dim]entry:[/] {escape(report.entry.title)}  [dim]({report.entry.id})[/]", soft_wrap=True)
    else:
        out.print("[dim]entry:[/] no confident match in the knowledge base")
    if report.patched is None:
        out.print("[bold red]No fix recipe applies to this code.[/] See `kb ask` for the explanation.")
        return
    out.print(f"[dim]recipe:[/] {report.recipe}" + ("  [dim](model driven by a generated harness)[/]" if report.harness else ""))
    for line in report.patch.splitlines():
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else None
        out.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    _fix_outcome(report)
    if written is not None:
        out.print(f"[green]wrote[/] {written} [dim](original kept as {written}.orig)[/]")


def _fix_outcome(report) -> None:
    original, after = report.original, report.after
    if after is None:
        out.print("[dim]Not run: add --verify to prove the patch in the sandbox.[/]")
        return
    if report.original is not None and report.error is not None:
        raised = f"raised {report.error.type}" if report.reproduced else "did not raise this error"
        out.print(f"[dim]original run:[/] {raised} ({original.duration_s:.1f} s)")
    if report.verified:
        out.print(f"[bold green]Verified:[/] the patched code runs clean ({after.duration_s:.1f} s).")
    elif after.status == "ok":
        out.print(f"[bold yellow]Not verified:[/] the patched code runs clean ({after.duration_s:.1f} s), "
                  f"but the original run did not raise the error, so this proves nothing about the fix.")
    elif after.error is not None and after.error.same_as(report.error):
        out.print(f"[bold red]Not fixed:[/] the patched code raises the same error ({after.duration_s:.1f} s).")
    elif after.error is not None:
        out.print(f"[bold red]New error:[/] the patched code now raises {after.error.type}: "
                  f"{escape(after.error.message)} ({after.duration_s:.1f} s)", soft_wrap=True)
        if report.next_entry:
            out.print(f"[dim]next step:[/] {escape(report.next_entry.title)} [dim]({report.next_entry.id})[/]; "
                      f"run with --iterate to fix it too", soft_wrap=True)
    else:
        out.print(f"[bold red]Not verified:[/] the patched run ended with {after.status}: {escape(after.detail)}")
    verified = [attempt.recipe for attempt in report.attempts if attempt.verified]
    if len(report.attempts) > 1:
        out.print("[dim]tried:[/] " + ", ".join(
            f"{a.recipe} {'✓' if a.verified else '✗'}" for a in report.attempts)
            + (f"  [dim]({len(verified)} verified)[/]" if verified else ""))
    out.print(f"[dim]time: {report.duration_s:.1f} s in all[/]")

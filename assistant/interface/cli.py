"""`kb`: the command line over the assistant library. Each command parses its options, calls the
library and renders; nothing here knows how retrieval works.

Exit codes are assistant.interface.wire's; input is read and checked by
assistant.interface.query_input, as on the launcher's fast path and in the server.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal, NoReturn, Optional

import typer

from assistant.interface import render, wire
from assistant.interface.query_input import DEFAULT_K, MAX_K, InputError, batch_line, decode, k_option, read_file
from assistant.interface.query_input import read_query, stdin_bytes

app = typer.Typer(
    help="Troubleshooting assistant for PyTorch errors: paste an error, a traceback, a question or code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

IndexOption = Annotated[Optional[Path], typer.Option("--index", help="Index directory (default: your data directory).")]
ModelOption = Annotated[
    Optional[Path], typer.Option("--model", help="A local sentence-transformers model directory.", envvar="KB_MODEL")
]
PythonOption = Annotated[Optional[str], typer.Option(
    "--python", metavar="PATH", help="The interpreter that runs your code (default: KB_PYTHON, the active "
    "virtualenv or conda environment, python3 on PATH with torch, else kb's own).")]


def fail(message: str, code: int = wire.EXIT_BAD_INPUT) -> NoReturn:
    render.error(message)
    raise typer.Exit(code)


@contextmanager
def input_checked() -> Iterator[None]:
    """An InputError (assistant.interface.query_input) inside is the command's one-line error."""
    try:
        yield
    except InputError as error:
        fail(str(error))


@app.command()
def ask(
    query: Annotated[Optional[list[str]], typer.Argument(help="The error, traceback, question or code; '-' reads stdin.")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="Read the query from a file.")] = None,
    k: Annotated[str, typer.Option("-k", metavar="N", help=f"How many ranked matches to show (1 to {MAX_K}).")] = str(DEFAULT_K),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (see docs/json.md).")] = False,
    batch: Annotated[bool, typer.Option("--batch", help='Read JSON lines {"q": ...} from stdin, answer each.')] = False,
    run: Annotated[bool, typer.Option("--run", help="For pasted code: when its checks and its abstract run decide nothing, run it for real in the sandbox and look up the error it raises.")] = False,
    index: IndexOption = None,
    model: ModelOption = None,
    python: PythonOption = None,
) -> None:
    """Find the explanation and fix for an error (through `kb serve` when one is up)."""
    from assistant.interface.client import Answerer, IndexUnusable, QueryRefused

    answerer = Answerer(index, model, lambda: _open_engine(index, model, quiet=as_json or batch))
    with input_checked():
        count = k_option(k)
        text = "" if batch else read_query(query or [], file, stdin_bytes())
    if batch:
        raise typer.Exit(_answer_batch(answerer, count))
    try:
        answer = answerer.ask(text, count)  # pasted code: its detectors, then its abstract run
        if run and answer["match"] != "confident":
            answer = _answer_by_running(answerer, answer, text, count, python)
    except QueryRefused as error:
        fail(str(error))
    except IndexUnusable as error:
        fail(str(error), wire.EXIT_INDEX)
    if as_json:
        print(wire.dumps(answer))
    else:
        if note := (answer.get("code") or {}).get("note"):
            render.out.print(render.line(("code: ", "dim"), (note, "bold")), soft_wrap=True)
        render.answer(answer)
        if "interpreter" in answer:
            render.ran_with(answer["interpreter"])
        _environment_findings(answer, text, python)
    raise typer.Exit(wire.ask_exit_code(answer))


def _environment_findings(answer: dict, text: str, python: str | None) -> None:
    """After an answer about the environment, what `kb doctor` finds in the interpreter that matters to it."""
    from assistant.environment.doctor import DOCTOR_ENTRIES, run_doctor

    answered = {result["id"] for result in answer["results"]} if answer["match"] != "none" else set()
    if answered & DOCTOR_ENTRIES:
        render.doctor_findings(run_doctor(_interpreter(python), text), answered)


def _answer_by_running(answerer, answer: dict, text: str, k: int, python: str | None) -> dict:
    """`kb ask --run` when what the code shows unrun decided nothing: run it for real in the sandbox
    and answer the error it raises, saying which interpreter and torch ran it."""
    from assistant.answering.code_query import ran_evidence
    from assistant.environment.doctor import ran_with
    from assistant.repair.probe import MissingPackage, error_of_code

    interpreter = _interpreter(python)
    try:
        raised = error_of_code(text, python=interpreter.python)
    except MissingPackage as missing:
        fail(str(missing))
    if raised is not None:
        answer = {**answerer.ask_error(raised, k), "code": ran_evidence(raised, text).to_json()}
    return {**answer, "interpreter": ran_with(interpreter.python)}  # objects only grow: new fields


@app.command()
def doctor(
    python: PythonOption = None,
    error: Annotated[Optional[str], typer.Option("--error", help="An error message: which findings explain it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (see docs/json.md).")] = False,
) -> None:
    """Inspect the interpreter that runs your code, in the sandbox: torch build, CUDA, NumPy, torchvision.
    Exit code 0 when nothing is wrong, 1 when a problem was found."""
    from assistant.environment.doctor import run_doctor

    report = run_doctor(_interpreter(python), error)
    if as_json:
        print(wire.dumps(report.to_json()))
    else:
        render.doctor_report(report)
    raise typer.Exit(wire.EXIT_NOT_FOUND if report.problems or report.probe_failure else wire.EXIT_OK)


@app.command()
def checkpoint(
    file: Annotated[Path, typer.Argument(help="The checkpoint file (.pt, .pth, .ckpt, .bin).")],
    model: Annotated[Optional[str], typer.Option("--model", metavar="FILE.py:Class",
                                                 help="Compare with this model (built with no arguments) and write loading code.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (see docs/json.md).")] = False,
    python: PythonOption = None,
) -> None:
    """Say what a checkpoint file is, opened in the sandbox (weights_only first). Exit code 0 when it
    holds loadable weights (and, with --model, proven loading code), 1 when it does not."""
    from assistant.repair.checkpoint import CheckpointError, ModelSpec, inspect_checkpoint

    try:
        report = inspect_checkpoint(file, ModelSpec.parse(model) if model else None, python=_interpreter(python).python)
    except CheckpointError as error:
        fail(str(error))
    if as_json:
        print(wire.dumps(report.to_json()))
    else:
        render.checkpoint_report(report)
    raise typer.Exit(wire.EXIT_OK if report.usable else wire.EXIT_NOT_FOUND)


def _interpreter(python: str | None):  # -> assistant.environment.Interpreter
    """The user's interpreter for running code; a bad --python or KB_PYTHON is one line and exit code 2."""
    from assistant.environment.interpreter import InterpreterError, resolve

    try:
        return resolve(python)
    except InterpreterError as error:
        fail(str(error))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of Markdown / plain-text documents.")],
    index: IndexOption = None,
    model: ModelOption = None,
    sync: Annotated[bool, typer.Option("--sync", help="Also drop indexed documents under these folders that are gone.")] = False,
    faiss_index: Annotated[Optional[Literal["auto", "flat", "ivf", "hnsw"]], typer.Option(
        "--faiss-index", help="FAISS index type of this index from now on (auto: by size; env KB_FAISS_INDEX wins).")] = None,
) -> None:
    """Add your own troubleshooting documents to an index."""
    from kb.ingest import discover
    from kb.ingest import ingest as run_ingest

    files, missing = discover(paths)
    for path, reason in missing:
        render.error(f"{path}: {reason}")
    if missing and not files:
        raise typer.Exit(wire.EXIT_BAD_INPUT)
    engine = _open_engine(index, model, quiet=False, create=True)
    if faiss_index is not None:
        engine.store.set_vector_index_kind(faiss_index)
    prefixes = [str(p.resolve()) + "/" for p in paths if p.is_dir()] if sync else []
    with render.progress("Embedding") as advance:
        report = run_ingest(engine.store, files, engine.embedder, remove_missing_under=prefixes, progress=advance)
    render.ingest_report(report)
    raise typer.Exit(wire.EXIT_BAD_INPUT if report.failed or missing else wire.EXIT_OK)


@app.command()
def remove(
    paths: Annotated[list[str], typer.Argument(help="Documents or folders to drop from the index.")],
    index: IndexOption = None,
    model: ModelOption = None,
) -> None:
    """Drop documents from an index."""
    from kb.ingest import remove as run_remove

    gone = run_remove(_open_store(index, model), paths)
    if not gone:
        fail("nothing in the index matches " + ", ".join(paths), wire.EXIT_NOT_FOUND)
    render.removed(gone)


@app.command()
def info(index: IndexOption = None, model: ModelOption = None) -> None:
    """Show where the index is and what it holds."""
    store = _open_store(index, model)
    documents, chunks = store.counts()
    render.info(store.directory, store.meta(), documents, chunks)


@app.command()
def serve(
    index: IndexOption = None,
    model: ModelOption = None,
    socket: Annotated[Optional[Path], typer.Option("--socket", help="Unix socket (default: INDEX/kb.sock).")] = None,
    tcp: Annotated[Optional[str], typer.Option("--tcp", help="Listen on a loopback HOST:PORT instead.")] = None,
    idle_timeout: Annotated[float, typer.Option("--idle-timeout", min=0.1, help="Close a connection idle this many seconds.")] = 30.0,
) -> None:
    """Keep the index and model loaded and answer `kb ask` (and fix requests) over a local socket."""
    from assistant.interface import server
    from assistant.interface.client import loopback_address
    from assistant.interface.listener import Limits

    if socket is not None and tcp is not None:
        fail("give --socket or --tcp, not both")
    try:
        address = loopback_address(tcp) if tcp is not None else None
    except ValueError as error:
        fail(str(error))
    engine = _open_engine(index, model, quiet=False)
    try:
        server.serve(engine, socket_path=socket, tcp=address, limits=Limits(idle_timeout_s=idle_timeout),
                     ready=lambda where: print(f"listening on {where}", flush=True))
    except server.ServerError as error:
        fail(str(error))
    # Requests still running in the pool's daemon threads are abandoned by design; interpreter
    # finalization would end such a thread inside native code, which aborts (SIGABRT), so stop here.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(wire.EXIT_OK)


@app.command("check-corpus")
def check_corpus(
    ids: Annotated[Optional[list[str]], typer.Argument(help="Entry ids to check (default: all).")] = None,
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Corpus folder (default: the shipped one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"entries": [{"id", "status", "reason"}]}.')] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16, help="Examples run in parallel.")] = 2,
    python: PythonOption = None,
) -> None:
    """Run every entry's broken and fixed examples and check they behave as documented."""
    from kb.documents import DocumentError, read_document
    from kb.ingest import shipped_corpus_dir

    from assistant.repair.corpus_check import check_corpus as run_checks

    try:
        documents = [read_document(p) for p in sorted((corpus or shipped_corpus_dir()).glob("*.md"))]
    except DocumentError as error:
        fail(str(error))
    if ids:
        unknown = set(ids) - {d.doc_id for d in documents}
        if unknown:
            fail("no such entry: " + ", ".join(sorted(unknown)))
        documents = [d for d in documents if d.doc_id in ids]
    from assistant.environment.doctor import ran_with

    interpreter = _interpreter(python)
    results = run_checks(documents, workers=workers, python=interpreter.python)
    ran = ran_with(interpreter.python)
    if as_json:
        print(wire.dumps({"entries": [r.to_json() for r in results], "interpreter": ran}))
    else:
        render.corpus_checks(results)
        render.ran_with(ran)
    raise typer.Exit(wire.EXIT_NOT_FOUND if any(r.status == "failed" for r in results) else wire.EXIT_OK)


@app.command()
def fix(
    script: Annotated[str, typer.Argument(help="The script to fix; '-' reads the code from stdin.")],
    error: Annotated[Optional[str], typer.Option("--error", help="The error text (instead of running the script).")] = None,
    traceback: Annotated[Optional[Path], typer.Option("--traceback", help="A file holding the error's traceback.")] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Run the patched code in the sandbox and report.")] = False,
    iterate: Annotated[bool, typer.Option("--iterate", help="While the patched code raises a new error, fix that too.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Apply the patch to the file (keeping FILE.orig).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (see docs/json.md).")] = False,
    index: IndexOption = None,
    model: ModelOption = None,
    python: PythonOption = None,
) -> None:
    """Patch a script for its error with the matching entry's fix, and prove it in the sandbox
    (through `kb serve` when one is up, with its warm sandbox). The exit code and the verdict shown
    both come from the report's verdict."""
    if error is not None and traceback is not None:
        fail("give the error with --error or with --traceback, not both")
    if write and script == "-":
        fail("--write needs a file, not stdin")
    with input_checked():
        raw = sys.stdin.buffer.read() if script == "-" else read_file(Path(script))
        source = decode(raw, "stdin" if script == "-" else script)
        error_text = decode(read_file(traceback), str(traceback)) if traceback is not None else error
    request = {"source": source, "error": error_text, "verify": verify or iterate, "iterate": iterate,
               "filename": "script.py" if script == "-" else Path(script).name,
               "python": _interpreter(python).python}
    report = _fix_through_server(index, model, request, human=not as_json) or _fix_in_process(
        index, model, request, quiet=as_json)
    written = _write_patched(Path(script), raw, report.patched) if write and report.patched else None  # here, never by a server
    if as_json:
        print(wire.dumps(report.to_json()))
    else:
        render.fix_report(report, written)
    raise typer.Exit(wire.fix_exit_code(report.verdict, verify_asked=verify or iterate))


def _fix_through_server(index: Path | None, model: Path | None, request: dict, *, human: bool):
    """The report of the server for this index (an assistant.interface.fix_reply.FixReply), or None
    when none is up: the same report as in process, made with the server's warm sandbox."""
    from assistant.interface.client import QueryRefused, fix_through_server
    from assistant.interface.fix_reply import FixReply

    try:
        reply = fix_through_server(index, model, {**request, "render": human})
    except QueryRefused as refused:
        fail(str(refused))
    try:
        return FixReply.from_reply(reply) if reply is not None else None
    except (KeyError, TypeError, ValueError):  # not a report this client can read: fix in process instead
        return None


def _fix_in_process(index: Path | None, model: Path | None, request: dict, *, quiet: bool):
    """The fix made here (an assistant.repair.fix.FixReport): the engine opened, a sandbox started."""
    from assistant.answering.query import QueryError
    from assistant.repair.fix import fix_source

    engine = _open_engine(index, model, quiet=quiet)
    try:
        return fix_source(request["source"], engine=engine, error_text=request["error"], verify=request["verify"],
                          iterate=request["iterate"], filename=request["filename"], python=request["python"])
    except QueryError as problem:
        fail(str(problem))


@app.command()
def lint(
    paths: Annotated[list[Path], typer.Argument(help="Python files, or directories to walk for *.py files.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (see docs/json.md).")] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the fix where a recipe exists, only once running it proves it (kb fix --write --verify).")] = False,
    index: IndexOption = None,
    model: ModelOption = None,
    python: PythonOption = None,
) -> None:
    """Find the situations corpus entries recognise in code, as path:line:col: KB-<entry> message.
    Exit 1 when there are findings, 0 when none, 2 for bad input."""
    from assistant.interface.lint_command import lint as lint_files, verified_fixer

    fixer = verified_fixer(lambda: _open_engine(index, model, quiet=True), _interpreter(python).python) if fix else None
    raise typer.Exit(lint_files(paths, as_json=as_json, fixer=fixer))


def _write_patched(path: Path, original: bytes, patched: str) -> Path:
    from assistant.interface.patch_file import WriteRefused, write_patched

    try:
        return write_patched(path, original, patched)
    except WriteRefused as refused:
        fail(str(refused))


def _open_store(index: Path | None, model: Path | None):
    """The index alone, for commands that neither embed nor answer (remove, info): no engine, and
    no first-use build of the default index."""
    from kb.embedding import SentenceTransformerEmbedder
    from kb.locations import default_index_dir
    from kb.store import Store, StoreError

    try:
        return Store.open(index or default_index_dir(), model=SentenceTransformerEmbedder(model).name)
    except StoreError as error:
        fail(str(error), wire.EXIT_INDEX)


def _open_engine(index: Path | None, model: Path | None, *, quiet: bool, create: bool = False):
    from kb.embedding import ModelError, SentenceTransformerEmbedder
    from kb.store import StoreError

    from assistant.answering.engine import Engine

    try:
        embedder = SentenceTransformerEmbedder(model)
        with render.progress("Building the index from the shipped corpus", quiet=quiet) as advance:
            return Engine.open(index, embedder=embedder, progress=advance, create=create)
    except (StoreError, ModelError) as error:
        fail(str(error), wire.EXIT_INDEX)


def _answer_batch(answerer, k: int) -> int:  # answerer: assistant.interface.client.Answerer
    """One JSON object per input line: its answer, or {"error": "line N: ..."}; 2 if any line failed."""
    from assistant.interface.client import IndexUnusable, QueryRefused

    status = wire.EXIT_OK
    for number, line in enumerate(stdin_bytes() or (), 1):
        if not line.strip():
            continue
        try:
            request = batch_line(line, k)
            output = answerer.ask(request.text, request.k)
        except (InputError, QueryRefused) as error:
            output, status = wire.batch_error(number, str(error)), wire.EXIT_BAD_INPUT
        except IndexUnusable as error:
            fail(str(error), wire.EXIT_INDEX)
        print(wire.dumps(output), flush=True)
    return status

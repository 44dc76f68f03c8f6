"""`kb`: the command line over the assistant library. Each command parses its options, calls the
library and renders; nothing here knows how retrieval works.

Exit codes: 0 a confident match (or success), 1 no confident match, 2 bad input or usage,
3 the index or model cannot be used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal, NoReturn, Optional

import typer

from assistant.interface import render

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
EXIT_NO_MATCH, EXIT_BAD_INPUT, EXIT_INDEX = 1, 2, 3


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    render.error(message)
    raise typer.Exit(code)


@app.command()
def ask(
    query: Annotated[Optional[list[str]], typer.Argument(help="The error, traceback, question or code; '-' reads stdin.")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="Read the query from a file.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="How many ranked matches to show.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (see docs/json.md).")] = False,
    batch: Annotated[bool, typer.Option("--batch", help='Read JSON lines {"q": ...} from stdin, answer each.')] = False,
    run: Annotated[bool, typer.Option("--run", help="For pasted code: run it in the sandbox and look up the error it raises.")] = False,
    index: IndexOption = None,
    model: ModelOption = None,
) -> None:
    """Find the explanation and fix for an error (through `kb serve` when one is up)."""
    from assistant.interface.client import Answerer
    from assistant.answering.query import QueryError

    answerer = Answerer(index, model, lambda: _open_engine(index, model, quiet=as_json or batch))
    if batch:
        raise typer.Exit(_answer_batch(answerer, k))
    text = _read_query(query, file)
    try:
        if run:
            from assistant.repair.probe import error_of_code

            text = error_of_code(text) or text
        answer = answerer.ask(text, k)
    except QueryError as error:
        fail(str(error))
    if as_json:
        print(json.dumps(answer, ensure_ascii=False))
    else:
        render.answer(answer)
    raise typer.Exit(0 if answer["match"] == "confident" else EXIT_NO_MATCH)


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
    from kb.store import Store

    files, missing = discover(paths)
    for path, reason in missing:
        render.error(f"{path}: {reason}")
    if missing and not files:
        raise typer.Exit(EXIT_BAD_INPUT)
    engine = _open_engine(index, model, quiet=False, create=True)
    if faiss_index is not None:
        engine.store.set_vector_index_kind(faiss_index)
    prefixes = [str(p.resolve()) + "/" for p in paths if p.is_dir()] if sync else []
    with render.progress("Embedding") as advance:
        report = run_ingest(engine.store, files, engine.embedder, remove_missing_under=prefixes, progress=advance)
    render.ingest_report(report)
    raise typer.Exit(EXIT_BAD_INPUT if report.failed or missing else 0)


@app.command()
def remove(
    paths: Annotated[list[str], typer.Argument(help="Documents or folders to drop from the index.")],
    index: IndexOption = None,
    model: ModelOption = None,
) -> None:
    """Drop documents from an index."""
    from kb.ingest import remove as run_remove

    engine = _open_engine(index, model, quiet=True)
    gone = run_remove(engine.store, paths)
    if not gone:
        fail("nothing in the index matches " + ", ".join(paths), EXIT_NO_MATCH)
    render.removed(gone)


@app.command()
def info(index: IndexOption = None, model: ModelOption = None) -> None:
    """Show where the index is and what it holds."""
    engine = _open_engine(index, model, quiet=True)
    documents, chunks = engine.store.counts()
    meta = engine.store.meta()
    render.info(engine.store.directory, meta, documents, chunks)


@app.command()
def serve(
    index: IndexOption = None,
    model: ModelOption = None,
    socket: Annotated[Optional[Path], typer.Option("--socket", help="Unix socket (default: INDEX/kb.sock).")] = None,
    tcp: Annotated[Optional[str], typer.Option("--tcp", help="Listen on a loopback HOST:PORT instead.")] = None,
) -> None:
    """Keep the index and model loaded and answer `kb ask` (and fix requests) over a local socket."""
    from assistant.interface import server
    from assistant.interface.client import loopback_address

    if socket is not None and tcp is not None:
        fail("give --socket or --tcp, not both")
    try:
        address = loopback_address(tcp) if tcp is not None else None
    except ValueError as error:
        fail(str(error))
    engine = _open_engine(index, model, quiet=False)
    try:
        server.serve(engine, socket_path=socket, tcp=address, ready=lambda where: print(f"listening on {where}", flush=True))
    except server.ServerError as error:
        fail(str(error))


@app.command("check-corpus")
def check_corpus(
    ids: Annotated[Optional[list[str]], typer.Argument(help="Entry ids to check (default: all).")] = None,
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Corpus folder (default: the shipped one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"entries": [{"id", "status", "reason"}]}.')] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16, help="Examples run in parallel.")] = 2,
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
    results = run_checks(documents, workers=workers)
    if as_json:
        print(json.dumps({"entries": [r.to_json() for r in results]}, ensure_ascii=False))
    else:
        render.corpus_checks(results)
    raise typer.Exit(EXIT_NO_MATCH if any(r.status == "failed" for r in results) else 0)


@app.command()
def fix(
    script: Annotated[str, typer.Argument(help="The script to fix; '-' reads the code from stdin.")],
    error: Annotated[Optional[str], typer.Option("--error", help="The error text (instead of running the script).")] = None,
    traceback: Annotated[Optional[Path], typer.Option("--traceback", help="A file holding the error's traceback.")] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Run the patched code in the sandbox and report.")] = False,
    iterate: Annotated[bool, typer.Option("--iterate", help="While the patched code raises a new error, fix that too.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Apply the patch to the file (keeping FILE.orig).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (error, entry, recipe, patch, ...).")] = False,
    index: IndexOption = None,
    model: ModelOption = None,
) -> None:
    """Patch a script for its error with the matching entry's fix, and prove it in the sandbox."""
    from assistant.repair.fix import fix_source
    from assistant.answering.query import QueryError

    if error is not None and traceback is not None:
        fail("give the error with --error or with --traceback, not both")
    if write and script == "-":
        fail("--write needs a file, not stdin")
    source = _decode(sys.stdin.buffer.read(), "stdin") if script == "-" else _decode(_read_bytes(Path(script)), script)
    error_text = _decode(_read_bytes(traceback), str(traceback)) if traceback is not None else error
    engine = _open_engine(index, model, quiet=as_json)
    filename = "script.py" if script == "-" else Path(script).name
    try:
        report = fix_source(source, engine=engine, error_text=error_text, verify=verify or iterate, iterate=iterate,
                            filename=filename)
    except QueryError as problem:
        fail(str(problem))
    written = _write_patched(Path(script), report.patched) if write and report.patched else None
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        render.fix_report(report, written)
    proven = report.verified or not (verify or iterate)
    raise typer.Exit(0 if report.patched is not None and proven else EXIT_NO_MATCH)


def _write_patched(path: Path, patched: str) -> Path:
    """The user's file gets the patch; the original is kept next to it as FILE.orig."""
    backup = path.with_name(path.name + ".orig")
    try:
        backup.write_bytes(path.read_bytes())
        path.write_text(patched, encoding="utf-8")
    except OSError as error:
        fail(f"{path}: cannot write ({error.strerror})")
    return path


def _open_engine(index: Path | None, model: Path | None, *, quiet: bool, create: bool = False):
    from kb.embedding import ModelError, SentenceTransformerEmbedder
    from kb.store import Store, StoreError

    from assistant.answering.engine import Engine

    try:
        embedder = SentenceTransformerEmbedder(model)
        if create and index is not None and not (index / "kb.sqlite").exists():
            Store.create(index, model=embedder.name, dim=embedder.dim)
        with render.progress("Building the index from the shipped corpus", quiet=quiet) as advance:
            return Engine.open(index, embedder=embedder, progress=advance)
    except (StoreError, ModelError) as error:
        fail(str(error), EXIT_INDEX)


def _read_query(words: list[str] | None, file: Path | None) -> str:
    if file is not None:
        if words:
            fail("give the query as arguments or with --file, not both")
        return _decode(_read_bytes(file), str(file))
    if not words or words == ["-"]:
        if sys.stdin is None or (sys.stdin.isatty() and not words):
            fail("no query: pass it as arguments, with --file, or on stdin")
        return _decode(sys.stdin.buffer.read(), "stdin")
    return " ".join(words)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        fail(f"{path}: cannot read ({error.strerror})")


def _decode(raw: bytes, where: str) -> str:
    if b"\x00" in raw:
        fail(f"{where}: binary data, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        fail(f"{where}: not UTF-8 text (byte {error.start})")


def _answer_batch(answerer, k: int) -> int:  # answerer: assistant.interface.client.Answerer
    from assistant.answering.query import QueryError

    status = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            text = request["q"] if isinstance(request, dict) else None
            if not isinstance(text, str):
                raise ValueError
            output = answerer.ask(text, request.get("k", k))
        except QueryError as error:
            output, status = {"error": f"line {number}: {error}"}, EXIT_BAD_INPUT
        except (ValueError, KeyError):
            output, status = {"error": f'line {number}: expected a JSON object {{"q": "..."}}'}, EXIT_BAD_INPUT
        print(json.dumps(output, ensure_ascii=False), flush=True)
    return status

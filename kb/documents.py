"""Troubleshooting documents and the parsers for the formats users have.

Two formats arrive: Markdown with YAML front matter (our corpus entries, and documents exported from
Q&A sites), and plain-text forum threads (a title line, then the question and the replies, with code
pasted unfenced). Both are parsed into one `Document` whose body is Markdown with fenced code, so that
chunking, indexing and answering never need to know where a document came from.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from kb.patterns import ErrorPattern, PatternError

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt"}
MAX_DOCUMENT_BYTES = 2_000_000

_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(\d+[.)]|[-*•])\s")
_CODE_LINE = re.compile(
    r"^(\s{2,}\S|\t|(class|def|import|from|return|for|while|if|elif|else|with|try|except|print|"
    r"@\w)\b|[\w.\[\]]+\s*(=|\+=|-=)\s*\S|[\w.]+\(.*\)\s*$|\)|\])"
)


class DocumentError(ValueError):
    """A document cannot be read or parsed; the message is one line for the user."""


@dataclass(frozen=True)
class Block:
    """A paragraph of prose or a whole code block: the unit chunking never cuts."""

    text: str
    is_code: bool


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    source: str
    body: str
    content_hash: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def patterns(self) -> tuple[ErrorPattern, ...]:
        return tuple(ErrorPattern(text) for text in self.meta.get("errors") or ())

    @property
    def is_entry(self) -> bool:
        """Curated entries carry a `kind`; ingested Q&A pages usually do not."""
        return "kind" in self.meta

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        """Split once: an answer reads several sections of the same entry."""
        return split_sections(self.body)

    def section(self, name: str) -> Section | None:
        wanted = name.lower()
        return next((s for s in self.sections if s.heading.lower() == wanted), None)


def read_document(path: Path) -> Document:
    """Read and parse one file, turning every way it can be unreadable into a `DocumentError`."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"{path}: cannot read ({error.strerror})") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{path}: too large ({len(raw):,} bytes, limit {MAX_DOCUMENT_BYTES:,})")
    if b"\x00" in raw:
        raise DocumentError(f"{path}: binary file, not a text document")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentError(f"{path}: not UTF-8 text (byte {error.start})") from None
    digest = hashlib.sha256(raw).hexdigest()
    if text.lstrip("\ufeff").startswith("---"):
        return parse_markdown(text, source=str(path), content_hash=digest)
    if path.suffix.lower() in {".md", ".markdown"}:
        return parse_markdown(text, source=str(path), content_hash=digest)
    return parse_thread(text, source=str(path), content_hash=digest)


def parse_markdown(text: str, *, source: str, content_hash: str = "") -> Document:
    meta, body = _split_front_matter(text.lstrip("\ufeff"), source)
    _check_meta(meta, source)
    first_heading = next((m.group(2) for m in map(_HEADING.match, body.splitlines()) if m), None)
    title = str(meta.get("title") or first_heading or Path(source).stem).strip()
    doc_id = str(meta.get("id") or Path(source).stem)
    return Document(doc_id, title, source, body.strip(), content_hash or _hash(text), meta)


def parse_thread(text: str, *, source: str, content_hash: str = "") -> Document:
    """A forum thread in plain text: the first line is the title; unfenced code is fenced here."""
    lines = text.lstrip("\ufeff").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise DocumentError(f"{source}: empty document")
    title = lines[0].strip()
    paragraphs = [p for p in re.split(r"\n\s*\n", "\n".join(lines[1:])) if p.strip()]
    merged: list[Block] = []
    for paragraph in paragraphs:
        is_code = _looks_like_code(paragraph)
        if is_code and merged and merged[-1].is_code:
            merged[-1] = Block(merged[-1].text + "\n\n" + paragraph.rstrip(), True)
        else:
            merged.append(Block(paragraph.rstrip() if is_code else paragraph.strip(), is_code))
    body = "\n\n".join(f"```python\n{b.text}\n```" if b.is_code else b.text for b in merged)
    return Document(Path(source).stem, title, source, body, content_hash or _hash(text), {})


def split_sections(body: str) -> tuple[Section, ...]:
    """Split Markdown into sections by heading, and each section into prose and whole code blocks."""
    sections: list[Section] = []
    heading, blocks, paragraph, code = "", [], [], None
    for line in body.splitlines():
        if code is not None:
            code.append(line)
            if _FENCE.match(line.strip()):
                blocks.append(Block("\n".join(code), True))
                code = None
        elif _FENCE.match(line.strip()):
            _flush(paragraph, blocks)
            code = [line]
        elif match := _HEADING.match(line):
            _flush(paragraph, blocks)
            if blocks or heading:
                sections.append(Section(heading, tuple(blocks)))
            heading, blocks = match.group(2), []
        elif not line.strip():
            _flush(paragraph, blocks)
        else:
            paragraph.append(line)
    if code is not None:  # an unclosed fence keeps the rest of the document as code
        blocks.append(Block("\n".join(code), True))
    _flush(paragraph, blocks)
    if blocks or heading:
        sections.append(Section(heading, tuple(blocks)))
    return tuple(sections)


def code_of(block: Block) -> str:
    """The code inside a fenced block, without the fences."""
    lines = block.text.splitlines()
    return "\n".join(lines[1:-1] if len(lines) > 1 and _FENCE.match(lines[-1].strip()) else lines[1:])


def _flush(paragraph: list[str], blocks: list[Block]) -> None:
    if paragraph:
        blocks.append(Block("\n".join(paragraph), False))
        paragraph.clear()


def _split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        return {}, text
    import yaml  # only parsing needs it; answering a query from the index does not

    parts = re.split(r"^---\s*$", text, maxsplit=2, flags=re.M)
    if len(parts) < 3:
        raise DocumentError(f"{source}: front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load(parts[1]) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise DocumentError(f"{source}: malformed front matter{where}") from None
    if not isinstance(meta, dict):
        raise DocumentError(f"{source}: front matter must be a mapping of keys to values")
    return meta, parts[2]


def _check_meta(meta: dict[str, Any], source: str) -> None:
    errors = meta.get("errors") or []
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        raise DocumentError(f"{source}: 'errors' must be a list of message patterns")
    for text in errors:
        try:
            ErrorPattern(text).regex
        except PatternError as error:
            raise DocumentError(f"{source}: {error}") from None
    for key in ("tags", "recipes", "detectors"):
        if not isinstance(meta.get(key) or [], list):
            raise DocumentError(f"{source}: '{key}' must be a list")


def _looks_like_code(paragraph: str) -> bool:
    lines = [line for line in paragraph.splitlines() if line.strip()]
    code_lines = sum(bool(_CODE_LINE.match(line)) and not _LIST_ITEM.match(line) for line in lines)
    return code_lines >= max(1, (len(lines) + 1) // 2) and not paragraph.rstrip().endswith("?")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

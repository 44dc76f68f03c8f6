"""Split documents into retrieval chunks.

A chunk is a run of whole blocks from one section: a code block is never cut, because half a
fix is worse than none, and every chunk carries its document's title and section heading so that
it can be understood (and embedded) on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.documents import Block, Document

MAX_CHUNK_CHARS = 1200


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    heading: str
    text: str

    def embedding_text(self, title: str) -> str:
        return "\n".join(part for part in (title, self.heading, self.text) if part)


def chunk_document(document: Document, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    if document.patterns:  # the messages an entry explains are its strongest lexical signal
        messages = "\n".join(p.text for p in document.patterns)
        chunks.append(Chunk(0, "Error messages", messages))
    for section in document.sections:
        for group in _group_blocks(section.blocks, max_chars):
            text = "\n\n".join(block.text for block in group)
            chunks.append(Chunk(len(chunks), section.heading, text))
    return chunks


def _group_blocks(blocks: tuple[Block, ...], max_chars: int) -> list[list[Block]]:
    """Pack consecutive blocks up to max_chars; an oversized block stands alone, whole."""
    groups: list[list[Block]] = []
    size = 0
    for block in blocks:
        if groups and size + len(block.text) <= max_chars:
            groups[-1].append(block)
            size += len(block.text) + 2
        else:
            groups.append([block])
            size = len(block.text)
    return groups

"""Vectors of the shipped corpus, built ahead of time and installed with the package, so that the
first `kb ask` on a fresh install builds its index without embedding the whole corpus (minutes on a
laptop's CPU).

Each vector is keyed by the SHA-256 of the exact text that is embedded for a chunk (title, heading
and chunk text), and the file records the model and dimension it was made with, plus the vector
of a fixed probe sentence. An index build takes a shipped vector only where its key matches, the
model name and dimension match, and the model in hand embeds the probe to the same vector: a
corpus change or another model therefore makes first use slower (the rest is embedded), never
wrong. tests/test_shipped_vectors.py checks the shipped file against the corpus and the model, and
names the command that rebuilds it: `BUILD_COMMAND`.

The matrix is float16 (half the size of float32; the rounding moves a cosine by about 1e-4) in
row order of the manifest, which lists chunks by source and ordinal; every vector is computed from
its text alone, so rebuilding from the same corpus and model writes the same bytes, and a rebuild
embeds only the chunks that changed.

numpy is imported where vectors are handled, not here: DATA_DIR is read by code that must stay
light (an exact error signature is answered without loading numpy).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.chunking import chunk_document
from kb.documents import read_document
from kb.embedding import Embedder

if TYPE_CHECKING:
    import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
MATRIX_FILE = "corpus_vectors.npy"
MANIFEST_FILE = "corpus_vectors.json"
BUILD_COMMAND = ".venv/bin/python scripts/build_corpus_vectors.py"
FORMAT = 1
PROBE_TEXT = "RuntimeError: mat1 and mat2 shapes cannot be multiplied (32x512 and 128x10)"
PROBE_AGREEMENT = 0.999  # cosine between the shipped and the live probe vector; float16 keeps ~0.99995


def chunk_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CorpusChunk:
    source: str
    ordinal: int
    text: str  # what is embedded: title, heading and chunk text

    @property
    def key(self) -> str:
        return chunk_key(self.text)


def corpus_chunks(files: Iterable[tuple[Path, str]]) -> list[CorpusChunk]:
    """Every chunk of these (path, source) files as the index embeds it, by source and ordinal."""
    chunks = []
    for path, source in sorted(files, key=lambda item: item[1]):
        document = read_document(path)
        chunks.extend(CorpusChunk(source, c.ordinal, c.embedding_text(document.title)) for c in chunk_document(document))
    return chunks


@dataclass(frozen=True)
class ShippedVectors:
    model: str
    dim: int
    rows: dict[str, int]  # chunk key -> row of matrix
    matrix: np.ndarray  # float16, one unit vector per manifest chunk, then the probe's
    manifest: dict

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> "ShippedVectors | None":
        """The shipped vectors, or None when they are missing or unreadable (then all is embedded)."""
        import numpy as np

        try:
            manifest = json.loads((directory / MANIFEST_FILE).read_text())
            matrix = np.load(directory / MATRIX_FILE, allow_pickle=False)
            chunks, dim = manifest["chunks"], int(manifest["dim"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if manifest.get("format") != FORMAT or matrix.shape != (len(chunks) + 1, dim):
            return None
        rows = {key: row for row, (_, _, key) in enumerate(chunks)}
        return cls(str(manifest["model"]), dim, rows, matrix, manifest)

    def covers(self, text: str) -> bool:
        return chunk_key(text) in self.rows

    def vector(self, text: str) -> np.ndarray | None:
        row = self.rows.get(chunk_key(text))
        return None if row is None else _unit(self.matrix[row])

    def agrees_with(self, embedder: Embedder) -> bool:
        """Whether these vectors were made by this model: same name and dimension, and the probe
        sentence embeds to the same vector (a model swapped under the same name fails here)."""
        if embedder.name != self.model or embedder.dim != self.dim:
            return False
        live = embedder.embed([PROBE_TEXT])[0]
        return float(live @ _unit(self.matrix[-1])) >= PROBE_AGREEMENT


def build(files: Iterable[tuple[Path, str]], embedder: Embedder,
          previous: ShippedVectors | None = None) -> tuple[dict, np.ndarray]:
    """The manifest and float16 matrix for these corpus files, embedded with `embedder`.

    Each text is embedded on its own, so its vector depends on nothing but the text: the rows of a `previous` build by the same model are
    reused as they are, a rebuild after editing a few entries embeds only their changed chunks,
    and the bytes are those a full build would write."""
    import numpy as np

    chunks = corpus_chunks(files)
    reusable = previous if previous is not None and previous.agrees_with(embedder) else None
    rows: dict[str, np.ndarray] = {}
    for chunk in chunks:
        if chunk.key in rows:
            continue
        if reusable is not None and chunk.key in reusable.rows:
            rows[chunk.key] = reusable.matrix[reusable.rows[chunk.key]]
        else:
            rows[chunk.key] = _embedded(embedder, chunk.text)
    matrix = np.stack([rows[c.key] for c in chunks] + [_embedded(embedder, PROBE_TEXT)])
    manifest = {
        "format": FORMAT, "model": embedder.name, "dim": int(embedder.dim), "dtype": "float16",
        "probe": PROBE_TEXT, "chunks": [[c.source, c.ordinal, c.key] for c in chunks],
    }
    return manifest, matrix


def write(manifest: dict, matrix: np.ndarray, directory: Path = DATA_DIR) -> None:
    import numpy as np

    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / MATRIX_FILE, matrix, allow_pickle=False)
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def staleness(files: Iterable[tuple[Path, str]], shipped: ShippedVectors | None, model: str, dim: int) -> list[str]:
    """What makes the shipped vectors out of date for this corpus and model; empty when current."""
    if shipped is None:
        return [f"no readable {MANIFEST_FILE} and {MATRIX_FILE} in {DATA_DIR}"]
    problems = []
    if (shipped.model, shipped.dim) != (model, dim):
        problems.append(f"built with {shipped.model} ({shipped.dim} dims), the model is {model} ({dim} dims)")
    wanted = [[c.source, c.ordinal, c.key] for c in corpus_chunks(files)]
    if wanted != shipped.manifest["chunks"]:
        have = {tuple(chunk) for chunk in shipped.manifest["chunks"]}
        changed = sorted({source for source, ordinal, key in wanted if (source, ordinal, key) not in have})
        gone = sorted({c[0] for c in shipped.manifest["chunks"]} - {source for source, _, _ in wanted})
        if changed:
            problems.append(f"chunks changed or new in {len(changed)} entries ({_some(changed)})")
        if gone:
            problems.append(f"{len(gone)} entries no longer in the corpus ({_some(gone)})")
        if not changed and not gone:
            problems.append("the chunks are listed in another order")
    return problems


def _some(names: list[str], shown: int = 3) -> str:
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _embedded(embedder: Embedder, text: str) -> np.ndarray:
    return embedder.embed([text])[0].astype("float16")


def _unit(row: np.ndarray) -> np.ndarray:
    vector = row.astype("float32")
    return vector / max(float((vector @ vector) ** 0.5), 1e-12)

"""Rebuild the shipped corpus vectors (kb/data/corpus_vectors.*) from corpus/ with the default model.

    .venv/bin/python scripts/build_corpus_vectors.py [--full]

Run it after changing the corpus (tests/test_shipped_vectors.py says when it is due) and commit
the two files it writes. Only chunks that are new or changed are embedded (--full: all of them);
nothing is written when the files are already current.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb import corpus_vectors  # noqa: E402
from kb.documents import DocumentError  # noqa: E402
from kb.embedding import ModelError, SentenceTransformerEmbedder  # noqa: E402
from kb.ingest import shipped_corpus_files  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the shipped corpus vectors.")
    parser.add_argument("--full", action="store_true", help="embed every chunk, reusing none of the current file")
    full = parser.parse_args().full
    files = shipped_corpus_files()
    shipped = corpus_vectors.ShippedVectors.load()
    try:
        embedder = SentenceTransformerEmbedder()
        problems = corpus_vectors.staleness(files, shipped, embedder.name, embedder.dim)
        if not full and not problems and shipped is not None and shipped.agrees_with(embedder):
            print(f"{corpus_vectors.DATA_DIR} is current ({len(shipped.rows)} chunks)")
            return
        started = time.perf_counter()
        manifest, matrix = corpus_vectors.build(files, embedder, previous=None if full else shipped)
    except (DocumentError, ModelError) as error:
        sys.exit(f"error: {error}")
    corpus_vectors.write(manifest, matrix)
    size = sum((corpus_vectors.DATA_DIR / name).stat().st_size
               for name in (corpus_vectors.MATRIX_FILE, corpus_vectors.MANIFEST_FILE))
    print(f"wrote {len(manifest['chunks'])} chunk vectors of {len(files)} entries to {corpus_vectors.DATA_DIR} "
          f"({size / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

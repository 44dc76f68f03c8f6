"""An index that fails while a command runs (not only when it opens) is one line and exit 3."""

import sqlite3
import subprocess
import sys
from pathlib import Path

from kb.ingest import ingest, shipped_corpus_files
from kb.store import Store

from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
USE_FAKE_MODEL = ("import sys\nfrom tests.fakes import FakeEmbedder\nimport kb.embedding\n"
                  "kb.embedding.SentenceTransformerEmbedder = lambda *a, **k: FakeEmbedder()\n"
                  "from assistant.interface.launcher import main\nsys.argv[0] = 'kb'\nmain()\n")


def test_a_search_that_hits_a_broken_table_is_one_line(tmp_path):
    directory = tmp_path / "index"
    embedder = FakeEmbedder()
    ingest(Store.create(directory, model=embedder.name, dim=embedder.dim), shipped_corpus_files()[:3], embedder)
    with sqlite3.connect(directory / "kb.sqlite") as db:
        db.execute("DROP TABLE chunks_fts")
    for args in (["ask", "--json", "--index", str(directory), "where should batchnorm go?"],
                 ["ask", "--index", str(directory), "where should batchnorm go?"]):
        environment = {"PYTHONPATH": str(ROOT), "KB_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
        result = subprocess.run([sys.executable, "-c", USE_FAKE_MODEL, *args], capture_output=True, text=True,
                                cwd=str(tmp_path), env=environment)
        assert result.returncode == 3, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr

"""BM25 over kb.tokens terms (Store.lexical_search), and indexes built under another term policy."""

from pathlib import Path

import pytest

from kb import tokens
from kb.ingest import discover, ingest
from kb.store import Store, StoreError

from tests.fakes import FakeEmbedder
from tests.test_index_failures import read_only_view  # noqa: F401  (a fixture)


def index_of(tmp_path: Path, documents: dict[str, tuple[str, str]]) -> Store:
    """An index of markdown documents given as name -> (title, body)."""
    folder = tmp_path / "docs"
    folder.mkdir(exist_ok=True)
    for name, (title, body) in documents.items():
        (folder / f"{name}.md").write_text(f"---\ntitle: {title}\n---\n## Notes\n\n{body}\n")
    store = Store.create(tmp_path / "index", model=FakeEmbedder.name, dim=FakeEmbedder.dim)
    ingest(store, discover([folder])[0], FakeEmbedder())
    return store


def ranked(store: Store, query: str) -> list[str]:
    return [Path(hit.source).stem for hit in store.lexical_search(query)]


def test_a_rare_term_outweighs_a_common_one(tmp_path):
    filler = {f"filler{i}": (f"note {i}", "tensor shapes and tensor values") for i in range(6)}
    store = index_of(tmp_path, filler | {"rare": ("note", "a quokka tensor"), "common": ("note", "tensor tensor values")})
    assert ranked(store, "tensor quokka")[0] == "rare"


def test_a_shorter_chunk_with_the_term_ranks_above_a_longer_one(tmp_path):
    padding = " ".join(f"word{i}" for i in range(80))
    store = index_of(tmp_path, {"short": ("note", "checkpoint keys"), "long": ("note", f"checkpoint keys {padding}")})
    assert ranked(store, "checkpoint") == ["short", "long"]


def test_a_term_in_the_title_weighs_more_than_in_the_body(tmp_path):
    store = index_of(tmp_path, {"titled": ("Dataloader workers", "notes here"),
                                "body": ("Some notes", "dataloader workers")})
    assert ranked(store, "dataloader")[0] == "titled"


def test_a_query_finds_other_inflections_of_its_words(tmp_path):
    store = index_of(tmp_path, {"padding": ("note", "padding a sequence before packing"),
                                "other": ("note", "unrelated optimizer state")})
    assert ranked(store, "padded sequences") == ["padding"]


def test_a_query_of_numbers_and_stopwords_finds_nothing(tmp_path):
    store = index_of(tmp_path, {"doc": ("note", "the 32 of 64")})
    assert store.lexical_search("the 32 of 64 [8, 16]") == []


def test_scores_are_positive_and_best_first(tmp_path):
    store = index_of(tmp_path, {"a": ("note", "gradient clipping"), "b": ("note", "gradient")})
    scores = [hit.score for hit in store.lexical_search("gradient clipping")]
    assert scores == sorted(scores, reverse=True) and all(score > 0 for score in scores)


def make_old_style(store: Store) -> None:
    """What an index built before kb.tokens holds: raw text under FTS5's porter stemmer."""
    with store.db:
        store.db.execute("DROP TABLE chunks_fts")
        store.db.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(title, heading, text, content='', "
                         "tokenize='porter unicode61')")
        store.db.execute("INSERT INTO chunks_fts(rowid, title, heading, text) SELECT c.id, d.title, c.heading, "
                         "c.text FROM chunks c JOIN documents d USING (source)")
        store.db.execute("DELETE FROM meta WHERE key='lexical'")
    store.close()


def test_an_index_built_under_the_old_tokenizer_is_reindexed_on_open(tmp_path):
    store = index_of(tmp_path, {"padding": ("note", "padding a sequence"), "other": ("note", "optimizer state")})
    make_old_style(store)
    reopened = Store.open(tmp_path / "index")
    assert reopened.meta()["lexical"] == tokens.VERSION
    assert ranked(reopened, "padded sequences") == ["padding"]
    ingest(reopened, [], FakeEmbedder(), remove_missing_under=[str(tmp_path)])  # deleting uses the new terms
    left = reopened.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'pad'").fetchone()[0]
    assert reopened.counts() == (0, 0) and left == 0


def test_an_old_index_that_cannot_be_written_says_how_to_rebuild_it(tmp_path, read_only_view):  # noqa: F811
    source, view = read_only_view
    make_old_style(index_of(tmp_path, {"doc": ("note", "padding a sequence")}))
    for path in (tmp_path / "index").iterdir():
        (source / path.name).write_bytes(path.read_bytes())
    with pytest.raises(StoreError, match="built by an older kb.*rebuild it"):
        Store.open(view)


def test_a_repeated_search_is_answered_again_after_an_ingest_changes_the_index(tmp_path):
    store = index_of(tmp_path, {"first": ("note", "quokka gradients")})
    assert ranked(store, "quokka 32") == ranked(store, "quokka 64") == ["first"]  # one search, numbers aside
    second = tmp_path / "more"
    second.mkdir()
    (second / "second.md").write_text("---\ntitle: quokka\n---\n## Notes\n\nquokka quokka\n")
    ingest(store, discover([second])[0], FakeEmbedder())
    assert ranked(store, "quokka 32") == ["second", "first"]


def test_a_caller_changing_the_hits_it_got_does_not_change_the_next_answer(tmp_path):
    store = index_of(tmp_path, {"doc": ("note", "gradient clipping")})
    store.lexical_search("gradient").clear()
    assert ranked(store, "gradient") == ["doc"]

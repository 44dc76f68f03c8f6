from kb.chunking import chunk_document
from kb.documents import parse_markdown

LONG_CODE = "\n".join(f"layer_{i} = nn.Linear({i}, {i + 1})" for i in range(120))


def test_code_blocks_are_never_cut_even_when_larger_than_a_chunk():
    body = "## Fix\n\n" + ("Some prose. " * 80) + "\n\n```python\n" + LONG_CODE + "\n```\n\nAfter the code."
    document = parse_markdown("---\ntitle: Big\n---\n" + body, source="big.md")
    chunks = chunk_document(document, max_chars=500)
    holding = [c for c in chunks if "layer_0 =" in c.text]
    assert len(holding) == 1
    assert "layer_119 = nn.Linear(119, 120)" in holding[0].text
    assert holding[0].text.count("```") == 2
    assert all(c.text.count("```") % 2 == 0 for c in chunks)


def test_chunks_carry_title_and_heading_for_embedding():
    document = parse_markdown("---\ntitle: LSTM states\n---\n## Cause\n\nThe layout.\n", source="a.md")
    (chunk,) = chunk_document(document)
    assert chunk.heading == "Cause"
    assert chunk.embedding_text(document.title).splitlines()[:2] == ["LSTM states", "Cause"]


def test_entry_patterns_get_their_own_chunk():
    document = parse_markdown("---\ntitle: T\nerrors: ['boom {n}']\n---\n## Cause\n\nx\n", source="e.md")
    assert chunk_document(document)[0].text == "boom {n}"

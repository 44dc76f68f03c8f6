from pathlib import Path

import pytest

from kb.documents import DocumentError, code_of, read_document

FIXTURES = Path(__file__).parent / "fixtures" / "documents"


def test_markdown_with_front_matter_keeps_title_id_and_fenced_code():
    document = read_document(FIXTURES / "lstm-hidden-state.md")
    assert document.doc_id == "lstm-hidden-state-batch-first"
    assert document.title.startswith("Why does my LSTM complain")
    blocks = [b for s in document.sections for b in s.blocks]
    code = [code_of(b) for b in blocks if b.is_code]
    assert len(code) == 2
    assert code[0].startswith("import torch") and "out, _ = lstm(x, (h0, c0))" in code[0]


def test_plain_text_thread_title_and_unfenced_code_become_blocks():
    document = read_document(FIXTURES / "grad-accumulation-thread.txt")
    assert document.title == "Gradients keep growing every iteration"
    assert document.doc_id == "grad-accumulation-thread"
    blocks = [b for s in document.sections for b in s.blocks]
    code = [code_of(b) for b in blocks if b.is_code]
    assert code[0].splitlines()[0] == "model = Net()"
    assert "opt.step()" in code[0] and "What am I doing wrong?" not in code[0]
    assert "opt.zero_grad()" in code[1]
    assert any("1 Like" in b.text for b in blocks if not b.is_code)


def test_corpus_entry_front_matter_exposes_patterns(tmp_path):
    path = tmp_path / "entry.md"
    path.write_text("---\nid: e\ntitle: T\nkind: error\nerrors: ['size {a} vs {b}']\n---\n## Cause\nx\n")
    document = read_document(path)
    assert document.is_entry
    assert document.patterns[0].match("size 3 vs 4").facts == {"a": "3", "b": "4"}


@pytest.mark.parametrize(
    "content, message",
    [
        (b"---\ntitle: [unclosed\n---\nbody", "malformed front matter"),
        (b"---\ntitle: x\nbody without closing", "not closed"),
        (b"---\n- a\n- b\n---\nbody", "must be a mapping"),
        (b"---\nerrors: {a: 1}\n---\nbody", "'errors' must be a list"),
        (b"---\ndetectors: softmax-without-dim\n---\nbody", "'detectors' must be a list"),
        (b"---\nerrors: ['{x} and {x}']\n---\nbody", "appears twice"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"caf\xe9 latin-1 text", "not UTF-8"),
        (b"   \n\n", "empty"),
    ],
)
def test_bad_documents_give_one_line_errors(tmp_path, content, message):
    path = tmp_path / ("doc.md" if content.startswith(b"---") else "doc.txt")
    path.write_bytes(content)
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)

"""Code.comments finds comments from the tree's string spans instead of tokenizing: a `#` inside a
string, an f-string or a docstring is no comment, and columns are counted in bytes as ast counts them."""

from assistant.codecheck._code import Code


def test_comments_are_read_after_the_hash_and_stripped() -> None:
    code = Code("x = load(path)  # [B, T, 40]\ny = 1\n#   whole line\n")
    assert code.comments == {1: "[B, T, 40]", 3: "whole line"}


def test_a_hash_inside_a_string_starts_no_comment() -> None:
    code = Code('url = "http://host/#frag"  # the real one\nlabel = "#3"\nf"{x} #{y}"\n')
    assert code.comments == {1: "the real one"}


def test_a_hash_inside_a_multi_line_docstring_starts_no_comment() -> None:
    code = Code('def f():\n    """Line one\n    # not a comment\n    """\n    return 1  # one\n')
    assert code.comments == {5: "one"}


def test_columns_count_bytes_before_the_comment() -> None:
    code = Code('naïve = "é#"  # après\n')
    assert code.comments == {1: "après"}


def test_code_without_comments_has_none() -> None:
    assert Code("x = 1\n").comments == {}

"""declared_dims reads the shape a comment gives a name where the comment really sits: on a one-line
`def` (the body shares the header's line, so the old header range was empty) and after a call split
over lines (the comment follows its closing bracket, not its first line)."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code
from assistant.codecheck.detectors._comment_shapes import declared_dims, stated_dims


def _dims_of(source: str, name: str, line: int) -> tuple[list[str] | None, list[str] | None]:
    code = Code(source)
    use = next(n for n in code.nodes_of(ast.Name) if n.id == name and n.lineno == line and isinstance(n.ctx, ast.Load))
    return declared_dims(code, use), stated_dims(code, use)


def test_a_one_line_def_declares_its_parameter():
    assert _dims_of("def pool(feats): return feats.mean(1)  # feats: [B, T, 40]\n", "feats", 1) == (
        ["B", "T", "40"], ["B", "T", "40"])


def test_a_multi_line_def_header_declares_its_parameter():
    source = "def pool(\n    feats,  # feats: [B, T, 40]\n):\n    return feats.mean(1)\n"
    assert _dims_of(source, "feats", 4) == (["B", "T", "40"], ["B", "T", "40"])


def test_a_comment_after_a_call_split_over_lines_declares_the_bound_name():
    source = "joined = torch.cat([left,\n                    right], dim=1)  # [B, 2, 64]\nout = head(joined)\n"
    assert _dims_of(source, "joined", 3) == (["B", "2", "64"], ["B", "2", "64"])


def test_a_comment_on_a_middle_argument_line_is_not_the_value_s_shape():
    source = ("joined = torch.cat([\n    left,\n    right,  # [B, 64]\n], dim=1)\nout = head(joined)\n")
    assert _dims_of(source, "joined", 5)[0] is None


def test_a_parameter_with_no_comment_declares_nothing():
    assert _dims_of("def pool(feats):\n    return feats.mean(1)\n", "feats", 2) == (None, None)

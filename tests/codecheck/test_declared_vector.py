"""declared_vector (the `# [4]` a comment says of a 1-D tensor) on the bindings reaching_value follows:
a module-level name bound once by tuple unpacking reaches a function as the unknown-value marker,
which has no line; asking its line raised, so rnn-given-one-vector lost every finding of such a file."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import registry, run_detector
from assistant.codecheck.detectors._comment_shapes import declared_vector
from tests.codecheck.lines import lines

MODULE_TUPLE_READ_IN_FUNCTION = """\
import torch
import torch.nn as nn
rnn = nn.GRU(4, 16)
step, rest = rows[0], rows[1:]   # [4]
def encode():
    return rnn(step)
probe = torch.randn(4)
out, _ = rnn(probe)
"""


def _use(code: Code, name: str, line: int) -> ast.Name:
    return next(n for n in code.nodes_of(ast.Name) if n.id == name and n.lineno == line)


def test_a_tuple_bound_module_name_read_in_a_function_gives_no_size_and_does_not_raise():
    code = Code(MODULE_TUPLE_READ_IN_FUNCTION)
    assert declared_vector(code, _use(code, "step", 6)) is None
    assert run_detector(registry()["rnn-given-one-vector"], code)[0].line == 8


def test_the_other_findings_of_such_a_file_survive():
    assert lines("rnn-given-one-vector", MODULE_TUPLE_READ_IN_FUNCTION) == [8]
    loop_body = MODULE_TUPLE_READ_IN_FUNCTION.replace("def encode():\n    return rnn(step)", "for _ in range(2):\n    rnn(step)")
    assert lines("rnn-given-one-vector", loop_body) == [6, 8]  # at module level the tuple line declares it


def test_a_comment_on_the_plain_binding_still_declares_the_vector():
    code = Code("import torch.nn as nn\ncell = nn.RNN(4, 16)\nreading = load(t)   # [4]\nout, h = cell(reading)\n")
    assert declared_vector(code, _use(code, "reading", 4)) == 4
    assert lines("rnn-given-one-vector", code.source) == [4]


def test_a_file_without_vector_comments_declares_nothing():
    code = Code("import torch.nn as nn\ncell = nn.RNN(4, 16)\nreading = load(t)   # [1, 4]\nout, h = cell(reading)\n")
    assert declared_vector(code, _use(code, "reading", 4)) is None
    assert lines("rnn-given-one-vector", code.source) == []

"""Code.descendants answers what `ast.walk` finds inside a node from the file's node index,
Code.calls_on the method calls on one receiver and Code.mentions a word of the source: detectors ask
these of every function, statement, model and value, so they must find exactly what the walk, the
loop over every call or the search of the source found."""

import ast

from assistant.codecheck._code import Code, dotted

SOURCE = '''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        y = -self.fc(x) + 1
        if not (y > 0).all() and x is not None:
            y = [torch.relu(v) for v in y]
        return y


model = Net().to("cuda")
model.half()
self_like = model.fc.weight.data.float()
make(model).to("cpu")
lambda z: z * 2
'''


def _walked(node: ast.AST, *classes: type) -> list[int]:
    return sorted(id(found) for found in ast.walk(node) if isinstance(found, classes))


def test_descendants_find_what_a_walk_finds_in_every_node() -> None:
    code = Code(SOURCE)
    for classes in [(ast.Name,), (ast.Call, ast.Attribute), (ast.stmt,), (ast.expr,), (ast.comprehension,)]:
        for node in code.nodes:
            assert sorted(id(found) for found in code.descendants(node, *classes)) == _walked(node, *classes)


def test_descendants_come_in_the_order_of_the_index_and_include_the_node() -> None:
    code = Code(SOURCE)
    forward = next(f for f in code.functions if f.name == "forward")
    found = code.descendants(forward, ast.Name, ast.Call)
    assert found == [node for node in code.nodes if isinstance(node, (ast.Name, ast.Call)) and node in found]
    assert code.descendants(forward, ast.FunctionDef) == [forward]


def test_operators_and_markers_shared_across_the_tree_are_walked_for() -> None:
    code = Code(SOURCE)
    for node in code.nodes:
        for classes in [(ast.Add,), (ast.USub, ast.Not), (ast.cmpop,), (ast.AST,), (ast.Load,)]:
            assert sorted(id(found) for found in code.descendants(node, *classes)) == _walked(node, *classes)


def test_a_node_the_tree_does_not_hold_is_walked() -> None:
    code = Code(SOURCE)
    built = ast.parse("f(g(x))").body[0]
    assert [dotted(call.func) for call in code.descendants(built, ast.Call)] == ["f", "g"]


def test_a_file_without_such_nodes_gives_none() -> None:
    code = Code("x = 1\n")
    assert code.descendants(code.tree, ast.Call) == []


def test_calls_on_a_receiver_are_the_method_calls_on_its_first_name() -> None:
    code = Code(SOURCE)
    def spelled(name: str) -> set[str]:
        return {ast.unparse(call.func) for call in code.calls_on(name)}

    assert spelled("model") == {"model.half", "model.fc.weight.data.float"}
    assert spelled("") == {"super().__init__", "(y > 0).all", "Net().to", "make(model).to"}
    assert spelled("self") == {"self.fc"}
    assert code.calls_on("missing") == []


def test_calls_on_matches_a_loop_over_every_call() -> None:
    code = Code(SOURCE)
    for name in {(dotted(c.func.value) or "").split(".")[0] for c in code.calls if isinstance(c.func, ast.Attribute)}:
        expected = [c for c in code.calls
                    if isinstance(c.func, ast.Attribute) and (dotted(c.func.value) or "").split(".")[0] == name]
        assert code.calls_on(name) == expected


def test_mentions_is_a_search_of_the_source_asked_once() -> None:
    code = Code("torch.set_default_dtype(torch.float64)  # inplace\n")
    assert code.mentions("set_default_dtype") and code.mentions("inplace") and code.mentions("(torch.")
    assert not code.mentions("spawn") and not Code("").mentions("x")


def _value_seen(source: str, line: int) -> str | None:
    """What reaching_value gives the last read of `x` on this line."""
    code = Code(source)
    use = [n for n in code.nodes_of(ast.Name) if n.id == "x" and isinstance(n.ctx, ast.Load) and n.lineno == line][-1]
    value = code.reaching_value(use)
    return ast.unparse(value) if value is not None else None


def test_reaching_value_reads_statement_places_from_the_index() -> None:
    assert _value_seen("x = 1\ny = 2\nz = 3\nprint(x)\n", 4) == "1"
    assert _value_seen("x = 1\nif c:\n    x = 2\nprint(x)\n", 4) is None  # a branch may have bound it
    assert _value_seen("x = 1\nif c:\n    pass\nelse:\n    y = x\n", 5) == "1"
    assert _value_seen("x = 1\nwith open(p) as f:\n    x = 2\nprint(x)\n", 4) == "2"  # a with body always runs
    assert _value_seen("x = 1\ntry:\n    pass\nexcept E:\n    x = 2\nexcept F:\n    print(x)\n", 7) == "1"
    assert _value_seen("x = 1\nfor i in r:\n    print(x)\n    x = 2\n", 3) is None  # the next iteration sees 2
    assert _value_seen("x = 1\nmatch v:\n    case 1:\n        print(x)\n", 4) is None  # a case is a branch
    assert _value_seen("def f():\n    y = 0\n    return x\nx = 5\n", 3) == "5"  # a module-level name

"""A word the vocabulary lacks looked up as `vocab.get(w, len(vocab))` gets the id one past the
last one the vocabulary holds, and an embedding table sized `len(vocab)` has no row for it: every
unknown word at inference raises `index out of range in self`. The entry's fix is to map unknown
words to an `<unk>` id rather than to enlarge the table: this recipe reserves `"<unk>"` in the
dict literal the vocabulary starts from (the next id after the literal's own ids), and the lookup
falls back to `vocab["<unk>"]`. Where the vocabulary already has `"<unk>"`, only the lookup changes.

It applies only where the code shows the ids are safe to shift: the literal's ids are 0 .. k-1,
and every later addition takes the next free id (`vocab[w] = len(vocab)`,
`vocab.setdefault(w, len(vocab))`); and the failing table is sized by the length of that same
vocabulary, so the reserved id gets its row.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._definitions import returned
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, positional
from assistant.repair.recipes._layers import argument, called_at_failure
from assistant.repair.recipes._values import MAX_DEPTH, definitions, integer, settings

name = "reserve-unknown-id"
EMBEDDINGS = ("Embedding", "EmbeddingBag")
UNKNOWN = "<unk>"
_GROWING = ("update", "__setitem__", "setdefault")  # the dict methods that add keys


@needs_calls(*EMBEDDINGS)
def match(problem: Problem) -> tuple[cst.Dict, list[cst.Call]] | None:
    """(the vocabulary's starting literal, the lookups whose default is its length) when the
    failing table is sized by that vocabulary's length."""
    script = problem.script
    tables = called_at_failure(script, problem.facts.user_lines, EMBEDDINGS)
    if len(tables) != 1 or (size := argument(tables[0], 0, "num_embeddings")) is None:
        return None
    sized_by = [_measured(script, value) for value in settings(script, size.value)]
    literals = {id(literal): literal for found in sized_by if found for literal in found}
    if not sized_by or None in sized_by or len(literals) != 1:
        return None
    literal = next(iter(literals.values()))
    lookups = [call for call in script.calls() if _origins(script, _length_default(call)) == [literal]]
    if not lookups or _next_id(script, literal) is None or not _grows_by_length(script, literal):
        return None
    return literal, lookups


def apply(problem: Problem, found: tuple[cst.Dict, list[cst.Call]]) -> Edits:
    literal, lookups = found
    script, edits = problem.script, problem.edits()
    quote = _quote(literal)
    if UNKNOWN not in _keys(literal):
        added = cst.DictElement(cst.SimpleString(f"{quote}{UNKNOWN}{quote}"), cst.Integer(str(_next_id(script, literal))))
        edits.replace(literal, literal.with_changes(elements=[*literal.elements, added]))
    for call in lookups:
        default = positional(call)[1].value
        edits.replace(default, expr(f"{script.code(_length_of(default))}[{quote}{UNKNOWN}{quote}]"))
    return edits


def _length_default(call: cst.Call) -> cst.BaseExpression | None:
    """`vocab` of `vocab.get(w, len(vocab))`: a lookup whose default is the looked-up dict's length."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "get" and len(call.args) == 2
            and len(positional(call)) == 2):
        return None
    default = positional(call)[1].value
    looked_up = dotted(call.func.value)
    if _length_of(default) is None or looked_up is None or dotted(_length_of(default)) != looked_up:
        return None
    return call.func.value


def _length_of(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    if isinstance(node, cst.Call) and dotted(node.func) == "len" and len(node.args) == 1 and not node.args[0].keyword:
        return node.args[0].value
    return None


def _measured(script: Script, size: cst.BaseExpression) -> list[cst.Dict] | None:
    """The literals a table size `len(vocab)` measures, else None."""
    measured = _length_of(size)
    return _origins(script, measured) if measured is not None else None


def _origins(script: Script, node: cst.BaseExpression | None, depth: int = 0) -> list[cst.Dict] | None:
    """The dict literals a name holds, followed through names, parameters and helper returns;
    None when any definition is something else."""
    if node is None or depth > MAX_DEPTH:
        return None
    if isinstance(node, cst.Dict):
        return [node]
    if isinstance(node, cst.Call):
        values = returned(script, node)
    elif dotted(node) is not None:
        values = definitions(script, node)
    else:
        return None
    found = [_origins(script, value, depth + 1) for value in values]
    if not found or None in found:
        return None
    unique = {id(literal): literal for literals in found for literal in literals}
    return list(unique.values())


def _keys(literal: cst.Dict) -> list[str | None]:
    return [element.key.evaluated_value if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
            else None for element in literal.elements]


def _quote(literal: cst.Dict) -> str:
    keys = [element.key for element in literal.elements if isinstance(element, cst.DictElement)]
    return keys[0].quote if keys and isinstance(keys[0], cst.SimpleString) else '"'


def _next_id(script: Script, literal: cst.Dict) -> int | None:
    """The literal's ids are exactly 0 .. k-1 under string keys (`{"<pad>": PAD}` with PAD = 0): k."""
    if None in _keys(literal):
        return None
    ids = [integer(script, element.value) for element in literal.elements]
    return len(ids) if None not in ids and sorted(ids) == list(range(len(ids))) else None


def _grows_by_length(script: Script, literal: cst.Dict) -> bool:
    """The literal is bound to one name, and every addition anywhere to a dict of that name takes
    the next free id: shifting the later ids by one reserved id then keeps them consecutive."""
    bound = script.parents.get(literal)
    if not (isinstance(bound, cst.Assign) and len(bound.targets) == 1 and isinstance(bound.targets[0].target, cst.Name)):
        return False
    vocabulary = bound.targets[0].target.value
    for node in script.nodes((cst.Assign, cst.AugAssign, cst.Call)):
        if isinstance(node, cst.AugAssign) and dotted(node.target) == vocabulary:
            return False
        if isinstance(node, cst.Assign) and not all(_adds_next_id(t.target, node.value, vocabulary) for t in node.targets):
            return False
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and dotted(node.func.value) == vocabulary:
            next_free = node.func.attr.value == "setdefault" and len(node.args) == 2 and _next_free(
                node.args[1].value, vocabulary)
            if node.func.attr.value in _GROWING and not next_free:
                return False
    return True


def _adds_next_id(target: cst.BaseExpression, value: cst.BaseExpression, vocabulary: str) -> bool:
    """`vocab[w] = len(vocab)`, or an assignment that adds nothing to the vocabulary."""
    if isinstance(target, cst.Subscript) and dotted(target.value) == vocabulary:
        return _next_free(value, vocabulary)
    return True


def _next_free(value: cst.BaseExpression, vocabulary: str) -> bool:
    return dotted(_length_of(value)) == vocabulary

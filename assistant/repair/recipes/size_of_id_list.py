"""A vocabulary class counts its words (`self.size = len(words)`) but hands out ids by position in
a longer list (`self.itos = SPECIALS + words` with `self.stoi = {w: i for i, w in
enumerate(self.itos)}`): a table sized by that count (`nn.Embedding(vocab.size, dim)`) has no row
for the last ids, and the first of them fails with `index out of range in self`. The entry's fix
is to size the table by every id that can occur; the value that is wrong is the count, so it
counts the list the ids index (`len(self.itos)`), written after that list is built, and every
table sized from it gets the rows.

Taken only when the failing table's size is that attribute of an instance of a class defined
here, the class sets it once to `len(words)`, builds the id list by adding something to `words`
(`sorted(words)`, `list(words)`) and numbers that list with `enumerate`: then the ids run to
`len(list) - 1` whatever the data. A count the class checks against its own ids in another way
(`__len__`) is length-counts-every-id's.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, kind_of, positional
from assistant.repair.recipes._layers import argument, called_at_failure
from assistant.repair.recipes._values import definitions

name = "size-of-id-list"
EMBEDDINGS = ("Embedding", "EmbeddingBag")


@dataclass(frozen=True)
class Found:
    count: cst.SimpleStatementLine  # `self.size = len(words)`
    value: cst.BaseExpression  # its `len(words)`
    ids: cst.SimpleStatementLine  # where the id list is built (`self.itos = SPECIALS + words`)
    spelled: str  # how that method names the id list (`self.itos`)


@needs_calls(*EMBEDDINGS)
def match(problem: Problem) -> Found | None:
    """The count statement of the vocabulary class whose attribute sizes the failing table, and
    the id list it should count."""
    script = problem.script
    tables = called_at_failure(script, problem.facts.user_lines, EMBEDDINGS)
    size = argument(tables[0], 0, "num_embeddings") if len(tables) == 1 else None
    if size is None:
        return None
    sources = definitions(script, size.value) or [size.value]
    counted = {_counted_attribute(script, value) for value in sources}
    if len(counted) != 1 or (owner := counted.pop()) is None:
        return None
    return _count_and_list(script, *owner)


def apply(problem: Problem, found: Found) -> Edits:
    script, edits = problem.script, problem.edits()
    counted = expr(f"len({found.spelled})")
    if script.span(found.count)[0] > script.span(found.ids)[0]:
        edits.replace(found.value, counted)
        return edits
    moved = found.count.with_changes(body=[found.count.body[0].with_changes(value=counted)], leading_lines=[])
    edits.replace(found.count, cst.RemoveFromParent())  # moved below the list: one splice, no insertion
    edits.replace(found.ids, cst.FlattenSentinel([found.ids, moved]))
    return edits


def _counted_attribute(script: Script, value: cst.BaseExpression) -> tuple[cst.ClassDef, str] | None:
    """(the class, the attribute) for `vocab.size` where `vocab` holds an instance of a class
    defined in this file."""
    if not isinstance(value, cst.Attribute) or (dotted(value) or "self.").startswith("self."):
        return None
    made = {kind_of(made) for made in definitions(script, value.value) if isinstance(made, cst.Call)}
    classes = [node for node in script.nodes(cst.ClassDef) if node.name.value in made]
    return (classes[0], f"self.{value.attr.value}") if len(made) == 1 and len(classes) == 1 else None


def _count_and_list(script: Script, owner: cst.ClassDef, attribute: str) -> Found | None:
    """The class's one `attribute = len(words)` and, in the same method, the list built from
    `words` plus something else that `enumerate` numbers into ids."""
    counts = [assign for assign in m.findall(owner, m.Assign()) if isinstance(assign, cst.Assign)
              and any(dotted(target.target) == attribute for target in assign.targets)]
    if len(counts) != 1 or len(counts[0].targets) != 1 or (words := _length_of(counts[0].value)) is None:
        return None
    method = script.function_of(counts[0])
    numbered = {dotted(positional(call)[0].value) for call in m.findall(owner, m.Call(func=m.Name("enumerate")))
                if isinstance(call, cst.Call) and positional(call)}
    for assign in m.findall(method, m.Assign()) if method is not None else ():
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            continue
        spelled = dotted(assign.targets[0].target)
        if spelled in numbered and spelled != words and _extends(assign.value, words):
            line, ids = script.statement_of(counts[0]), script.statement_of(assign)
            if isinstance(line, cst.SimpleStatementLine) and isinstance(ids, cst.SimpleStatementLine) \
                    and len(line.body) == 1:
                return Found(line, counts[0].value, ids, spelled)
    return None


def _length_of(value: cst.BaseExpression) -> str | None:
    """`words` for `len(words)`."""
    if isinstance(value, cst.Call) and kind_of(value) == "len" and len(value.args) == 1:
        return dotted(value.args[0].value)
    return None


def _extends(value: cst.BaseExpression, words: str) -> bool:
    """`SPECIALS + words`, `["<pad>"] + sorted(words)`, `words + ["<eos>"]`: a sum with `words`
    (or a copy of it) as one term and something more as another."""
    terms = _terms(value)
    return len(terms) > 1 and any(_is_copy_of(term, words) for term in terms)


def _terms(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        return [*_terms(value.left), *_terms(value.right)]
    return [value]


def _is_copy_of(term: cst.BaseExpression, words: str) -> bool:
    if dotted(term) == words:
        return True
    return isinstance(term, cst.Call) and kind_of(term) in ("sorted", "list", "tuple") \
        and len(term.args) == 1 and dotted(term.args[0].value) == words


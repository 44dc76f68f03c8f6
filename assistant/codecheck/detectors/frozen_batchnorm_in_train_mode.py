"""Layers frozen for fine-tuning (`for p in backbone.parameters(): p.requires_grad = False`) that
include BatchNorm, in a training script that never puts them in eval mode: requires_grad does not stop
BatchNorm from rewriting its running statistics on every training batch, so the "frozen" part
still changes."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, kind_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._freezing import turns_off_grad
from assistant.codecheck.detectors._fragments import whole_program
from assistant.codecheck.detectors._torch_names import layer_call, module_classes

name = "frozen-batchnorm-in-train-mode"
BATCH_NORMS = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    if "step" not in code.call_kinds or "BatchNorm" not in code.source or "requires_grad" not in code.source \
            or "track_running_stats" in code.source:
        return
    for statement, frozen in _freezes(code):
        norm = _batch_norm_in(code, frozen)
        if norm is None or _put_in_eval_mode(code, dotted(frozen) or "") or _handles_norms_itself(code) \
                or _statistics_never_read(code, statement):
            continue
        spelled = dotted(frozen)
        yield Hit.at(code, statement, f"{spelled}'s parameters are frozen, but it holds {kind_of(norm)} (line "
                     f"{norm.lineno}), whose running statistics keep changing in train mode: call {spelled}.eval() "
                     f"after each model.train()", {"module": spelled or ""})


def _freezes(code: Code) -> Iterator[tuple[ast.stmt, ast.expr]]:
    """`for p in X.parameters(): p.requires_grad = False` (or `requires_grad_(False)`) and
    `X.requires_grad_(False)`, with X."""
    for node in code.nodes_of(ast.For, ast.Expr):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Call) \
                and kind_of(node.iter) == "parameters" and isinstance(node.iter.func, ast.Attribute) \
                and dotted(node.iter.func.value) is not None and _turns_off_grad(node.body, node.target.id):
            yield node, node.iter.func.value
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and kind_of(node.value) == "requires_grad_" \
                and isinstance(node.value.func, ast.Attribute) and dotted(node.value.func.value) is not None \
                and [constant(a) for a in node.value.args] == [False]:
            yield node, node.value.func.value


def _turns_off_grad(body: list[ast.stmt], parameter: str) -> bool:
    return any(turns_off_grad(statement, parameter) for statement in body)


def _batch_norm_in(code: Code, frozen: ast.expr) -> ast.Call | None:
    """The first BatchNorm the frozen module visibly holds: in the nn.Sequential that builds it,
    or built by its module class of this file."""
    built = layer_call(code, frozen)
    if not isinstance(built, ast.Call):
        return None
    cls = module_classes(code).get(built.func.id) if isinstance(built.func, ast.Name) else None
    where = cls if cls is not None else built if kind_of(built) == "Sequential" else None
    if where is None:
        return None
    return next((n for n in ast.walk(where) if isinstance(n, ast.Call) and kind_of(n) in BATCH_NORMS), None)


def _put_in_eval_mode(code: Code, spelled: str) -> bool:
    return any(isinstance(c.func, ast.Attribute) and dotted(c.func.value) == spelled
               and (c.func.attr == "eval" or (c.func.attr == "train" and [constant(a) for a in c.args] == [False]))
               for c in code.calls_of("eval", "train"))


def _statistics_never_read(code: Code, freeze: ast.stmt) -> bool:
    """A whole program that never puts anything in eval mode, and after the freeze neither saves nor
    looks at buffers (`running_mean`, `state_dict()`), never uses the running statistics (train mode
    normalizes with each batch's own): their drift changes nothing it computes or keeps. A fragment's
    evaluation and saving may be in the part not pasted."""
    if not whole_program(code) or code.calls_of("eval") \
            or any(constant(a) is False for c in code.calls_of("train") for a in c.args):
        return False
    after = freeze.end_lineno or freeze.lineno
    reads = [*code.calls_of(*_BUFFER_READS), *calls_to(code, "torch.save"),
             *(n for n in code.nodes_of(ast.Attribute) if n.attr in _STATISTICS)]
    return not any(node.lineno > after for node in reads)


_BUFFER_READS = ("state_dict", "buffers", "named_buffers")
_STATISTICS = ("running_mean", "running_var", "num_batches_tracked")


def _handles_norms_itself(code: Code) -> bool:
    """A file that finds its norm layers (`isinstance(m, nn.BatchNorm2d)`) may switch them off itself."""
    return any(isinstance(c.func, ast.Name) and c.func.id == "isinstance" and "BatchNorm" in ast.unparse(c)
               for c in code.calls_of("isinstance"))

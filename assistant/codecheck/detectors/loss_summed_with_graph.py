"""A running total of loss tensors across a loop (`total += loss`, not `loss.item()`) outside no_grad:
each loss keeps its whole graph (every saved activation) alive for as long as the total lives, so
memory grows with every batch until CUDA runs out of memory."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._losses import loss_kind
from assistant.codecheck.detectors._torch_names import is_functional, layer_kind, model_of, without_grad
from assistant.codecheck.detectors._training import calls_named, loops_around, own_nodes

name = "loss-summed-with-graph"
_LOSS_FUNCTIONS = ("l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "nll_loss", "cross_entropy", "mse_loss",
                   "binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
                   "margin_ranking_loss", "triplet_margin_loss", "ctc_loss")


def _sums_in_loops(code: Code) -> list[tuple[ast.AugAssign, ast.stmt]]:
    """Each `total += value` in a loop's body, once (with one loop that holds it)."""
    if name not in code.memo:
        found = [(node, loop) for node in code.nodes_of(ast.AugAssign)
                 if isinstance(node.op, ast.Add) and (loop := next(loops_around(code, node), None)) is not None]
        code.memo[name] = sorted(found, key=lambda pair: (pair[0].lineno, pair[0].col_offset))
    return code.memo[name]  # type: ignore[return-value]


@precondition(lambda code: bool(_sums_in_loops(code)))
def check(code: Code) -> Iterator[Hit]:
    for total, loop in _sums_in_loops(code):
        summed = dotted(total.target)
        loss = _loss_call(code, total.value) or _backpropagated_in(code, total.value, loop)
        if summed is None or loss is None or without_grad(code, total) or without_grad(code, loss):
            continue
        if not _over_batches(code, loop) or _backpropagated(code, summed, loop) or _rebound_in(loop, summed):
            continue
        added = source_of(total.value)
        yield Hit.at(code, total, f"{summed} += {added} adds the loss tensor itself, with its graph: every "
                     f"iteration's graph (all its saved activations) stays alive in {summed}, and memory grows "
                     f"with each batch; add {added}.item() (a float) instead, or run the loop under torch.no_grad()")


def _loss_call(code: Code, value: ast.expr) -> ast.Call | None:
    """The loss computation `value` is: the call itself, or a name bound to it just above."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if not isinstance(value, ast.Call):
        return None
    if loss_kind(code, value) or is_functional(value, *_LOSS_FUNCTIONS):
        return value
    kind = layer_kind(code, value.func, value.func if isinstance(value.func, ast.Call) else None)
    return value if kind and kind.endswith("Loss") else None


def _backpropagated_in(code: Code, value: ast.expr, loop: ast.stmt) -> ast.expr | None:
    """The added name itself when the loop calls its `.backward()`: a loss however it was computed
    (a `criterion` the paste does not define), its graph kept by the total as in the PyTorch FAQ."""
    if not isinstance(value, ast.Name) or not isinstance(loop, (ast.For, ast.AsyncFor, ast.While)):
        return None
    if kind_of(code.reaching_value(value) or value) in ("item", "detach", "float", "tolist"):
        return None  # `loss = loss.detach()` after the backward: the total holds no graph
    backward = calls_named(code, loop, "backward")
    return value if any(isinstance(c.func, ast.Attribute) and dotted(c.func.value) == value.id for c in backward) \
        else None


def _over_batches(code: Code, loop: ast.stmt) -> bool:
    """A loop over batches or steps, not over the heads or terms of one loss: it iterates a loader, or
    its body runs a model, a backward or an optimizer step."""
    if isinstance(loop, (ast.For, ast.AsyncFor)) and _names_a_loader(loop.iter):
        return True
    if any(calls_named(code, loop, method) for method in ("backward", "step")):  # type: ignore[arg-type]
        return True
    return any(isinstance(node, ast.Call) and (model_of(code, node) or _model_name(node.func))
               for node in own_nodes(loop.body))  # type: ignore[attr-defined]


def _names_a_loader(iterable: ast.expr) -> bool:
    """`loader`, `self.train_loader`, `enumerate(val_dl)`, `tqdm(loader)`."""
    while isinstance(iterable, ast.Call) and kind_of(iterable) in ("enumerate", "tqdm", "iter") and iterable.args:
        iterable = iterable.args[0]
    last = (dotted(iterable) or "").rpartition(".")[2].lower()
    return "loader" in last or last.endswith("_dl") or last in ("dl", "batches")


def _model_name(func: ast.expr) -> bool:
    """`model(x)`, `self.net(x)`, `encoder(x)`: a callable whose name says it is the model."""
    last = (dotted(func) or "").rpartition(".")[2].lower()
    return last in ("model", "net", "network", "module") or last.endswith("_model") or last.endswith("model")


def _backpropagated(code: Code, summed: str, loop: ast.stmt) -> bool:
    """`total.backward()` anywhere in the function: the sum is a loss made of several terms, on purpose."""
    scope = code.scope_of(loop)
    return any(kind_of(call) == "backward" and isinstance(call.func, ast.Attribute)
               and dotted(call.func.value) == summed and code.scope_of(call) is scope
               for call in code.calls_of("backward"))


def _rebound_in(loop: ast.stmt, summed: str) -> bool:
    """A total reset by plain assignment inside the same loop (`total = 0` per epoch, then summed per
    step) is still a total; a total assigned from a tensor inside the loop is something else."""
    return any(isinstance(node, ast.Assign) and any(dotted(t) == summed for t in node.targets)
               and not isinstance(node.value, ast.Constant) for node in own_nodes(loop.body))  # type: ignore[attr-defined]

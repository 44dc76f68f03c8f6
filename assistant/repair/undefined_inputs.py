"""Values for the names a pasted fragment uses but never defines, where its own code says what they are.

A fragment is usually cut out of a notebook or a training script: `out = model(images)` with the
model defined in the paste but `images` loaded three cells earlier, or a training loop over a
`train_loader` built elsewhere. Run as it is, it stops at the first such name and shows nothing.
Two uses say enough to stand in for the value without creating an error the user's code does not
have:

- a name passed straight to a model the fragment builds (`model(images)`, `net(x.to(device))`) is
  an input of that model, so it takes the shape its first layer reads (built at run time, in the
  sandbox, by `_kb_model_input`);
- a loader iterated as `for inputs, targets in loader:` whose body feeds `inputs` to such a model
  yields one batch of such inputs, and targets that fit whatever loss they reach
  (`_kb_guessed_target`), so that a guessed target never decides the error.

`device`, when undefined, is the usual `torch.device`: every device is the meta device there.
Everything here is decided from the syntax tree; the values are made in the sandbox.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

from assistant.repair import harness

PROVIDED = frozenset({"torch", "nn", "F", "np", "optim", "math", "DataLoader", "Dataset", "TensorDataset", "self"})
_MODEL_MAKERS = frozenset({"nn", "torch"})  # `nn.Sequential(...)`, `torch.nn.Linear(...)`
_SETUP_CALLS = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "requires_grad_"})


@dataclass(frozen=True)
class Binding:
    """`name = value` inserted before the top-level statement at `line` (which first needs it)."""

    name: str
    line: int
    value: str  # Python source, made by kb from names

    @property
    def statement(self) -> str:
        return f"{self.name} = {self.value}"


def _made_for(maker: str, model: str, attributes: tuple[str, ...]) -> str:
    """`_kb_model_input(model, [...])`: the call that makes the value in the sandbox, from the model
    and its class's `self.x` in the order its forward reads them."""
    return f"{maker}({model}, {list(attributes)!r})"


def bindings_for(tree: ast.Module) -> tuple[Binding, ...]:
    """The undefined names of the fragment that its code shows to be model inputs or loaders."""
    return _plan(tree)[0]


def fed_loops(tree: ast.Module) -> dict[int, str]:
    """The loops over a defined loader that feed a model, by line, with the call that makes one
    batch for it: when the loader's data set is a module the sandbox lacks (`datasets.MNIST`), the
    loop runs on that batch (`_kb_batches_of`)."""
    return _plan(tree)[1]


def _plan(tree: ast.Module) -> tuple[tuple[Binding, ...], dict[int, str]]:
    undefined = _undefined_names(tree)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    models: dict[str, tuple[str, ...]] = {}  # model name: its class's attribute order (empty: nn's own)
    found: dict[str, Binding] = {}
    loops: dict[int, str] = {}
    seen: set[str] = set()  # bound only where first read: an earlier use would run on the guess unchecked
    for statement in tree.body:
        for name in _names_in(statement) & undefined - seen:
            binding = _binding(name, statement, models)
            if binding is not None:
                found[name] = binding
        seen |= _names_in(statement)
        for loop in (node for node in ast.walk(statement) if isinstance(node, ast.For)):
            inputs, loader = _loop_inputs(loop.target), _iterated(loop.iter)
            model = _model_fed(loop, inputs, models) if inputs and loader and loader not in undefined else None
            if model is not None:
                loops[loop.lineno] = _made_for("_kb_one_batch", model, models[model])
        model = _model_built_by(statement, classes)
        if model is not None:
            models[model[0]] = model[1]
    if "device" in undefined and "device" not in found:
        found["device"] = Binding("device", _first_use(tree, "device"), "torch.device('meta')")
    return tuple(found.values()), loops


def _binding(name: str, statement: ast.stmt, models: dict[str, tuple[str, ...]]) -> Binding | None:
    """A name the top-level `statement` uses first: a model's input, or a loader over its inputs."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in models and node.args:
            if _root_name(node.args[0]) == name:
                return Binding(name, statement.lineno, _made_for("_kb_model_input", node.func.id, models[node.func.id]))
        if isinstance(node, ast.For) and _iterated(node.iter) == name:
            inputs = _loop_inputs(node.target)
            model = _model_fed(node, inputs, models) if inputs else None
            if model is not None:
                return Binding(name, statement.lineno, _made_for("_kb_one_batch", model, models[model]))
    return None


def _iterated(node: ast.expr) -> str | None:
    """`loader` in `for ... in loader` and `for ... in enumerate(loader)`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "enumerate" and node.args:
        node = node.args[0]
    return node.id if isinstance(node, ast.Name) else None


def _loop_inputs(target: ast.expr) -> str | None:
    """The input of `for x, y in ...` and `for i, (x, y) in enumerate(...)`; None for other shapes."""
    if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Tuple):
        target = target.elts[1]
    if isinstance(target, ast.Tuple) and len(target.elts) == 2 and all(isinstance(e, ast.Name) for e in target.elts):
        return target.elts[0].id
    return None


def _model_fed(loop: ast.For, inputs: str, models: dict[str, tuple[str, ...]]) -> str | None:
    """The model the loop body calls on its inputs (or on a name assigned from them)."""
    derived = {inputs}
    for node in (n for statement in loop.body for n in ast.walk(statement)):
        if isinstance(node, ast.Assign) and any(_root_name(v) in derived for v in _values(node.value)):
            derived |= {t.id for target in node.targets for t in ast.walk(target) if isinstance(t, ast.Name)}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in models and node.args:
            if _root_name(node.args[0]) in derived:
                return node.func.id
    return None


def _values(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def _model_built_by(statement: ast.stmt, classes: dict[str, ast.ClassDef]) -> tuple[str, tuple[str, ...]] | None:
    """(name, attribute order) when the statement is `name = nn.X(...)` or `name = Net(...)` (with
    setup calls such as `.to(device)` after it)."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)):
        return None
    value = statement.value
    while (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
           and value.func.attr in _SETUP_CALLS and isinstance(value.func.value, ast.Call)):
        value = value.func.value
    if not isinstance(value, ast.Call):
        return None
    maker = value.func
    if isinstance(maker, ast.Name) and maker.id in classes:
        forward = harness.method_of(classes[maker.id], "forward", classes)
        return statement.targets[0].id, tuple(harness.attributes_in_run_order(forward)) if forward else ()
    if isinstance(maker, ast.Attribute) and _root_name(maker) in _MODEL_MAKERS and maker.attr[:1].isupper():
        return statement.targets[0].id, ()
    return None


def _root_name(node: ast.expr) -> str | None:
    """`x` in `x`, `x.to(device)`, `x.float().cuda()`, `x[0]`."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        else:
            return None


def _names_in(statement: ast.stmt) -> set[str]:
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _first_use(tree: ast.Module, name: str) -> int:
    return next(statement.lineno for statement in tree.body if name in _names_in(statement))


def _undefined_names(tree: ast.Module) -> set[str]:
    """Names read but bound nowhere in the fragment (not even inside a function), nor built in."""
    read: set[str] = set()
    bound: set[str] = set(PROVIDED) | set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound |= set(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return read - bound


def _kb_model_input(model, attributes):  # noqa: ANN001, ANN202 - copied verbatim into the sandbox program
    """An input shaped as the model's first layer reads it; its free size (a length, an image side)
    is the first usual one that the whole model accepts, so that only an error no plausible input
    avoids is reported (generated by kb)."""
    import copy
    import sys

    import torch
    from torch import nn

    batch = 8
    conv, norm = nn.modules.conv._ConvNd, nn.modules.batchnorm._BatchNorm
    reading = (nn.Embedding, nn.EmbeddingBag, nn.Linear, conv, nn.RNNBase, norm, nn.LayerNorm, nn.TransformerEncoderLayer)

    def first_layer():
        for candidate in [*(getattr(model, name, None) for name in attributes), *model.modules()]:
            while isinstance(candidate, (nn.Sequential, nn.ModuleList)) and len(candidate):
                candidate = candidate[0]
            if isinstance(candidate, reading) and not isinstance(candidate, nn.modules.lazy.LazyModuleMixin):
                return candidate
        raise NameError(f"no layer of {type(model).__name__} says what input it reads")  # the run cannot decide

    def shaped(layer, free):
        spatial = layer.weight.dim() - 2 if isinstance(layer, conv) else (
            {nn.BatchNorm2d: 2, nn.BatchNorm3d: 3}.get(type(layer), 0) if isinstance(layer, norm) else 0)
        if isinstance(layer, (nn.Embedding, nn.EmbeddingBag)):
            return torch.zeros(batch, free, dtype=torch.long)
        if isinstance(layer, (conv, norm)):
            return torch.randn(batch, layer.in_channels if isinstance(layer, conv) else layer.num_features,
                               *[free] * spatial)
        if isinstance(layer, nn.Linear):
            return torch.randn(batch, layer.in_features)
        if isinstance(layer, nn.LayerNorm):
            return torch.randn(batch, *layer.normalized_shape)
        width = layer.input_size if isinstance(layer, nn.RNNBase) else layer.self_attn.embed_dim
        first = layer.batch_first
        return torch.randn(*((batch, free) if first else (free, batch)), width)

    def accepts(inputs):
        main = sys.modules["__main__"].__dict__
        main["_kb_probing"] = True  # what the probe shows is not the code's own run
        try:
            with torch.no_grad():
                copy.deepcopy(model)(inputs)
        except Exception:  # noqa: BLE001 - only probing which size the model accepts
            return False
        finally:
            main["_kb_probing"] = False
        return True

    layer = first_layer()
    dims = layer.weight.dim() - 2 if isinstance(layer, conv) else 0
    sizes = {1: [100, 128, 1000, 64], 2: [28, 32, 64, 224], 3: [16, 32]}.get(dims, [12, 7])
    return next((example for example in map(lambda free: shaped(layer, free), sizes) if accepts(example)),
                shaped(layer, sizes[0]))


def _kb_one_batch(model, attributes):  # noqa: ANN001, ANN202 - copied verbatim into the sandbox program
    """One batch from a loader the fragment does not define: inputs for its model, and a target that
    takes the shape of what the loss compares it with (generated by kb)."""
    inputs = _kb_model_input(model, attributes)
    return [(inputs, _KbGuessedTarget(inputs.shape[0]))]


class _KbMissing:  # copied verbatim into the sandbox program
    """A module the sandbox does not have (torchvision, matplotlib, ...), imported by the fragment.
    What the code builds from it stays missing; any other use stops the run as undecided, so the
    lines that do not need it still run (generated by kb)."""

    def __init__(self, name):  # noqa: ANN001, ANN204
        self._kb_name = name

    def __getattr__(self, name):  # noqa: ANN001, ANN204, D105
        return _KbMissing(f"{self._kb_name}.{name}")

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204, D102
        return _KbMissing(f"{self._kb_name}()")

    def _kb_undecided(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise NameError(f"{self._kb_name} is not installed where kb runs the code")

    __bool__ = __len__ = __iter__ = __getitem__ = __index__ = __int__ = __float__ = _kb_undecided
    __add__ = __radd__ = __sub__ = __mul__ = __rmul__ = __truediv__ = __eq__ = __lt__ = __gt__ = _kb_undecided
    __hash__ = object.__hash__


def _kb_batches_of(loader, make):  # noqa: ANN001, ANN202 - copied verbatim into the sandbox program
    """The loader itself, or, when it loads a data set the sandbox lacks, one batch made for the
    model its loop feeds (generated by kb)."""
    return make() if isinstance(loader, _KbMissing) else loader


class _KbGuessedTarget:  # copied verbatim into the sandbox program
    """The target of a batch the fragment does not define. A loss makes it fit its input
    (`fitted`); any other use would decide an error by a guess, so it stops the run as undecided."""

    def __init__(self, batch, dtype=None):  # noqa: ANN001, ANN204
        self.batch, self.dtype = batch, dtype

    def to(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        import torch

        dtype = kwargs.get("dtype", next((a for a in args if isinstance(a, torch.dtype)), None))
        return _KbGuessedTarget(self.batch, dtype or self.dtype)

    def float(self):  # noqa: ANN201
        import torch

        return self.to(torch.float32)

    def long(self):  # noqa: ANN201
        import torch

        return self.to(torch.long)

    def kept(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - a device, or a shape the loss decides
        return self

    cuda = cpu = view = reshape = squeeze = unsqueeze = flatten = contiguous = kept

    def size(self, dim=None):  # noqa: ANN001, ANN201
        if dim == 0:
            return self.batch
        raise NameError("the target of a batch kb made up has no known size")

    def __len__(self):  # noqa: D105
        return self.batch

    def __getattr__(self, name):  # noqa: ANN001, ANN204, D105
        raise NameError(f"the target of a batch kb made up has no `{name}`")

    def fitted(self, loss, inputs):  # noqa: ANN001, ANN201
        """A target of the shape and dtype that `loss` accepts with `inputs`."""
        import torch
        import torch.nn.functional as F

        if loss in (F.cross_entropy, F.nll_loss):
            shape = () if inputs.dim() == 1 else (inputs.shape[0], *inputs.shape[2:])
            return torch.zeros(shape, dtype=self.dtype or torch.long)
        return torch.zeros(inputs.shape, dtype=self.dtype or inputs.dtype)

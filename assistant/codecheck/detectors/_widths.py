"""The widths that layers are built with (`nn.Linear(64, 128)`: 64 in, 128 out), written as int literals or
names bound to them, and which layer's output a tensor certainly is: for the detectors of consecutive
layers whose sizes disagree (in an nn.Sequential, or chained in a forward)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.codecheck._code import Code, argument, constant, dotted, has_star_arguments, keyword, kind_of, source_of
from assistant.codecheck.detectors._blocks import before, statement_of, stored_names
from assistant.codecheck.detectors._factory_shapes import factory_sizes
from assistant.codecheck.detectors._loaders import (TENSOR_DATASETS, is_call_of, loader_call, loader_dataset,
                                                   tensor_dataset_part)
from assistant.codecheck.detectors._signatures import file_modules
from assistant.codecheck.detectors._torch_names import is_functional, is_layer, is_torch_function, layer_call, may_hold
from assistant.codecheck.detectors._unpacked import is_parameter

# Layers that keep the last axis (an MLP's features) as it is.
KEEP_FEATURES = ("ReLU", "ReLU6", "LeakyReLU", "PReLU", "GELU", "SiLU", "ELU", "SELU", "CELU", "Mish", "Tanh",
                 "Sigmoid", "Hardswish", "Hardtanh", "Softplus", "Dropout", "AlphaDropout", "Identity")
# Layers that keep dim 1 (a conv's channels) as it is.
KEEP_CHANNELS = (*KEEP_FEATURES, "Dropout1d", "Dropout2d", "Dropout3d", "MaxPool1d", "MaxPool2d", "MaxPool3d",
                 "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
                 "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Upsample", "UpsamplingNearest2d",
                 "UpsamplingBilinear2d", "ZeroPad2d", "ReflectionPad2d", "ReplicationPad2d", "ConstantPad2d")
# Functions (F.relu, torch.tanh, x.relu()) that keep a tensor's shape.
KEEP_SHAPE_FUNCTIONS = ("relu", "relu6", "leaky_relu", "gelu", "silu", "elu", "selu", "celu", "mish", "tanh",
                        "sigmoid", "hardswish", "softplus", "dropout", "relu_", "sigmoid_", "tanh_")
POOL_FUNCTIONS = ("max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
                  "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "dropout2d", "interpolate")
CONVS = ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
BATCHNORMS = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")


def conv_dims(kind: str) -> int:
    """The spatial dims of a conv or batch norm kind: 2 for Conv2d / BatchNorm2d."""
    return int(kind[-2]) if kind[-2:-1].isdigit() else 0


@dataclass(frozen=True)
class Width:
    """A layer size as written (`hidden`, `128`) and its int value where the code shows it."""

    node: ast.expr
    value: int | None

    def same_as(self, other: Width, code: Code) -> bool | None:
        """True/False where the code shows whether the two sizes are equal, None where it does not."""
        if self.value is not None and other.value is not None:
            return self.value == other.value
        if _unchanged_name(code, self.node) and dotted(self.node) == dotted(other.node) \
                and code.scope_of(self.node) is code.scope_of(other.node):
            return True
        return None

    def shown(self) -> str:
        spelled = source_of(self.node)
        return spelled if self.value is None or spelled == str(self.value) else f"{spelled} = {self.value}"


def _unchanged_name(code: Code, node: ast.expr) -> bool:
    """A function's parameter (or a module-level name) that the scope never rebinds: the same value
    wherever it is read there."""
    name = dotted(node)
    if not isinstance(node, ast.Name) or name is None:
        return False
    scope = code.scope_of(node)
    return not code.assigned(scope, name) and (is_parameter(scope, name) or len(code.assigned(code.tree, name)) == 1)


def int_value(code: Code, node: ast.expr | None, depth: int = 0) -> int | None:
    """The int a size certainly is: a literal, a name bound once to one (also by a tuple assignment, also
    at module level when read in a function), or + - * // of such."""
    if node is None or depth > 10:
        return None
    value = constant(node)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(node, ast.Name):
        if node.id in _declared_global(code):
            return None  # a function may rebind it
        bound = code.reaching_value(node)
        if bound is not None and not (isinstance(bound, ast.Constant) and bound.value is NotImplemented):
            return int_value(code, bound, depth + 1)
        unpacked = _unpacked(code, node)
        if unpacked is not None:
            return int_value(code, unpacked, depth + 1)
        return _constructor_argument(code, node, depth)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
        left, right = int_value(code, node.left, depth + 1), int_value(code, node.right, depth + 1)
        if left is None or right is None or (isinstance(node.op, ast.FloorDiv) and right == 0):
            return None
        operations = {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__, ast.FloorDiv: int.__floordiv__}
        return operations[type(node.op)](left, right)
    return None


def _constructor_argument(code: Code, use: ast.Name, depth: int) -> int | None:
    """A parameter of a module class's __init__ (never rebound there) that every construction of the
    class in the file gives the same int, passed or by default; the class must be used only by calling
    it (no subclass, no alias), so that those calls are all the values it gets."""
    init = code.scope_of(use)
    cls = code.parents.get(init)
    if not (isinstance(init, ast.FunctionDef) and init.name == "__init__" and isinstance(cls, ast.ClassDef)
            and file_modules(code).get(cls.name) is cls and is_parameter(init, use.id)
            and not code.assigned(init, use.id)):
        return None
    arguments = init.args
    if arguments.vararg or arguments.kwarg:
        return None
    positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]][1:]
    defaults = dict(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults))
    defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    calls = _constructions(code).get(cls.name)
    if not calls:
        return None
    values = set()
    for call in calls:
        if has_star_arguments(call):
            return None
        given = call.args[positional.index(use.id)] if use.id in positional and positional.index(use.id) < len(
            call.args) else keyword(call, use.id)
        value = int_value(code, given if given is not None else defaults.get(use.id), depth + 1)
        if value is None:
            return None
        values.add(value)
    return values.pop() if len(values) == 1 else None


def _constructions(code: Code) -> dict[str, list[ast.Call]]:
    """For each module class of the file that is only ever called (never subclassed, passed or aliased),
    its calls."""
    if "width constructions" not in code.memo:
        classes = file_modules(code)
        calls: dict[str, list[ast.Call]] = {}
        spoilt = {dotted(base) for cls in code.classes for base in cls.bases}
        for node in code.nodes_of(ast.Name):
            if node.id in classes and isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                parent = code.parents.get(node)
                if isinstance(parent, ast.Call) and parent.func is node:
                    calls.setdefault(node.id, []).append(parent)  # type: ignore[attr-defined]
                else:
                    spoilt.add(node.id)  # type: ignore[attr-defined]
        code.memo["width constructions"] = {name: found for name, found in calls.items() if name not in spoilt}
    return code.memo["width constructions"]  # type: ignore[return-value]


def _declared_global(code: Code) -> set[str]:
    if "global names" not in code.memo:
        code.memo["global names"] = {n for node in code.nodes_of(ast.Global, ast.Nonlocal) for n in node.names}  # type: ignore[attr-defined]
    return code.memo["global names"]  # type: ignore[return-value]


def _shadowed(code: Code, call: ast.Call) -> bool:
    """The called name's root is a parameter of the function that calls it (then it holds what the caller
    passed, not what the file binds at module level)."""
    root = (dotted(call.func) or "").partition(".")[0]
    return root != "self" and is_parameter(code.scope_of(call), root)


def _unpacked(code: Code, use: ast.Name) -> ast.expr | None:
    """`FEATURES` of `FEATURES, SEQ = 100, 12`: in the use's own scope, or at module level for a name
    a function reads without binding it; the name must be bound exactly once there."""
    scope = code.scope_of(use)
    if not code.assigned(scope, use.id) and isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) \
            and not is_parameter(scope, use.id):
        scope = code.tree
    if len(code.assigned(scope, use.id)) != 1 or is_parameter(scope, use.id):
        return None
    for statement in _tuple_assignments(code).get(scope, ()):
        names = [dotted(element) for element in statement.targets[0].elts]  # type: ignore[attr-defined]
        if use.id in names and (scope is not code.scope_of(use) or statement.lineno < use.lineno):
            return statement.value.elts[names.index(use.id)]  # type: ignore[attr-defined]
    return None


def _tuple_assignments(code: Code) -> dict[ast.AST, list[ast.Assign]]:
    if "width tuple assignments" not in code.memo:
        found: dict[ast.AST, list[ast.Assign]] = {}
        for node in code.nodes_of(ast.Assign):
            target = node.targets[0] if len(node.targets) == 1 else None  # type: ignore[attr-defined]
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) \
                    and len(node.value.elts) == len(target.elts) \
                    and not any(isinstance(e, ast.Starred) for e in [*target.elts, *node.value.elts]):
                found.setdefault(code.scope_of(node), []).append(node)  # type: ignore[arg-type]
        code.memo["width tuple assignments"] = found
    return code.memo["width tuple assignments"]  # type: ignore[return-value]


def width(code: Code, node: ast.expr | None) -> Width | None:
    return Width(node, int_value(code, node)) if node is not None else None


def in_width(code: Code, layer: ast.Call) -> Width | None:
    """The size a layer expects on its input's feature axis (last for Linear, dim 1 for conv and batch
    norm, the last of normalized_shape for LayerNorm)."""
    if has_star_arguments(layer):
        return None
    kind = kind_of(layer)
    if kind in ("Linear", "Bilinear"):
        return width(code, argument(layer, 0, "in_features" if kind == "Linear" else "in1_features"))
    if kind in CONVS:
        return width(code, argument(layer, 0, "in_channels"))
    if kind in BATCHNORMS:
        return width(code, argument(layer, 0, "num_features"))
    if kind == "LayerNorm":
        shape = argument(layer, 0, "normalized_shape")
        if isinstance(shape, (ast.List, ast.Tuple)):
            return width(code, shape.elts[-1]) if shape.elts and not isinstance(shape.elts[-1], ast.Starred) else None
        return width(code, shape)
    return None


def out_width(code: Code, layer: ast.Call) -> Width | None:
    """The size a layer's output has on its feature axis."""
    if has_star_arguments(layer):
        return None
    kind = kind_of(layer)
    if kind in ("Linear", "Bilinear"):
        return width(code, argument(layer, 1 if kind == "Linear" else 2, "out_features"))
    if kind == "LazyLinear":
        return width(code, argument(layer, 0, "out_features"))
    if kind in CONVS:
        return width(code, argument(layer, 1, "out_channels"))
    if kind in ("Embedding", "EmbeddingBag"):
        return width(code, argument(layer, 1, "embedding_dim"))
    return None


@dataclass(frozen=True)
class Link:
    """A layer (its construction) that certainly receives the output of another."""

    producer: ast.Call  # nn.Linear(64, 128): the layer whose output it is
    consumer: ast.Call  # nn.Linear(256, 10): the layer built to take it
    at: ast.Call  # where the consumer is built (in a Sequential) or called (in a forward)
    shown: str  # the consumer as the user names it: `Linear(256, 10)` or `self.fc2`


def links(code: Code, producers: tuple[str, ...], consumers: tuple[str, ...], keeping: tuple[str, ...]) -> Iterator[Link]:
    """Every consumer layer (of these kinds) that gets the output of a producer layer with only `keeping`
    layers (and shape-keeping functions) between: in nn.Sequential(...) and in calls of the file."""
    key = ("width links", producers, consumers, keeping)
    if key not in code.memo:
        code.memo[key] = [*_sequential_links(code, producers, consumers, keeping),
                          *_call_links(code, producers, consumers, keeping)]
    yield from code.memo[key]  # type: ignore[misc]


def _sequential_links(code: Code, producers: tuple[str, ...], consumers: tuple[str, ...],
                      keeping: tuple[str, ...]) -> Iterator[Link]:
    for sequential in code.calls_of("Sequential"):
        if not is_layer(sequential, "Sequential"):
            continue
        previous: ast.Call | None = None
        for layer in sequential.args:
            if not isinstance(layer, ast.Call):
                previous = None
                continue
            if previous is not None and torch_layer(code, layer, consumers):
                yield Link(previous, layer, layer, source_of(layer))
            if torch_layer(code, layer, producers):
                previous = layer
            elif not is_layer(layer, *keeping):
                previous = None


def _call_links(code: Code, producers: tuple[str, ...], consumers: tuple[str, ...],
                keeping: tuple[str, ...]) -> Iterator[Link]:
    held = code.bound_to(*consumers, "Sequential")
    for call in calls_of_held(code, held):
        spelled = dotted(call.func)
        if spelled is None or len(call.args) != 1 or call.keywords or (
                spelled not in held and f"self.{spelled.rpartition('.')[2]}" not in held):
            continue
        consumer = _first_of(code, call.func, consumers, keeping) if not _shadowed(code, call) else None
        if consumer is None:
            continue
        producer = producing_layer(code, call.args[0], producers, keeping)
        if producer is not None:
            yield Link(producer, consumer, call, f"{source_of(call.func)} ({source_of(consumer)}, line {consumer.lineno})")


def calls_of_held(code: Code, held: frozenset[str]) -> list[ast.Call]:
    """The calls that may call one of these names (`fc`, `self.fc`): spelled so, or any call ending
    in the attribute of a `self.` one (`model.fc(x)` when the class binds `self.fc`), in file order."""
    attributes = [name.removeprefix("self.") for name in held if name.startswith("self.") and name.count(".") == 1]
    return code.in_file_order([*code.calls_spelled(*held), *(c for a in attributes for c in code.calls_of(a))])


def held_layer(code: Code, node: ast.expr, kinds: tuple[str, ...]) -> ast.Call | None:
    """The construction of the layer `self.fc` / `fc` holds, when it is one of these kinds."""
    if not may_hold(code, node, *kinds, *MODULE_MOVES) or replaced(code, node):
        return None
    built = unmoved(layer_call(code, node))
    return built if isinstance(built, ast.Call) and torch_layer(code, built, kinds) else None


def torch_layer(code: Code, call: ast.expr, kinds: tuple[str, ...]) -> bool:
    """`nn.Linear(...)` (or a bare `Linear(...)` from torch.nn, or one a fragment never imports) of these
    kinds, not a class of the same name that the file defines or imports from elsewhere, whose sizes
    may mean something else."""
    if not is_layer(call, *kinds):
        return False
    spelled = code.resolved(call.func)  # type: ignore[attr-defined]
    if spelled is not None:
        return spelled.startswith("torch.nn.")
    return call.func.id not in {d.name for d in code.classes}  # type: ignore[attr-defined]


# Module methods that return the module itself: `nn.Sequential(...).to(device)` is still that Sequential.
MODULE_MOVES = ("to", "cuda", "cpu", "float", "double", "half", "train", "eval")


def unmoved(built: ast.expr | None) -> ast.expr | None:
    """The construction under `.to(device)`, `.cuda()`, `.eval()`: `nn.Linear(4, 2)` of `nn.Linear(4, 2).to(device)`."""
    while isinstance(built, ast.Call) and isinstance(built.func, ast.Attribute) and built.func.attr in MODULE_MOVES \
            and isinstance(built.func.value, ast.Call):
        built = built.func.value
    return built


def replaced(code: Code, node: ast.expr) -> bool:
    """Model surgery may have swapped the layer: an attribute of that name is set on something other than
    `self` (`model.stem = nn.Conv2d(1, ...)`), or the container is changed in place (`model[0] = ...`,
    `features.append(...)`)."""
    if "width surgery" not in code.memo:
        attributes, containers = set(), set()
        for statement in code.nodes_of(ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete):
            targets = statement.targets if isinstance(statement, (ast.Assign, ast.Delete)) else [statement.target]  # type: ignore[attr-defined]
            for target in targets:
                if isinstance(target, ast.Attribute) and dotted(target.value) != "self":
                    attributes.add(target.attr)
                elif isinstance(target, ast.Subscript):
                    containers.add(dotted(target.value))
        for call in code.calls_of("append", "insert", "extend", "add_module", "register_module", "pop"):
            if isinstance(call.func, ast.Attribute):
                containers.add(dotted(call.func.value))
        surgery = "setattr" in code.source
        code.memo["width surgery"] = (attributes, containers, surgery)
    attributes, containers, surgery = code.memo["width surgery"]  # type: ignore[misc]
    name = dotted(node) or ""
    if "." in name and (surgery or name.rpartition(".")[2] in attributes):
        return True
    return name in containers or f"self.{name.rpartition('.')[2]}" in containers


def _first_of(code: Code, func: ast.expr, kinds: tuple[str, ...], keeping: tuple[str, ...]) -> ast.Call | None:
    """The layer of these kinds that a called name applies first: the layer itself, or the first layer
    of an nn.Sequential past `keeping` ones."""
    if (layer := held_layer(code, func, kinds)) is not None:
        return layer
    block = held_layer(code, func, ("Sequential",))
    return _past_keeping(code, block.args, kinds, keeping) if block is not None else None


def _past_keeping(code: Code, layers: list[ast.expr], kinds: tuple[str, ...], keeping: tuple[str, ...]) -> ast.Call | None:
    """The first of these layers (in order) that is of these kinds, when only `keeping` ones precede it."""
    for layer in layers:
        if not isinstance(layer, ast.Call):
            return None
        if torch_layer(code, layer, kinds):
            return layer
        if not is_layer(layer, *keeping):
            return None
    return None


def producing_layer(code: Code, value: ast.expr, producers: tuple[str, ...], keeping: tuple[str, ...],
                    depth: int = 0) -> ast.Call | None:
    """The construction of the producer layer whose output `value` certainly is: followed through names
    bound just above, shape-keeping functions and `keeping` layers (or an nn.Sequential ending in one)."""
    if depth > 8:
        return None
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        return producing_layer(code, bound, producers, keeping, depth + 1) if bound is not None else None
    if not isinstance(value, ast.Call) or not value.args and not isinstance(value.func, ast.Attribute):
        return None
    if isinstance(value.func, ast.Attribute) and value.func.attr in KEEP_SHAPE_FUNCTIONS and not value.args \
            and dotted(value.func.value) not in ("torch", "F"):
        return producing_layer(code, value.func.value, producers, keeping, depth + 1)  # h.relu()
    if not value.args:
        return None
    pools = POOL_FUNCTIONS if any("Pool" in k for k in keeping) else ()  # pooling keeps a conv's channels
    if is_functional(value, *KEEP_SHAPE_FUNCTIONS, *pools) or is_torch_function(value, *KEEP_SHAPE_FUNCTIONS, *pools):
        return producing_layer(code, value.args[0], producers, keeping, depth + 1)
    if not isinstance(value.func, (ast.Name, ast.Attribute)) or len(value.args) != 1:
        return None
    if (layer := held_layer(code, value.func, producers)) is not None:
        return layer
    if held_layer(code, value.func, keeping) is not None:
        return producing_layer(code, value.args[0], producers, keeping, depth + 1)
    block = held_layer(code, value.func, ("Sequential",))
    return _past_keeping(code, list(reversed(block.args)), producers, keeping) if block is not None else None


def first_layer_of(code: Code, call: ast.Call, kinds: tuple[str, ...]) -> ast.Call | None:
    """The construction of the layer (of these kinds) that the model `call` runs applies first to its
    input: the layer itself, the first layer of an nn.Sequential, or the layer a module class of the
    file calls first on forward's input (when forward's first use of it is that call)."""
    if _shadowed(code, call):
        return None
    if (layer := _first_of(code, call.func, kinds, ())) is not None:
        return layer
    built = unmoved(layer_call(code, call.func))
    if not (isinstance(built, ast.Call) and isinstance(built.func, ast.Name)):
        return None
    first = _forward_first_call(code, built.func.id)
    return _first_of(code, first, kinds, ()) if first is not None else None


def _forward_first_call(code: Code, class_name: str) -> ast.expr | None:
    """What a module class's forward first calls on its input (`self.fc1` of `self.fc1(x)`), when the
    first thing forward does with its input is to pass it alone to that call (worked out once a class)."""
    key = ("forward first call", class_name)
    if key in code.memo:
        return code.memo[key]  # type: ignore[return-value]
    cls = file_modules(code).get(class_name)
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None) if cls else None
    found = None
    if forward is not None and len(forward.args.args) == 2 and not forward.args.vararg and not forward.args.kwonlyargs:
        given = forward.args.args[1].arg
        uses = [n for n in code.descendants(forward, ast.Name) if n.id == given]
        first = min((n for n in uses if isinstance(n.ctx, ast.Load)), key=lambda n: (n.lineno, n.col_offset), default=None)
        used = code.parents.get(first) if first is not None else None
        if isinstance(used, ast.Call) and len(used.args) == 1 and used.args[0] is first and not used.keywords \
                and not any(isinstance(n.ctx, ast.Store) and n.lineno < first.lineno for n in uses):  # type: ignore[union-attr]
            found = used.func
    code.memo[key] = found
    return found


SHAPE_KEEPING_METHODS = ("to", "cuda", "cpu", "float", "double", "half", "contiguous", "detach", "clone",
                         "requires_grad_")


def input_sizes(code: Code, value: ast.expr, depth: int = 0) -> list[int] | None:
    """The sizes of the tensor `value` certainly is, from a torch factory with int literal sizes
    (`torch.randn(8, 32, 32, 3)`): followed through names bound just above, moves and casts, and
    batches (dim 0 then unknown, as -1) of a row slice, a `split`/`chunk` loop or a DataLoader over a
    TensorDataset."""
    if depth > 8:
        return None
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        if bound is not None:
            return input_sizes(code, bound, depth + 1)
        if (first := _next_batch_part(code, value)) is not None:
            return _batched(input_sizes(code, first, depth + 1))
        if len(code.assigned(code.scope_of(value), value.id)) != 1:
            return None  # a loop variable that the loop also rebinds
        part = tensor_dataset_part(code, value) or _split_loop_part(code, value)
        return _batched(input_sizes(code, part, depth + 1)) if part is not None else None
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice):
        return _batched(input_sizes(code, value.value, depth + 1))
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
            and dotted(value.func.value) not in ("torch", "F", "np", "numpy") and not value.keywords:
        method = value.func.attr
        if method in SHAPE_KEEPING_METHODS:
            return input_sizes(code, value.func.value, depth + 1)
        if method in ("view", "reshape"):
            return _reshaped(code, value.args)
        if method in ("permute", "transpose", "unsqueeze"):
            inner = input_sizes(code, value.func.value, depth + 1)
            return _moved(code, inner, method, value.args) if inner is not None else None
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        for tensor, other in ((value.left, value.right), (value.right, value.left)):
            if isinstance(constant(other), (int, float)) and not isinstance(constant(other), bool):
                return input_sizes(code, tensor, depth + 1)  # x / 255.0 keeps x's shape
        return None
    if isinstance(value, ast.Call) and code.resolved(value.func) in ("torch.from_numpy", "torch.as_tensor",
                                                                      "torch.tensor", "torch.Tensor") \
            and len(value.args) == 1 and not isinstance(value.args[0], (ast.List, ast.Tuple)):
        return input_sizes(code, value.args[0], depth + 1)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "astype":
        return input_sizes(code, value.func.value, depth + 1)
    sizes = factory_sizes(value) or _array_sizes(code, value)
    return list(sizes) if sizes else None


NUMPY_SHAPED = ("numpy.zeros", "numpy.ones", "numpy.empty", "numpy.random.rand", "numpy.random.randn")
RANDOM_SIZED = ("integers", "random", "normal", "uniform", "standard_normal", "randint", "rand", "randn")


def _array_sizes(code: Code, value: ast.expr) -> list[int] | None:
    """The sizes of a NumPy array made with literal ones: `np.zeros((8, 32, 32, 3))`, `np.random.rand(8, 12)`,
    `rng.integers(0, 255, size=(8, 32, 32, 3))` of `np.random.default_rng(...)`."""
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return None
    spelled = code.resolved(value.func) or ""
    if spelled in NUMPY_SHAPED and value.args:
        shape = value.args[0] if spelled.rpartition(".")[2] in ("zeros", "ones", "empty") else None
        sizes = shape.elts if isinstance(shape, (ast.Tuple, ast.List)) else [shape] if shape is not None else value.args
    elif value.func.attr in RANDOM_SIZED and _numpy_random(code, value.func.value) \
            and isinstance(size := keyword(value, "size"), (ast.Tuple, ast.List, ast.Constant)):
        sizes = size.elts if isinstance(size, (ast.Tuple, ast.List)) else [size]
    else:
        return None
    numbers = [constant(s) for s in sizes]
    return numbers if numbers and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in numbers) \
        else None  # type: ignore[return-value]


def _numpy_random(code: Code, receiver: ast.expr) -> bool:
    """`np.random` or a generator of `np.random.default_rng(...)` (called there or bound to a name)."""
    if isinstance(receiver, ast.Name):
        receiver = code.reaching_value(receiver)  # type: ignore[assignment]
    if isinstance(receiver, ast.Call):
        return code.resolved(receiver.func) in ("numpy.random.default_rng", "numpy.random.RandomState")
    return receiver is not None and code.resolved(receiver) == "numpy.random"


def _reshaped(code: Code, arguments: list[ast.expr]) -> list[int] | None:
    """The sizes `x.view(-1, 1, 28, 28)` asks for: every one known but the batch (dim 0)."""
    if len(arguments) == 1 and isinstance(arguments[0], (ast.Tuple, ast.List)):
        arguments = arguments[0].elts
    if not arguments or any(isinstance(a, ast.Starred) for a in arguments):
        return None
    sizes = [int_value(code, a) for a in arguments]
    if any(size is None or size < 1 for size in sizes[1:]):
        return None
    return [-1 if sizes[0] is None or sizes[0] < 1 else sizes[0], *sizes[1:]]  # type: ignore[list-item]


def _moved(code: Code, sizes: list[int], method: str, arguments: list[ast.expr]) -> list[int] | None:
    """The sizes after `permute(0, 3, 1, 2)`, `transpose(1, 2)` or `unsqueeze(1)` with literal dims."""
    dims = [constant(a) for a in arguments]
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        return None
    rank = len(sizes) + (method == "unsqueeze")
    dims = [d + rank if d < 0 else d for d in dims]  # type: ignore[operator]
    if any(not 0 <= d < rank for d in dims):  # type: ignore[operator]
        return None
    if method == "permute":
        return [sizes[d] for d in dims] if sorted(dims) == list(range(rank)) else None  # type: ignore[index]
    if method == "transpose" and len(dims) == 2:
        moved = list(sizes)
        moved[dims[0]], moved[dims[1]] = moved[dims[1]], moved[dims[0]]  # type: ignore[index]
        return moved
    if method == "unsqueeze" and len(dims) == 1:
        return [*sizes[: dims[0]], 1, *sizes[dims[0]:]]  # type: ignore[index]
    return None


def _batched(sizes: list[int] | None) -> list[int] | None:
    return [-1, *sizes[1:]] if sizes else None


def _split_loop_part(code: Code, name: ast.Name) -> ast.expr | None:
    """The tensor that the loop variable `name` takes chunks of along dim 0: `for xb in X.split(16)`,
    `for xb, yb in zip(X.split(16), y.split(16))`."""
    loop = next((a for a in code.ancestors(name) if isinstance(a, ast.For)), None)
    if loop is None:
        return None
    target, iterated = loop.target, loop.iter
    if isinstance(target, ast.Name) and target.id == name.id:
        return _split_of(iterated)
    if isinstance(target, ast.Tuple) and isinstance(iterated, ast.Call) and dotted(iterated.func) == "zip" \
            and len(iterated.args) == len(target.elts) and not iterated.keywords:
        position = next((i for i, t in enumerate(target.elts) if isinstance(t, ast.Name) and t.id == name.id), None)
        return _split_of(iterated.args[position]) if position is not None else None
    return None


def _next_batch_part(code: Code, name: ast.Name) -> ast.expr | None:
    """The tensor of a TensorDataset that `images` takes its first batch from in a notebook's
    `images, labels = next(iter(loader))`, when that is the nearest binding of the name above its use
    in the same block."""
    statement = statement_of(code, name)
    for previous in before(code, statement) if statement is not None else ():
        if isinstance(previous, ast.Assign) and len(previous.targets) == 1 \
                and isinstance(target := previous.targets[0], ast.Tuple) \
                and name.id in (names := [dotted(e) for e in target.elts]):
            return _first_batch_part(code, previous.value, names.index(name.id), len(names))
        if name.id in stored_names(code, previous):
            return None
    return None


def _first_batch_part(code: Code, value: ast.expr, position: int, count: int) -> ast.expr | None:
    """The `position`-th tensor of the TensorDataset that `next(iter(loader))` draws a batch from."""
    if not (isinstance(value, ast.Call) and dotted(value.func) == "next" and len(value.args) == 1
            and isinstance(inner := value.args[0], ast.Call) and dotted(inner.func) == "iter" and len(inner.args) == 1):
        return None
    loader = loader_call(code, inner.args[0])
    dataset = loader_dataset(code, loader) if loader is not None else None
    if isinstance(dataset, ast.Call) and is_call_of(code, dataset, TENSOR_DATASETS) and len(dataset.args) == count \
            and not any(isinstance(a, ast.Starred) for a in dataset.args):
        return dataset.args[position]
    return None


def _split_of(iterated: ast.expr) -> ast.expr | None:
    """`X` of `X.split(16)` / `X.chunk(4)` / `torch.split(X, 16)`, split along dim 0."""
    if not isinstance(iterated, ast.Call) or not isinstance(iterated.func, ast.Attribute) \
            or iterated.func.attr not in ("split", "chunk") or iterated.keywords:
        return None
    if dotted(iterated.func.value) == "torch":
        return iterated.args[0] if len(iterated.args) == 2 else None
    return iterated.func.value if len(iterated.args) == 1 else None


def model_inputs(code: Code, kinds: tuple[str, ...]) -> Iterator[tuple[ast.Call, ast.Call, list[int]]]:
    """(the call, the layer it applies first, the input's sizes) for each one-argument call of a layer,
    an nn.Sequential or a module class of the file whose first layer is of these kinds, on a tensor whose
    sizes the code shows (`input_sizes`)."""
    models = code.bound_to("Sequential", *kinds, *file_modules(code), *MODULE_MOVES)
    for call in code.calls_spelled(*models):
        if len(call.args) != 1 or call.keywords:
            continue
        sizes = input_sizes(code, call.args[0])
        first = first_layer_of(code, call, kinds) if sizes else None
        if first is not None:
            yield call, first, sizes  # type: ignore[misc]


def shown_sizes(sizes: list[int]) -> str:
    """`[N, 1, 28, 28]`: the sizes as torch prints a shape, N for a batch size the code does not fix."""
    return "[" + ", ".join("N" if size == -1 else str(size) for size in sizes) + "]"

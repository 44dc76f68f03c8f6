"""Run pasted code on abstract tensors, so that its shape and dtype errors show without real compute.

Code with no error text is best explained by the error it would raise, but running it for real
costs the user's whole compute (and a model may be far bigger than the machine). Here it runs in
the sandbox (it is untrusted like any pasted code) with torch's `meta` device as the default:
every tensor has a shape, a dtype and strides but no data, so a forward and backward pass of any
size costs only the bookkeeping. A file that only defines a model is driven on the input its
`forward` declares in a comment, else by the repair harness (assistant.repair.harness), which builds
the input from the layer definitions and the module's size constants; a fragment runs on the shapes
its comments declare (assistant.repair.shape_comments), with its undefined model inputs and loaders
made from the model it builds (assistant.repair.undefined_inputs), the layers of its `self` its
comments declare (assistant.repair.layer_comments), and stand-ins for the modules the sandbox lacks.
Every device is the meta device (`.to(device)`, `.cuda()`), and what the layers were
given is reported beside the error (assistant.repair.layer_facts).

Meta kernels check shapes but word some errors differently from the CPU kernels that users see
(and the corpus's patterns quote). When an operation fails on meta, it is replayed once on zero
tensors of the same shapes, dtypes and strides on the CPU: the CPU's error is reported, and an
error that only meta raises means the run cannot decide. Values read from meta tensors (`.item()`,
`.numpy()`, an `if` on a tensor) are made up so that loops go on; what depends on them (the code's
own asserts, numpy's warnings) tells nothing.

The user's code is compiled under its own file name, so the line an error names is theirs even
though a preamble runs first.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from assistant.answering.error_model import ErrorReport, Frame, from_raised
from assistant.repair import harness
from assistant.repair import layer_facts, undefined_inputs
from assistant.repair.layer_comments import declared_layers
from assistant.repair.layer_facts import LayerFacts, read_facts
from assistant.repair.shape_comments import declared_shapes
from assistant.sandbox import RaisedError, SandboxLimits, SandboxResult, run_source

SNIPPET = "snippet.py"  # the pasted code, compiled under this name
PROGRAM = "kb_abstract_run.py"  # the preamble that runs it
ABSTRACT_LIMITS = SandboxLimits(timeout_s=30.0, cpu_s=30, memory_mb=2048)
# The sandbox's verdicts that say nothing about the code: it was cut out of its program, it needs
# data the abstract run does not have, or the harness could not find it an input.
INCONCLUSIVE_TYPES = frozenset({"NameError", "ImportError", "ModuleNotFoundError", "SyntaxError", "IndentationError",
                                "UnboundLocalError", "FileNotFoundError", "PermissionError", "KeyboardInterrupt",
                                harness.HARNESS_ERROR})
GUESSED_SIZE = 24  # unlike the usual powers of two, so that it does not hide a mismatch by chance
_SIZE_PARAMETER = re.compile(r"dim|size|num|^n_|classes|features|channels|vocab|hidden|len|heads|width|depth|units"
                             r"|tokens|labels|actions|^in_|^out_|^d_", re.IGNORECASE)
_CODE_OWN_CHECK = re.compile(r"(assert|raise)\b")
_META_WORDING = re.compile(r"\bmeta\b|register_meta|data-dependent|cannot be called on meta"
                           r"|'PastedSelf' object has no attribute|_KbGuessedTarget|_KbMissing", re.IGNORECASE)
# What the sandbox lacks and the user's machine has: a GPU, MPS, NCCL, a network, worker processes, and
# the environment a launcher such as torchrun gives the processes it starts (RANK, MASTER_ADDR).
_SANDBOX_LIMIT = re.compile(r"not compiled with CUDA|without MPS backend|doesn't have NCCL built in|Cannot resolve \S+ to a"
                            r"|DataLoader worker \(pid\(s\) [\d, ]+\) exited unexpectedly|found no compiled frames"
                            r"|env:// rendezvous: environment variable \w+ expected")


def program_for(source: str) -> str | None:
    """The sandbox program that runs the code abstractly; None when nothing in it would run
    (not Python, or a model the harness cannot build or feed)."""
    code = textwrap.dedent(source)
    try:
        _kb_parse_fragment(code)
    except SyntaxError:
        return None
    if harness.needs_harness(code) and (declared := _driven_on_declared_input(code)) is not None:
        code, fragment = declared, _fragment_plan(declared)
    elif harness.needs_harness(code):
        try:
            code = harness.drive(code + _sizes_for_unset_parameters(code))
        except harness.CannotDrive:
            return None
        fragment = Fragment()
    else:
        fragment = _fragment_plan(code)
    return (f"{_PREAMBLE}\n"
            f"_kb_abstract_run({code!r}, {SNIPPET!r}, {asdict(fragment)!r})\n")


@dataclass(frozen=True)
class Fragment:
    """How to run code cut out of its program: values for the names its comments declare, the
    lines whose declared result stands in when they fail for a name the fragment lacks, the
    functions to call with declared arguments (a `forward` pasted alone), and whether it needs
    a `self` (a method body pasted alone)."""

    named: dict[str, tuple[int, ...]] = field(default_factory=dict)
    by_line: dict[int, tuple[int, ...]] = field(default_factory=dict)
    calls: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (function, its arguments), `self` included
    needs_self: bool = False
    bindings: dict[int, list[str]] = field(default_factory=dict)  # statements that bind an undefined name, by line
    loops: dict[int, str] = field(default_factory=dict)  # a loop's line: the call making a batch for its model
    layers: dict[str, str] = field(default_factory=dict)  # attributes of `self` the comments declare: `nn.Linear(1024, 3)`
    arrays: tuple[int, ...] = ()  # declared lines whose result the code hands to numpy: an ndarray stands in


def _fragment_plan(code: str) -> Fragment:
    shapes = declared_shapes(code)
    tree = _kb_parse_fragment(code)
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    calls = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name not in called and node.args.args:
            names = tuple(a.arg for a in node.args.args)
            if all(name in shapes.named or (i == 0 and name == "self") for i, name in enumerate(names)):
                calls.append((node.name, names))
    top_level_self = any(isinstance(node, ast.Name) and node.id == "self" for statement in tree.body
                         if not isinstance(statement, (ast.ClassDef, ast.FunctionDef)) for node in ast.walk(statement))
    needs_self = top_level_self or any(names[0] == "self" for _, names in calls)
    bindings: dict[int, list[str]] = {}
    for binding in undefined_inputs.bindings_for(tree):
        if binding.name not in shapes.named:
            bindings.setdefault(binding.line, []).append(binding.statement)
    return Fragment(shapes.named, _float_results(tree, shapes.by_line), tuple(calls), needs_self, bindings,
                    undefined_inputs.fed_loops(tree), declared_layers(code) if needs_self else {},
                    _numpy_results(tree, shapes.by_line))


def _numpy_results(tree: ast.Module, by_line: dict[int, tuple[int, ...]]) -> tuple[int, ...]:
    """The declared lines whose result the code passes to numpy (`np.log1p(spec)`) or torch.from_numpy:
    the user's value is an ndarray there (librosa's, cv2's), and a tensor standing in would fail on
    what only a tensor lacks."""
    handed = {arg.id for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        (name := ast.unparse(node.func)).startswith(("np.", "numpy.")) or name.endswith("from_numpy"))
        for arg in node.args if isinstance(arg, ast.Name)}
    return tuple(sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assign) and node.lineno in by_line
                        and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                        and node.targets[0].id in handed))


def _float_results(tree: ast.Module, by_line: dict[int, tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """The declared results that a float tensor may stand in for: not a comparison's or a logical
    operation's (a mask, whose dtype the comment does not say and indexing depends on)."""
    logical = {line for node in ast.walk(tree) if isinstance(node, ast.Assign) and (
        isinstance(node.value, (ast.Compare, ast.BoolOp)) or (
            isinstance(node.value, ast.UnaryOp) and isinstance(node.value.op, (ast.Not, ast.Invert))))
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    return {line: shape for line, shape in by_line.items() if line not in logical}


def _driven_on_declared_input(code: str) -> str | None:
    """The code followed by a call of its model on the inputs its `forward` declares (`def forward(self,
    x):  # x: (N, 1, 28, 28)`), when it declares every one: the user's own shapes, not the sizes the
    harness would try. Only a comment on the `def` line (or alone on the lines right below it) counts:
    one further down describes an intermediate value."""
    code = code + _sizes_for_unset_parameters(code)
    tree = ast.parse(code)
    classes = harness.module_classes(tree)
    root = harness._root_class(classes)
    forward = harness.method_of(root, "forward", classes)
    if forward is None or not forward.body:
        return None
    lines = code.splitlines()[forward.lineno - 1 : forward.body[0].lineno - 1]
    declared = declared_shapes("\n".join(lines)).named
    positional = forward.args.posonlyargs + forward.args.args
    inputs = [a.arg for a in positional[1 : len(positional) - len(forward.args.defaults)]]
    if not inputs or any(name not in declared for name in inputs):
        return None
    try:
        arguments = harness._constructor_arguments(root, classes, harness._module_constants(tree))
    except harness.CannotDrive:
        return None
    made = f"{root.name}({', '.join(f'{name}={value}' for name, value in arguments.items())})"
    shapes = ", ".join(f"{name}=torch.empty({declared[name]!r})" for name in inputs)
    return f"{code.rstrip()}\n\n\n{made}.train()({shapes})\n"


def _sizes_for_unset_parameters(code: str) -> str:
    """Module-level values for the model's size parameters that have no default and no constant
    (`vocab_size`, `n_classes`), appended after the code so that its line numbers stay. Any
    consistent size will do: the layers are built from it, and the harness feeds what they read."""
    tree = ast.parse(code)
    bound = {target.id for node in tree.body if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name)}
    unset: list[str] = []
    for node in tree.body:
        init = next((item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"),
                    None) if isinstance(node, ast.ClassDef) else None
        if init is None:
            continue
        positional = init.args.posonlyargs + init.args.args
        required = positional[1 : len(positional) - len(init.args.defaults)]
        unset += [a.arg for a in required if _SIZE_PARAMETER.search(a.arg) and a.arg not in bound]
    return "".join(f"\n{name} = {GUESSED_SIZE}" for name in dict.fromkeys(unset))


@dataclass(frozen=True)
class AbstractRun:
    """What running the code abstractly showed: the error it raised at the user's line (None when
    it ran clean or the run cannot decide), and what the layers were given (assistant.repair.layer_facts)."""

    raised: ErrorReport | None = None
    facts: LayerFacts = LayerFacts()


def run_abstractly(source: str, run: Callable[..., SandboxResult] | None = None,
                   limits: SandboxLimits = ABSTRACT_LIMITS) -> AbstractRun:
    """Run the code on abstract tensors in the sandbox. `run` is a `run_source`-like callable (a
    WarmSandbox's, in a server); None runs cold."""
    program = program_for(source)
    if program is None:
        return AbstractRun()
    result = (run or run_source)(program, filename=PROGRAM, limits=limits)
    facts = read_facts(result.stdout)
    if result.status != "error" or result.error is None or _inconclusive(result.error):
        return AbstractRun(facts=facts)
    lines = textwrap.dedent(source).splitlines()
    report = from_raised(result.error, warning=result.error.type.endswith("Warning"))
    frames = _from_snippet(report.frames, lines)
    if frames and frames[-1].file == SNIPPET and _CODE_OWN_CHECK.match(frames[-1].code):
        return AbstractRun(facts=facts)  # the code's own assert or raise, about values the abstract run made up
    own = report.user_lines(SNIPPET, len(lines))
    if not own:
        return AbstractRun(facts=facts)  # raised outside the user's code: kb's own program failed
    raised = replace(report, frames=frames, text=_from_snippet_text(report.text), line=own[-1] if own else None)
    return AbstractRun(raised, facts)


def abstract_error(source: str, run: Callable[..., SandboxResult] | None = None,
                   limits: SandboxLimits = ABSTRACT_LIMITS) -> ErrorReport | None:
    """The error (or warning) the code raises when run on abstract tensors, with `line` set to the
    line of the pasted code where it happened; None when it runs clean or the run cannot decide."""
    return run_abstractly(source, run, limits).raised


def _inconclusive(error: RaisedError | None) -> bool:
    """Whether the error, or one it was raised from or while handling (a DataLoader worker's, say),
    says only that the code was cut out of its program or that the run has no data."""
    if error is None:
        return False
    if error.type in INCONCLUSIVE_TYPES or _META_WORDING.search(error.message) or _SANDBOX_LIMIT.search(error.message):
        return True
    return _inconclusive(error.cause) or (not error.suppress_context and _inconclusive(error.context))


def _from_snippet(frames: tuple[Frame, ...], lines: list[str]) -> tuple[Frame, ...]:
    """The frames of the pasted code and what it called, without the preamble's (they are kb's, not
    the user's), with the code of each of the user's lines, which the sandbox could not read."""
    return tuple(replace(frame, code=lines[frame.line - 1].strip()) if frame.file == SNIPPET and
                 0 < frame.line <= len(lines) else frame for frame in frames if frame.file != PROGRAM)


def _from_snippet_text(text: str) -> str:
    start = text.find(f'  File "{SNIPPET}"')
    return "Traceback (most recent call last):\n" + text[start:] if start >= 0 else text


def _kb_parse_fragment(code):  # noqa: ANN001, ANN202 - also copied verbatim into the sandbox program
    """The syntax tree of the code; a method body pasted alone may `return` at its top level,
    which runs as the expression it returns."""
    import ast

    tree = ast.parse(code)
    tree.body = [ast.copy_location(ast.Expr(node.value or ast.Constant(None)), node) if isinstance(node, ast.Return)
                 else node for node in tree.body]
    return ast.fix_missing_locations(tree)


def _kb_fragment_tree(code, by_line, make, bindings, loops, arrays=()):  # noqa: ANN001, ANN202, C901 - in the sandbox
    """The code's syntax tree, where an assignment whose result a comment declares falls back to
    `make(shape)` (an ndarray on the lines of `arrays`) when it fails for a name the fragment lacks,
    and the statements that bind the names it uses undefined come before the statement that first
    needs them (generated by kb)."""
    import ast

    def fallback(statement):
        lines = range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
        shape = next((by_line[line] for line in lines if line in by_line), None)
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if shape is None or len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return statement
        made = ast.Assign([ast.Name(targets[0].id, ast.Store())],
                          ast.Call(ast.Name(make + ("_array" if statement.lineno in arrays else ""), ast.Load()),
                                   [ast.Constant(shape)], []))
        missing = ast.Tuple([ast.Name("NameError", ast.Load()), ast.Name("AttributeError", ast.Load())], ast.Load())
        wrapped = ast.Try([statement], [ast.ExceptHandler(missing, None, [made])], [], [])
        return ast.fix_missing_locations(ast.copy_location(wrapped, statement))

    def bound_before(statement):
        made = [node for text in bindings.get(statement.lineno, ()) for node in ast.parse(text).body]
        for node in (inner for top in made for inner in ast.walk(top)):
            if isinstance(node, (ast.stmt, ast.expr)):
                ast.copy_location(node, statement)  # runs at the line that needs it, not at line 1
        return [*made, statement]

    def importing(statement):
        """An import the sandbox cannot satisfy binds its names to `_KbMissing` stand-ins."""
        if not isinstance(statement, (ast.Import, ast.ImportFrom)) or any(a.name == "*" for a in statement.names):
            return statement
        source = statement.module if isinstance(statement, ast.ImportFrom) else None
        missing = [ast.Assign([ast.Name(a.asname or a.name.split(".")[0], ast.Store())], ast.Call(
            ast.Name("_KbMissing", ast.Load()), [ast.Constant(f"{source}.{a.name}" if source else a.name)], []))
            for a in statement.names]
        handler = ast.ExceptHandler(ast.Name("ImportError", ast.Load()), None, missing)
        return ast.fix_missing_locations(ast.copy_location(ast.Try([statement], [handler], [], []), statement))

    def fed(loop):
        """`for x, y in loader` runs over `_kb_batches_of(loader, lambda: <a batch for its model>)`."""
        made = ast.Lambda(ast.arguments([], [], None, [], [], None, []), ast.parse(loops[loop.lineno]).body[0].value)
        where = loop.iter
        holder = loop.iter if not isinstance(loop.iter, ast.Call) else loop.iter.args[0]
        wrapped = ast.Call(ast.Name("_kb_batches_of", ast.Load()), [holder, made], [])
        if isinstance(loop.iter, ast.Call):
            loop.iter.args[0] = wrapped
        else:
            loop.iter = wrapped
        for node in ast.walk(wrapped):
            if isinstance(node, ast.expr) and node is not holder:
                ast.copy_location(node, where)

    tree = _kb_parse_fragment(code)
    tree.body = [bound for statement in tree.body for bound in bound_before(importing(fallback(statement)))]
    for loop in [node for node in ast.walk(tree) if isinstance(node, ast.For) and node.lineno in loops]:
        fed(loop)
    for function in tree.body:
        if isinstance(function, ast.FunctionDef):
            function.body = [fallback(statement) for statement in function.body]
    return tree


def _kb_abstract_run(code, filename, fragment):  # noqa: ANN001, ANN202, C901 - copied verbatim into the sandbox
    """Run the pasted code with meta tensors (generated by kb). A failing operation is replayed on
    CPU zeros for the error users see. A value read from a meta tensor is made up so that loops and
    optimizers go on: `.item()` is 1 (a step count, a divisor), a truth value False, an array or
    a list zeros."""
    import math
    import sys
    import warnings

    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.overrides import TorchFunctionMode
    from torch.utils._python_dispatch import TorchDispatchMode, _disable_current_modes
    from torch.utils._pytree import tree_map
    from torch.utils.data import DataLoader, Dataset, TensorDataset

    copy_limit = 1 << 22  # elements: a bigger tensor is replayed as one zero broadcast to its shape
    read_limit = 1 << 24  # elements: a bigger array or list is not made up
    value_reads = {torch.Tensor.numpy, torch.Tensor.tolist}
    losses = {F.cross_entropy, F.nll_loss, F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss, F.kl_div,
              F.binary_cross_entropy, F.binary_cross_entropy_with_logits, F.soft_margin_loss}
    # Operations whose meta kernels skip a shape check the CPU makes: always replayed (when small).
    aten = torch.ops.aten
    lax_on_meta = {aten._softmax.default, aten.index_put.default, aten.index_put_.default,
                   aten._index_put_impl_.default}
    # Operations that check the values of their inputs (sequence lengths, probabilities): the zeros of
    # a replay are not the user's values, so their failure cannot be decided here.
    reads_values = {aten._pack_padded_sequence.default, aten.multinomial.default}

    def on_meta(value):
        if isinstance(value, torch.Tensor) and value.device.type == "cpu":
            return value.to("meta")
        return value

    def on_cpu(value):
        if not isinstance(value, torch.Tensor) or value.device.type != "meta":
            return value
        if value.numel() <= copy_limit:  # with the same strides, for the errors that depend on them
            zeros = torch.zeros_like(value, device="cpu")
        else:
            zeros = torch.zeros((), dtype=value.dtype, device="cpu").expand(value.shape)
        return zeros.requires_grad_(value.requires_grad) if zeros.is_leaf else zeros

    def elements(values):
        return sum(v.numel() for v in values if isinstance(v, torch.Tensor))

    def float_dtypes(values):
        return {v.dtype for v in values if isinstance(v, torch.Tensor) and v.dim() and v.is_floating_point()}

    def float_into_integer(func, args):
        """An in-place op writing a float number into an integer tensor (`t *= 0.5`): the meta kernel
        of `mul_` does not check that the result can be cast back, the CPU's does."""
        return (func._schema.name.endswith("_") and bool(args) and isinstance(args[0], torch.Tensor)
                and not args[0].is_floating_point() and not args[0].is_complex()
                and any(isinstance(value, float) for value in args[1:]))

    def replay(func, args, kwargs):
        """The same call on CPU zeros: its result, or the CPU's error in place of meta's."""
        real_args, real_kwargs = tree_map(on_cpu, (args, kwargs))
        try:
            return func(*real_args, **real_kwargs)
        except (MemoryError, torch.OutOfMemoryError):
            return None  # the shapes were fine, only too big to replay: keep meta's verdict
        except Exception as real:
            raise real.with_traceback(None) from None

    def is_device(value):
        if isinstance(value, torch.device):
            return True
        try:
            return isinstance(value, (str, int)) and not isinstance(value, bool) and bool(torch.device(value))
        except (RuntimeError, TypeError):
            return False

    def from_data(make):
        """`torch.tensor` (which no mode sees) made from a list of tensors: each must have one element."""
        def checked(data, *args, **kwargs):
            if isinstance(data, (list, tuple)) and any(isinstance(v, torch.Tensor) and v.numel() != 1 for v in data):
                with _disable_current_modes():
                    try:
                        replay(make, (data, *args), kwargs)
                    except Exception:
                        facts.from_tensors = True  # tells torch.tensor(list) from .item() on one tensor
                        raise
            return make(data, *args, **kwargs)
        return checked

    torch.tensor, torch.as_tensor = from_data(torch.tensor), from_data(torch.as_tensor)
    torch.Tensor.cuda = nn.Module.cuda = lambda self, *args, **kwargs: self  # the user's machine has the GPU
    DataLoader.__new__ = lambda cls, dataset=None, *args, **kwargs: (  # over a data set the sandbox lacks
        _KbMissing("DataLoader") if isinstance(dataset, _KbMissing) else object.__new__(cls))

    class Values(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if kwargs.get("device") is not None:  # `device=` of a factory or `.to`: every device is meta here
                kwargs = {**kwargs, "device": "meta"}
            if func is torch.Tensor.to:
                args = tuple("meta" if a is not args[0] and is_device(a) else a for a in args)
            if any(isinstance(value, _KbGuessedTarget) for value in (*args, *kwargs.values())):
                if func not in losses or not args or not isinstance(args[0], torch.Tensor):
                    raise NameError("a target kb made up would decide this operation")
                fit = lambda value: value.fitted(func, args[0]) if isinstance(value, _KbGuessedTarget) else value  # noqa: E731
                args, kwargs = tuple(map(fit, args)), {key: fit(value) for key, value in kwargs.items()}
            if func in value_reads and elements(args) <= read_limit:
                with _disable_current_modes():
                    return replay(func, args, kwargs)
            facts.calling(func, args)
            result = func(*args, **kwargs)
            facts.returned(func, args, result)
            return result

    class Abstract(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            args, kwargs = tree_map(on_meta, (args, kwargs or {}))
            if func is aten._to_copy.default and kwargs.get("device") is not None:
                kwargs = {**kwargs, "device": torch.device("meta")}  # `.to(device)`: every device is meta here
            flat = [*args, *kwargs.values()]
            if func is torch.ops.aten._local_scalar_dense.default and args[0].numel() == 1:
                return False if args[0].dtype == torch.bool else 1  # 1: a step count, a divisor
            try:
                if (func in lax_on_meta or len(float_dtypes(flat)) > 1 or float_into_integer(func, args)) \
                        and elements(flat) <= copy_limit:
                    replay(func, args, kwargs)  # meta kernels do not check that dtypes agree, nor some shapes
                return func(*args, **kwargs)
            except Exception as error:
                if func in reads_values:
                    raise NotImplementedError(f"{func}: data-dependent, not decided on shapes alone") from None
                replay(func, args, kwargs)
                raise error

    # A real run shows a warning and goes on: its first error is the finding, else its first warning.
    # Not deprecations inside libraries (Python hides them too), nor numpy's complaints about made-up values.
    warnings.simplefilter("always")
    for quiet in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning, RuntimeWarning):
        warnings.filterwarnings("ignore", category=quiet)
    warnings.filterwarnings("always", category=DeprecationWarning, module="__main__")
    shown = []
    show = warnings.showwarning

    def record(message, category, file, line, *rest, **options):
        caller = sys._getframe()  # the code's innermost line on the stack: modes deepen it past stacklevel
        while caller is not None and caller.f_code.co_filename != filename:
            caller = caller.f_back
        warning = message if isinstance(message, Warning) else category(str(message))
        shown.append((warning, caller.f_lineno if caller is not None else None))
        show(message, category, file, line, *rest, **options)

    warnings.showwarning = record
    torch.set_default_device("meta")
    # The code's classes and functions live in __main__, as when it is run as a script: pickling finds them.
    namespace = sys.modules["__main__"].__dict__
    namespace.update({"torch": torch, "nn": nn, "F": F, "np": np, "optim": torch.optim, "math": math,
                      "DataLoader": DataLoader, "Dataset": Dataset, "TensorDataset": TensorDataset})

    class PastedSelf:
        """The `self` of a method body pasted alone: it has what the fragment gives it."""

    facts = _KbLayerFacts(filename)
    try:
        with Abstract(), Values():
            namespace.update({name: torch.empty(shape) for name, shape in fragment["named"].items()})
            namespace.update({"self": PastedSelf(), "_kb_declared": torch.empty} if fragment["needs_self"] else
                             {"_kb_declared": torch.empty})
            namespace["_kb_declared_array"] = lambda shape: np.zeros(shape, dtype=np.float32)
            for attribute, made in fragment["layers"].items():  # literal constructions of torch.nn layers only
                setattr(namespace["self"], attribute, eval(made, {"nn": nn}))  # noqa: S307 - in the sandbox
            tree = _kb_fragment_tree(code, fragment["by_line"], "_kb_declared", fragment["bindings"], fragment["loops"],
                                     fragment["arrays"])
            exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 - the sandbox's purpose
            for function, arguments in fragment["calls"]:
                namespace[function](*(namespace[name] for name in arguments))
    except BaseException as error:
        facts.report(error)
        raise
    facts.report(None)
    if shown:  # raised at the code's line that caused it
        warning, line = shown[0]
        if line is None:
            raise warning
        exec(compile("\n" * (line - 1) + "raise _kb_warning", filename, "exec"), {"_kb_warning": warning})  # noqa: S102


# Read once, when the module is imported: the file may change on disk under a long-lived process.
_PREAMBLE = "\n".join(inspect.getsource(part) for part in (
    _kb_parse_fragment, _kb_fragment_tree, _kb_abstract_run, undefined_inputs._kb_model_input,
    undefined_inputs._kb_one_batch, undefined_inputs._KbGuessedTarget, undefined_inputs._KbMissing,
    undefined_inputs._kb_batches_of,
    layer_facts._KbLayerFacts))

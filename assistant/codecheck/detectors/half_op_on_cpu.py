"""An op without a float16 CPU kernel (torch.cdist, pdist, ctc_loss, the LU / SVD / QR / Cholesky /
eigh decompositions) run on float16 tensors in a script that never puts anything on a GPU: the op
raises `"cdist" not implemented for 'Half'`. Found where the op is called on tensors the code shows
are float16, or in the forward of a module class of the file whose instance is made `.half()` and
called on float16 input. torch.cdist counts only where it uses its own kernel: p other than 2, or
no more than 25 rows on both sides (more, and it computes with a matrix product, which has a Half
CPU kernel). Everyday layers (Linear, Conv, LayerNorm) have Half CPU kernels in current
releases, so they are not counted. Any mention of a device (cuda, mps, device=) makes it silent."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._known_sizes import FACTORIES, sizes_of
from assistant.codecheck.detectors._signatures import built_module, file_modules
from assistant.codecheck.detectors._tensor_dtypes import dtype_of
from assistant.codecheck.detectors._torch_names import is_layer, is_torch_function
from assistant.codecheck.detectors._widths import KEEP_FEATURES

name = "half-op-on-cpu"
HALF = "torch.float16"
# the ops and the CPU kernel each names in its error (torch 2.x)
NO_HALF_KERNEL = {"torch.cdist": "cdist", "torch.pdist": "pdist", "torch.nn.functional.pdist": "pdist",
                  "torch.nn.functional.ctc_loss": "ctc_loss_cpu", "torch.det": "lu_cpu", "torch.linalg.det": "lu_cpu",
                  "torch.linalg.solve": "lu_cpu", "torch.linalg.svd": "linalg_svd_cpu", "torch.svd": "linalg_svd_cpu",
                  "torch.linalg.qr": "geqrf_cpu", "torch.qr": "geqrf_cpu", "torch.linalg.cholesky": "cholesky_cpu",
                  "torch.cholesky": "cholesky_cpu", "torch.linalg.eigh": "linalg_eigh_cpu",
                  "torch.linalg.solve_triangular": "triangular_solve_cpu"}
TWO_TENSORS = ("cdist", "solve", "solve_triangular")  # the ops whose first two arguments are both float tensors
MM_ROWS = 25  # above this many rows on either side cdist computes p=2 distances with a matrix product
SHORT_NAMES = {full.rpartition(".")[2] for full in NO_HALF_KERNEL}
DEVICES = re.compile(r"cuda|\bmps\b|device|xpu|accelerator|autocast|set_default_dtype")
# what in a forward may make its tensors something other than the weights' dtype
RETYPING = re.compile(r"\.float\(|\.double\(|\.to\(|dtype|torch\.(tensor|randn|rand|zeros|ones|empty|full|arange)\(")


@precondition(lambda code: ("half" in code.source or "float16" in code.source) and not DEVICES.search(code.source)
              and not code.call_kinds.isdisjoint(SHORT_NAMES))
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*SHORT_NAMES):
        kernel = NO_HALF_KERNEL.get(code.resolved(call.func) or "")
        tensors = call.args[:2] if kind_of(call) in TWO_TENSORS else call.args[:1]
        if kernel is not None and tensors and all(dtype_of(code, t) == HALF for t in tensors) \
                and (kernel != "cdist" or _cdist_without_mm(call, *(_rows(sizes_of(code, t)) for t in tensors))):
            yield Hit.at(code, call, f"{source_of(call.func)}({', '.join(map(source_of, tensors))}) runs on float16 "
                         f"tensors on the CPU (nothing in this file moves them to a GPU), and the CPU has no Half kernel "
                         f"for it: \"{kernel}\" not implemented for 'Half'; compute it in float32 "
                         f"({source_of(tensors[0])}.float()) or run the float16 code on a GPU", {"kernel": kernel})
    yield from _half_models(code)


def _half_models(code: Code) -> Iterator[Hit]:
    """Calls of a file's module made float16 whose forward runs an op without a Half CPU kernel."""
    classes = file_modules(code)
    for conversion in code.calls_of("half"):
        statement = code.parents.get(conversion)
        if conversion.args or not isinstance(conversion.func, ast.Attribute) or not isinstance(statement, ast.Assign) \
                or len(statement.targets) != 1 or (model := dotted(statement.targets[0])) is None:
            continue
        built = conversion.func.value if isinstance(conversion.func.value, ast.Call) else built_module(code, conversion.func.value)
        cls = classes.get(built.func.id) if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) else None
        op = _op_without_kernel(code, cls) if cls is not None else None
        if op is None or len(code.assigned(code.scope_of(conversion), model)) != 1:
            continue
        for call in code.calls:
            if dotted(call.func) == model and call.args and call.lineno > conversion.lineno \
                    and code.scope_of(call) is code.scope_of(conversion) and not call.keywords \
                    and all(dtype_of(code, a) == HALF for a in call.args) \
                    and (kind_of(op) != "cdist" or _forward_cdist_without_mm(code, cls, op, built, call)):  # type: ignore[arg-type]
                kernel = NO_HALF_KERNEL[code.resolved(op.func) or ""]
                yield Hit.at(code, call, f"{source_of(call)} runs {cls.name}.forward, whose {source_of(op.func)} "  # type: ignore[union-attr]
                             f"(line {op.lineno}) gets the float16 weights of {model} ({source_of(conversion)}, line "
                             f"{conversion.lineno}) on the CPU, and the CPU has no Half kernel for it: \"{kernel}\" not "
                             "implemented for 'Half'; keep the model float32 on the CPU and pick float16 only for a GPU",
                             {"kernel": kernel})
                break


def _op_without_kernel(code: Code, cls: ast.ClassDef) -> ast.Call | None:
    """The first op without a Half CPU kernel that the class's forward applies to its own weights
    (an argument that reads `self.`), when nothing in forward changes dtypes."""
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None)
    if forward is None or RETYPING.search(ast.get_source_segment(code.source, forward) or ".to("):
        return None
    for node in ast.walk(forward):
        if isinstance(node, ast.Call) and code.resolved(node.func) in NO_HALF_KERNEL and node.args \
                and any(isinstance(n, ast.Name) and n.id == "self" for a in node.args for n in ast.walk(a)):
            return node
    return None


def _cdist_without_mm(call: ast.Call, rows: int | None, other_rows: int | None) -> bool:
    """torch.cdist takes its own kernel (which has no Half version) rather than a matrix product when
    p is not 2, or when neither input has more than 25 rows (under the default compute_mode)."""
    p, mode = constant(keyword(call, "p")), constant(keyword(call, "compute_mode"))
    if keyword(call, "p") is not None and not (isinstance(p, (int, float)) and not isinstance(p, bool)) \
            or keyword(call, "compute_mode") is not None and not isinstance(mode, str) or len(call.args) > 2:
        return False
    if mode == "donot_use_mm_for_euclid_dist" or (keyword(call, "p") is not None and p != 2):
        return True
    return mode != "use_mm_for_euclid_dist" and rows is not None and other_rows is not None \
        and rows <= MM_ROWS and other_rows <= MM_ROWS


def _rows(sizes: list[int] | None) -> int | None:
    return sizes[-2] if sizes is not None and len(sizes) >= 2 and sizes[-2] >= 0 else None


def _forward_cdist_without_mm(code: Code, cls: ast.ClassDef, op: ast.Call, built: ast.Call, call: ast.Call) -> bool:
    """_cdist_without_mm for the cdist in a forward, with the rows of its inputs followed from the
    model's input (through Linear layers, which keep rows) and from the class's parameters."""
    forward = next(s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward")
    given = _rows(sizes_of(code, call.args[0])) if len(call.args) == 1 else None
    rows = [_forward_rows(code, cls, forward, built, a, given) for a in op.args[:2]]
    return _cdist_without_mm(op, *rows)


def _forward_rows(code: Code, cls: ast.ClassDef, forward: ast.FunctionDef, built: ast.Call, value: ast.expr,
                  given: int | None) -> int | None:
    """The rows of `value` in forward: forward's input (never rebound), what Linear layers (alone or in
    an nn.Sequential with activations) make of it, or an nn.Parameter made by a factory in __init__."""
    inputs = [a.arg for a in forward.args.args[1:]]
    for _ in range(6):
        if isinstance(value, ast.Name) and inputs[:1] == [value.id] and not code.assigned(forward, value.id):
            return given
        if isinstance(value, ast.Call) and len(value.args) == 1 and isinstance(value.func, ast.Attribute) \
                and dotted(value.func.value) == "self" and _keeps_rows(code.attribute_value(cls, value.func.attr)):
            value = value.args[0]
            continue
        if isinstance(value, ast.Attribute) and dotted(value.value) == "self":
            made = code.attribute_value(cls, value.attr)
            if isinstance(made, ast.Call) and kind_of(made) == "Parameter" and made.args \
                    and isinstance(factory := made.args[0], ast.Call) and is_torch_function(factory, *FACTORIES) \
                    and len(factory.args) == 2:
                return _init_int(code, cls, built, factory.args[0])
        return None
    return None


def _keeps_rows(layer: ast.expr | None) -> bool:
    if isinstance(layer, ast.Call) and is_layer(layer, "Sequential"):
        return all(isinstance(a, ast.Call) and is_layer(a, "Linear", *KEEP_FEATURES) for a in layer.args)
    return isinstance(layer, ast.Call) and is_layer(layer, "Linear", *KEEP_FEATURES)


def _init_int(code: Code, cls: ast.ClassDef, built: ast.Call, size: ast.expr) -> int | None:
    """An int size in __init__: a literal, or a parameter of __init__ with an int default that the
    construction (`Net()`) does not pass."""
    value = constant(size)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None or not isinstance(size, ast.Name) or code.assigned(init, size.id) or built.args \
            or any(k.arg in (size.id, None) for k in built.keywords):
        return None
    parameters = init.args.args
    defaults = dict(zip([a.arg for a in parameters[len(parameters) - len(init.args.defaults):]], init.args.defaults))
    default = constant(defaults.get(size.id))
    return default if isinstance(default, int) and not isinstance(default, bool) else None

"""An op without a float16 CPU kernel (torch.cdist, pdist, ctc_loss, the LU / SVD / QR / Cholesky /
eigh decompositions) run on float16 tensors in a script that never puts anything on a GPU: the op
raises `"cdist" not implemented for 'Half'`. Found where the op is called on tensors the code shows
are float16, or in the forward of a module class of the file whose instance is made `.half()` and
called on float16 input. Everyday layers (Linear, Conv, LayerNorm) have Half CPU kernels in current
releases, so they are not counted. Any mention of a device (cuda, mps, device=) makes it silent."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._signatures import built_module, file_modules
from assistant.codecheck.detectors._tensor_dtypes import dtype_of

name = "half-op-on-cpu"
HALF = "torch.float16"
# the ops and the CPU kernel each names in its error (torch 2.x)
NO_HALF_KERNEL = {"torch.cdist": "cdist", "torch.pdist": "pdist", "torch.nn.functional.pdist": "pdist",
                  "torch.nn.functional.ctc_loss": "ctc_loss_cpu", "torch.det": "lu_cpu", "torch.linalg.det": "lu_cpu",
                  "torch.slogdet": "lu_cpu", "torch.linalg.slogdet": "lu_cpu", "torch.linalg.solve": "lu_cpu",
                  "torch.linalg.svd": "linalg_svd_cpu", "torch.svd": "linalg_svd_cpu", "torch.linalg.qr": "geqrf_cpu",
                  "torch.qr": "geqrf_cpu", "torch.linalg.cholesky": "cholesky_cpu", "torch.cholesky": "cholesky_cpu",
                  "torch.linalg.eigh": "linalg_eigh_cpu", "torch.linalg.solve_triangular": "triangular_solve_cpu"}
TWO_TENSORS = ("cdist", "solve", "solve_triangular")  # the ops whose first two arguments are both float tensors
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
        if kernel is not None and tensors and all(dtype_of(code, t) == HALF for t in tensors):
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
                    and all(dtype_of(code, a) == HALF for a in call.args):
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

"""`torch.symeig`, `torch.solve` and `torch.matrix_rank` were deprecated in 1.9 and now raise
"This function was deprecated since version 1.9 and is now removed". Their torch.linalg
replacements differ in conventions, so each failing call is ported with what changed:

- `torch.symeig(A, eigenvectors=True)` / `A.symeig(...)` -> `torch.linalg.eigh(A, UPLO="U")`: symeig
  read the upper triangle (eigh the lower by default); the result is the same
  (eigenvalues, eigenvectors) pair, ascending. With `upper=False` it is `UPLO="L"`.
- `torch.solve(B, A)` -> `torch.linalg.solve(A, B)`: the arguments are swapped and only the solution
  comes back, so the call is only ported where the code takes the solution alone (`[0]`,
  `.solution`, or `X, _ = ...` with the LU factor unused).
- `torch.matrix_rank(A, tol, symmetric=...)` -> `torch.linalg.matrix_rank(A, atol=tol, hermitian=...)`.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, expr, keyword, positional

name = "port-to-linalg"
Port = tuple[cst.CSTNode, str]  # the node to replace and its new code


@needs_failing_line
def match(problem: Problem) -> Port | None:
    """The removed linear-algebra call on the innermost failing line that has one, ported."""
    if "is now removed" not in problem.facts.message:
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            function = _removed(call)
            port = {"symeig": _symeig, "solve": _solve, "matrix_rank": _matrix_rank}.get(function or "")
            if port is not None and (found := port(script, call)) is not None:
                return found
    return None


def apply(problem: Problem, port: Port) -> Edits:
    node, code = port
    edits = problem.edits()
    edits.replace(node, expr(code) if isinstance(node, cst.BaseExpression) else cst.parse_statement(code))
    return edits


def _removed(call: cst.Call) -> str | None:
    """`symeig` for `torch.symeig(...)` and for the method form `A.symeig(...)`."""
    function = callee(call) or ""
    head, _, last = function.rpartition(".")
    if head == "torch" or (last == "symeig" and isinstance(call.func, cst.Attribute)):
        return last
    return None


def _symeig(script: Script, call: cst.Call) -> Port | None:
    args = positional(call)
    if callee(call) == "torch.symeig":
        matrix, rest = (args[0].value, args[1:]) if args else (None, [])
    else:
        matrix, rest = call.func.value, args
    upper = keyword(call, "upper") or (rest[1] if len(rest) > 1 else None)
    if matrix is None or (upper is not None and script.code(upper.value) not in ("True", "False")):
        return None
    triangle = "L" if upper is not None and script.code(upper.value) == "False" else "U"
    return call, f'torch.linalg.eigh({script.code(matrix)}, UPLO="{triangle}")'


def _solve(script: Script, call: cst.Call) -> Port | None:
    args = positional(call)
    if len(args) != 2 or len(call.args) != 2:
        return None
    ported = f"torch.linalg.solve({script.code(args[1].value)}, {script.code(args[0].value)})"
    parent = script.parents.get(call)
    if isinstance(parent, cst.Subscript) and parent.value is call and script.code(parent.slice[0]) == "0":
        return parent, ported
    if isinstance(parent, cst.Attribute) and parent.value is call and parent.attr.value == "solution":
        return parent, ported
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Tuple):
        names = [script.code(element.value) for element in parent.targets[0].target.elements]
        if len(names) == 2 and (names[1] == "_" or _uses(script, names[1]) == 1):
            line = script.statement_of(call)
            if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                return line, f"{names[0]} = {ported}\n"
    return None


def _matrix_rank(script: Script, call: cst.Call) -> Port | None:
    args = positional(call)
    if not args or len(args) > 2 or any(arg.keyword and arg.keyword.value not in ("tol", "symmetric") for arg in call.args):
        return None
    parts = [script.code(args[0].value)]
    tol = keyword(call, "tol") or (args[1] if len(args) > 1 else None)
    if tol is not None:
        parts.append(f"atol={script.code(tol.value)}")
    if (symmetric := keyword(call, "symmetric")) is not None:
        parts.append(f"hermitian={script.code(symmetric.value)}")
    return call, f"torch.linalg.matrix_rank({', '.join(parts)})"


def _uses(script: Script, name: str) -> int:
    return sum(1 for node in script.nodes(cst.Name) if node.value == name)

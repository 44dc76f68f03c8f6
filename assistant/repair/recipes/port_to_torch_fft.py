"""`torch.rfft` and `torch.irfft` were removed in 1.8 for the `torch.fft` module, which works on
complex tensors instead of a trailing dimension of 2 (real, imaginary). The failing call is
ported so that it computes what it did: `torch.rfft(x, 1)` is
`torch.view_as_real(torch.fft.rfft(x))` (the old layout, which the code after it indexes), and
`torch.irfft(X, 1, signal_sizes=(n,))` is `torch.fft.irfft(torch.view_as_complex(X.contiguous()), n=n)`.
`signal_ndim` picks the 1-, 2- or n-dimensional transform over the last dims, `normalized=True`
is `norm="ortho"` and `onesided=False` the full (two-sided) transform of rfft. A call whose
arguments are not plain literals is left to the user.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, expr, keyword, positional

name = "port-to-torch-fft"
_FLAGS = ("signal_ndim", "normalized", "onesided", "signal_sizes")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str] | None:
    """The torch.rfft / torch.irfft call on the innermost failing line that has one, ported."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if callee(call) in ("torch.rfft", "torch.irfft") and (ported := _ported(script, call)) is not None:
                return call, ported
    return None


def apply(problem: Problem, found: tuple[cst.Call, str]) -> Edits:
    call, ported = found
    edits = problem.edits()
    edits.replace(call, expr(ported))
    return edits


def _ported(script: Script, call: cst.Call) -> str | None:
    args = positional(call)
    if not args or len(args) > 5 or any(arg.keyword and arg.keyword.value not in _FLAGS for arg in call.args):
        return None
    given = dict(zip(_FLAGS, (script.code(arg.value) for arg in args[1:])))
    given |= {flag: script.code(arg.value) for flag in _FLAGS if (arg := keyword(call, flag)) is not None}
    ndim, normalized, onesided = given.get("signal_ndim"), given.get("normalized", "False"), given.get("onesided", "True")
    if ndim not in ("1", "2", "3") or normalized not in ("True", "False") or onesided not in ("True", "False"):
        return None
    options = [f"dim={tuple(range(-int(ndim), 0))}"] if ndim == "3" else []
    options += ['norm="ortho"'] if normalized == "True" else []
    signal = script.code(args[0].value)
    if callee(call) == "torch.rfft":
        transform = ("rfft" if onesided == "True" else "fft") + {"1": "", "2": "2", "3": "n"}[ndim]
        return f"torch.view_as_real(torch.fft.{transform}({', '.join([signal, *options])}))"
    if onesided != "True":
        return None
    sizes = given.get("signal_sizes")
    if sizes is not None:
        options.insert(0, f"n={sizes}[-1]" if ndim == "1" else f"s={sizes}")
    transform = "irfft" + {"1": "", "2": "2", "3": "n"}[ndim]
    return f"torch.fft.{transform}({', '.join([f'torch.view_as_complex({signal}.contiguous())', *options])})"

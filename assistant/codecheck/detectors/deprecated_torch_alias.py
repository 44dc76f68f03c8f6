"""A call of an old torch name that PyTorch keeps only as a warning alias of its 0.4 replacement:
`nn.init.xavier_uniform(w)` for `nn.init.xavier_uniform_`, `nn.utils.clip_grad_norm` for
`clip_grad_norm_`, `F.upsample` for `F.interpolate`. Each call prints a UserWarning or FutureWarning.
(`F.sigmoid` and `F.tanh` are left out: current releases no longer warn on them.)"""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to

name = "deprecated-torch-alias"
_INIT = ("uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
         "orthogonal", "sparse")
# old full name -> (replacement, how to call it: None when it takes the same arguments)
ALIASES: dict[str, tuple[str, str | None]] = {
    **{f"torch.nn.init.{old}": (f"{old}_", None) for old in _INIT},
    "torch.nn.utils.clip_grad_norm": ("clip_grad_norm_", None),
    "torch.nn.utils.clip_grad.clip_grad_norm": ("clip_grad_norm_", None),
    "torch.nn.functional.upsample": ("interpolate", None),
    "torch.nn.functional.upsample_bilinear": ("interpolate", " with mode='bilinear', align_corners=True spelled out, "
                                                             "or the output changes"),
    "torch.nn.functional.upsample_nearest": ("interpolate", " with the same arguments (mode='nearest' is its default)"),
}


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, *ALIASES):
        new, spelled = ALIASES[code.resolved(call.func) or ""]
        written = dotted(call.func) or source_of(call.func)
        old = written.rpartition(".")[2]
        replacement = f"{written.rpartition('.')[0]}.{new}" if "." in written else new
        if new == "interpolate" and "." not in written:
            replacement = "F.interpolate"
        how = spelled or " with the same arguments"
        yield Hit.at(code, call, f"{written}(...) is the deprecated alias of {replacement}: each call warns "
                     f"that {old} is deprecated; call {replacement}(...){how}", {"old": old, "new": new})

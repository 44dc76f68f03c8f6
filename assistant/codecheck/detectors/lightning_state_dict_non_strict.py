"""`net.load_state_dict(ckpt["state_dict"], strict=False)` where `ckpt` is a PyTorch Lightning
checkpoint and `net` the plain network: a Lightning checkpoint's "state_dict" is the LightningModule's,
so every key starts with the attribute that holds the network (`model.conv1.weight`), and the plain
network's keys (`conv1.weight`) match none of them. strict=False skips them all without a word.

The checkpoint is Lightning's when the path says so: its `lightning_logs/` folder or a ModelCheckpoint
file name (`epoch=19-step=3800.ckpt`), or a `.ckpt` file in code that imports Lightning. The network
must be built here by a class that is not itself a LightningModule (whose keys would match), and the
checkpoint must not be saved by the file or its dict changed in place."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import changed_in_place, saved_before, torch_load

name = "lightning-state-dict-non-strict"
LIGHTNING_PATH = re.compile(r"(^|/)lightning_logs/|(^|/)epoch=\d+[^/]*\.ckpt$")
LIGHTNING_MODULES = ("lightning", "pytorch_lightning")


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for load in code.calls_of("load_state_dict"):
        flag = keyword(load, "strict")
        if not (isinstance(flag, ast.Constant) and flag.value is False and isinstance(load.func, ast.Attribute)
                and len(load.args) == 1 and isinstance(load.func.value, ast.Name)):
            continue
        checkpoint = _lightning_checkpoint(code, load.args[0])
        if checkpoint is None or not _plain_network(code, load.func.value):
            continue
        net = load.func.value.id
        yield Hit.at(code, load, f"{source_of(load.args[0])} is a Lightning checkpoint's state dict: its keys are "
                     f"the LightningModule's, each prefixed by the attribute holding the network (model.conv1.weight), "
                     f"and {net}'s keys have no such prefix, so strict=False skips every one and {net} keeps its "
                     "random weights; strip the prefix ({k.removeprefix('model.'): v for k, v in ...items()}) and "
                     "load strictly, or use the LightningModule's load_from_checkpoint")


def _lightning_checkpoint(code: Code, given: ast.expr) -> ast.Call | None:
    """The torch.load of a Lightning checkpoint whose "state_dict" item is passed as it was loaded."""
    if not (isinstance(given, ast.Subscript) and constant(given.slice) == "state_dict"
            and isinstance(given.value, ast.Name)) or changed_in_place(code, given.value.id):
        return None
    load = torch_load(code, given.value)
    if load is None or saved_before(code, load) is not None:
        return None
    path = constant(load.args[0] if load.args else keyword(load, "f"))
    if not isinstance(path, str):
        return None
    imports_lightning = any(module.split(".")[0] in LIGHTNING_MODULES for module in code.imported.values())
    return load if LIGHTNING_PATH.search(path) or (imports_lightning and path.endswith(".ckpt")) else None


def _plain_network(code: Code, net: ast.Name) -> bool:
    """The network is built here by a class that is no LightningModule: one of the file built directly on
    nn.Module, or one it does not define and does not import from Lightning."""
    built = code.reaching_value(net)
    if not isinstance(built, ast.Call) or not isinstance(built.func, ast.Name):
        return False
    defined = next((c for c in code.classes if c.name == built.func.id), None)
    if defined is not None:
        return [code.resolved(base) for base in defined.bases] == ["torch.nn.Module"]
    origin = code.imported.get(built.func.id, "")
    return origin.split(".")[0] not in LIGHTNING_MODULES

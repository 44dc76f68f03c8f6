"""Runs inside the sandbox only (assistant.repair.checkpoint sends it as the script): loads the
checkpoint given on stdin, `weights_only=True` first, describes it, and with a model compares the
keys and shapes. Prints one line, `KB-CHECKPOINT-REPORT {json}`. Standard library and torch only."""

from __future__ import annotations

import base64
import io
import json
import re
import sys
import types
import zipfile
from collections import Counter
from collections.abc import Mapping

MARK = "KB-CHECKPOINT-REPORT "
PREFIXES = ("module.", "_orig_mod.", "model.")
WEIGHTS_KEYS = ("state_dict", "model_state_dict", "model", "net", "network", "weights", "params", "ema",
                "model_ema", "module")
MAX_LISTED = 40
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)\.(\w+)")
_CANT_GET = re.compile(r"Can't get attribute '(\w+)' on <module '([\w.]+)'")
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def main() -> None:
    import torch

    request = json.load(sys.stdin)
    data = base64.b64decode(request["data"])
    facts = describe(torch, data)
    if request.get("model_class") and facts["kind"] in ("state_dict", "wrapped"):
        state = _weights(torch, data, facts)
        facts["comparison"] = compare(torch, state, facts["prefix"], request["model_source"], request["model_class"])
    print(MARK + json.dumps(facts), flush=True)


def describe(torch: types.ModuleType, data: bytes) -> dict:
    if _is_torchscript(data):
        return _torchscript(torch, data)
    try:
        obj, weights_only = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True), True
    except Exception as refused:  # noqa: BLE001 - every failure is a fact about the file
        if (truncated := _truncation(refused)) is not None:
            return {"kind": "truncated", "detail": truncated}
        try:  # inside the sandbox a full unpickle is safe to try
            obj, weights_only = torch.load(io.BytesIO(data), map_location="cpu", weights_only=False), False
        except Exception as error:  # noqa: BLE001
            return _load_failure(refused, error)
    return {**classify(torch, obj), "weights_only": weights_only}


def _load_failure(refused: Exception, error: Exception) -> dict:
    """Neither load worked: a class the pickle names but nobody defines means a whole pickled model."""
    needs = _CANT_GET.search(str(error))
    named = _GLOBAL.search(str(refused))
    if needs or (named and (_NO_MODULE.search(str(error)) or "Can't get attribute" in str(error))):
        module, cls = (needs[2], needs[1]) if needs else (named[1], named[2])
        return {"kind": "whole_model", "model_class": cls, "model_module": module, "weights_only": False,
                "detail": "a pickled model object: loading it needs its class importable as " + f"{module}.{cls}"}
    if (truncated := _truncation(error)) is not None:
        return {"kind": "truncated", "detail": truncated}
    return {"kind": "other", "detail": f"torch.load fails: {type(error).__name__}: {error}"[:400]}


def _truncation(error: Exception) -> str | None:
    text = str(error)
    if "failed finding central directory" in text or isinstance(error, EOFError) or "truncated" in text:
        return f"the file ends early (an interrupted download or save): {type(error).__name__}: {text}"[:400]
    return None


def _is_torchscript(data: bytes) -> bool:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return False
    return any(name.endswith("/constants.pkl") for name in names)


def _torchscript(torch: types.ModuleType, data: bytes) -> dict:
    module = torch.jit.load(io.BytesIO(data), map_location="cpu")
    state = module.state_dict()
    return {"kind": "torchscript", "detail": f"a TorchScript module ({module.original_name}): load it with "
            "torch.jit.load, not torch.load", "model_class": module.original_name, **_tensor_facts(state)}


def classify(torch: types.ModuleType, obj: object) -> dict:
    if isinstance(obj, torch.nn.Module):
        cls = type(obj)
        return {"kind": "whole_model", "model_class": cls.__name__, "model_module": cls.__module__,
                "detail": "a pickled model object", **_tensor_facts(obj.state_dict())}
    if _is_state_dict(torch, obj):
        return {"kind": "state_dict", **_tensor_facts(obj), "saved_with": {}}
    if isinstance(obj, Mapping):
        saved_with = {str(k): str(v) for k, v in obj.items() if str(k).endswith("version") and
                      isinstance(v, (str, int, float))}
        if (key := _weights_key(torch, obj)) is not None:
            return {"kind": "wrapped", "weights_key": key, **_tensor_facts(obj[key]), "saved_with": saved_with,
                    "detail": "other keys: " + ", ".join(sorted(str(k) for k in obj if k != key))[:300]}
        if modules := [k for k, v in obj.items() if isinstance(v, torch.nn.Module)]:
            cls = type(obj[modules[0]])
            return {"kind": "whole_model", "weights_key": modules[0], "model_class": cls.__name__,
                    "model_module": cls.__module__, "detail": f"a model object under {modules[0]!r}",
                    **_tensor_facts(obj[modules[0]].state_dict()), "saved_with": saved_with}
    return {"kind": "other", "detail": f"a {type(obj).__name__}, not weights", "prefix": "", "tensors": 0, "dtypes": {}}


def _is_state_dict(torch: types.ModuleType, obj: object) -> bool:
    return (isinstance(obj, Mapping) and bool(obj) and all(isinstance(k, str) for k in obj)
            and all(isinstance(v, torch.Tensor) for v in obj.values()))


def _weights_key(torch: types.ModuleType, obj: Mapping) -> str | None:
    """The key that holds the weights: a known name first, else the largest state_dict-like value."""
    candidates = [k for k, v in obj.items() if isinstance(k, str) and _is_state_dict(torch, v)]
    named = [k for k in WEIGHTS_KEYS if k in candidates]
    return named[0] if named else max(candidates, key=lambda k: len(obj[k]), default=None)


def _tensor_facts(state: Mapping) -> dict:
    return {"prefix": shared_prefix(list(state)), "tensors": len(state),
            "dtypes": dict(Counter(str(v.dtype).removeprefix("torch.") for v in state.values()))}


def shared_prefix(keys: list[str]) -> str:
    """Wrapper prefixes every key carries, nested as saved: `module.`, `_orig_mod.`, `module._orig_mod.`."""
    prefix = ""
    while keys:
        found = next((p for p in PREFIXES if all(k.startswith(prefix + p) for k in keys)), None)
        if found is None:
            return prefix
        prefix += found
    return prefix


def _weights(torch: types.ModuleType, data: bytes, facts: dict) -> Mapping:
    obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=facts["weights_only"])
    return obj[facts["weights_key"]] if facts.get("weights_key") else obj


def compare(torch: types.ModuleType, state: Mapping, prefix: str, source: str, class_name: str) -> dict:
    result = {"model": class_name, "prefix": "", "missing": [], "unexpected": [], "shape_mismatches": [],
              "error": None}
    try:
        namespace: dict = {"__name__": "kb_user_model"}
        exec(compile(source, "model.py", "exec"), namespace)
        expected = namespace[class_name]().state_dict()
    except Exception as error:  # noqa: BLE001 - reported: the model could not be built
        result["error"] = f"building {class_name}() failed: {type(error).__name__}: {error}"[:400]
        return result
    # a shared `model.` may be the model's own first submodule: strip only when that matches better
    result["prefix"] = min((prefix, ""), key=lambda p: len(set(expected) ^ {k[len(p):] for k in state}))
    stripped = {k[len(result["prefix"]):]: v for k, v in state.items()}
    result["missing"] = sorted(set(expected) - set(stripped))[:MAX_LISTED]
    result["unexpected"] = sorted(set(stripped) - set(expected))[:MAX_LISTED]
    result["shape_mismatches"] = [
        {"key": k, "checkpoint": list(stripped[k].shape), "model": list(expected[k].shape)}
        for k in sorted(set(expected) & set(stripped)) if tuple(stripped[k].shape) != tuple(expected[k].shape)
    ][:MAX_LISTED]
    return result


if __name__ == "__main__":
    main()

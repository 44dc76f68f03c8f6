"""`kb checkpoint FILE [--model FILE.py:Class]`: what a checkpoint file is, and code that loads it.

Unpickling a file runs whatever code the file names, so kb never calls torch.load itself: the
file's bytes go to a sandbox run (assistant.sandbox), which tries `weights_only=True` first and
only then a full load, confined like any user code. Outside it, kb only looks at the first bytes
(an empty file, a Git LFS pointer, an HTML page are not checkpoints and need no torch at all).

With a model, the same run builds the model from the user's file and compares the keys and shapes
of the weights with the model's; the loading code kb then writes (unwrap the weights key, strip a
`module.` / `_orig_mod.` prefix) is proven by a second run that executes exactly that code.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant.answering.error_model import ErrorReport

if TYPE_CHECKING:
    from assistant.sandbox import SandboxResult

Kind = Literal["state_dict", "wrapped", "whole_model", "torchscript", "truncated", "not_a_checkpoint", "other"]
MAX_BYTES = 256 * 1024 * 1024
_REPORT_MARK = "KB-CHECKPOINT-REPORT "
_INSPECTOR = Path(__file__).with_name("checkpoint_inspector.py")


# Errors of loading a checkpoint (torch.load, load_state_dict): `kb ask` suggests `kb checkpoint` for them.
LOAD_ERRORS = re.compile(
    r"Error\(s\) in loading state_dict|Missing key\(s\) in state_dict|Unexpected key\(s\) in state_dict|"
    r"size mismatch for [\w.]+: copying a param|Weights only load failed|PytorchStreamReader failed|"
    r"invalid load key|pickle data was truncated|Can't get attribute '\w+' on <module|"
    r"Attempting to deserialize object on a CUDA device|Invalid magic number")
SUGGESTION = "kb checkpoint FILE --model MODEL.py:Class   # what the file holds, and loading code proven to work"


def suggested_command(error: ErrorReport | None) -> str | None:
    """The `kb checkpoint` command line, for an error that loading a checkpoint raised."""
    if error is None:
        return None
    raised_by_load = any(frame.file.endswith("torch/serialization.py") for frame in error.frames)
    return SUGGESTION if raised_by_load or LOAD_ERRORS.search(error.message) else None


_TEXT_OR_NULL = {"type": ["string", "null"]}
# The JSON Schema of `kb checkpoint --json`, shown verbatim in docs/json.md; it only ever grows.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "kb checkpoint --json", "type": "object",
    "description": "What a checkpoint file is, opened in the sandbox; with --model, how it fits the model and "
                   "loading code proven to load it.",
    "required": ["file", "size_bytes", "kind", "detail", "weights_key", "model_class", "model_module", "prefix",
                 "tensors", "dtypes", "saved_with", "weights_only", "comparison", "loading_code", "loading_verified"],
    "properties": {
        "file": {"type": "string"}, "size_bytes": {"type": "integer", "minimum": 0},
        "kind": {"enum": ["state_dict", "wrapped", "whole_model", "torchscript", "truncated", "not_a_checkpoint",
                          "other"]},
        "detail": {"type": "string", "description": "why: the Git LFS pointer, the load error, the other keys"},
        "weights_key": {**_TEXT_OR_NULL, "description": "wrapped: the key holding the weights"},
        "model_class": _TEXT_OR_NULL, "model_module": {**_TEXT_OR_NULL, "description": "whole_model: where the "
                                                       "pickle expects the class"},
        "prefix": {"type": "string", "description": "a wrapper prefix every key shares: module., _orig_mod., model."},
        "tensors": {"type": "integer", "minimum": 0},
        "dtypes": {"type": "object", "additionalProperties": {"type": "integer"}},
        "saved_with": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "version fields the file records (e.g. pytorch-lightning_version)"},
        "weights_only": {"type": ["boolean", "null"], "description": "whether torch.load(weights_only=True) reads it"},
        "comparison": {"oneOf": [{"type": "null"}, {
            "type": "object",
            "required": ["model", "prefix", "matches", "missing", "unexpected", "shape_mismatches", "error"],
            "properties": {
                "model": {"type": "string"}, "prefix": {"type": "string"}, "matches": {"type": "boolean"},
                "missing": {"type": "array", "items": {"type": "string"}},
                "unexpected": {"type": "array", "items": {"type": "string"}},
                "shape_mismatches": {"type": "array", "items": {
                    "type": "object", "required": ["key", "checkpoint", "model"],
                    "properties": {"key": {"type": "string"},
                                   "checkpoint": {"type": "array", "items": {"type": "integer"}},
                                   "model": {"type": "array", "items": {"type": "integer"}}}}},
                "error": {**_TEXT_OR_NULL, "description": "building the model failed"},
            }}]},
        "loading_code": {**_TEXT_OR_NULL, "description": "set only when a sandbox run of it loaded the weights"},
        "loading_verified": {"type": "boolean"},
    },
}


class CheckpointError(Exception):
    """Input kb cannot inspect (no such file, a bad --model): one line for the user."""


@dataclass(frozen=True)
class ModelSpec:
    """`--model path/to/model.py:Net`: the class is built with no arguments."""

    path: Path
    class_name: str

    @classmethod
    def parse(cls, spec: str) -> ModelSpec:
        path, _, class_name = spec.rpartition(":")
        if not path or not class_name.isidentifier():
            raise CheckpointError(f"--model wants FILE.py:Class, got {spec!r}")
        if not Path(path).is_file():
            raise CheckpointError(f"--model: no such file: {path}")
        if not Path(path).stem.isidentifier():
            raise CheckpointError(f"--model: {Path(path).name} cannot be imported by that name (use a name like my_model.py)")
        return cls(Path(path), class_name)


@dataclass(frozen=True)
class Comparison:
    """The checkpoint's weights against the model's state_dict, after unwrapping and prefix stripping."""

    model: str
    prefix: str  # the key prefix to strip for this model ("" when the model's own keys carry it)
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    shape_mismatches: tuple[dict[str, Any], ...]  # {"key", "checkpoint", "model"}
    error: str | None = None  # the model could not be built

    @property
    def matches(self) -> bool:
        return self.error is None and not (self.missing or self.unexpected or self.shape_mismatches)

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "prefix": self.prefix, "matches": self.matches, "missing": list(self.missing),
                "unexpected": list(self.unexpected), "shape_mismatches": list(self.shape_mismatches),
                "error": self.error}


@dataclass(frozen=True)
class CheckpointReport:
    file: str
    size_bytes: int
    kind: Kind
    detail: str = ""  # why: "Git LFS pointer", the load error, the object's type
    weights_key: str | None = None
    model_class: str | None = None  # whole_model: the class the pickle needs, and its module
    model_module: str | None = None
    prefix: str = ""
    tensors: int = 0
    dtypes: dict[str, int] = field(default_factory=dict)
    saved_with: dict[str, str] = field(default_factory=dict)  # version fields the file records
    weights_only: bool | None = None  # whether torch.load(weights_only=True) reads it
    comparison: Comparison | None = None
    loading_code: str | None = None
    loading_verified: bool = False

    @property
    def usable(self) -> bool:
        """Weights torch can load; with a model, loading code that was proven to load them."""
        if self.comparison is not None:
            return self.loading_verified
        return self.kind in ("state_dict", "wrapped", "whole_model", "torchscript")

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "size_bytes": self.size_bytes, "kind": self.kind, "detail": self.detail,
            "weights_key": self.weights_key, "model_class": self.model_class, "model_module": self.model_module,
            "prefix": self.prefix, "tensors": self.tensors, "dtypes": self.dtypes, "saved_with": self.saved_with,
            "weights_only": self.weights_only,
            "comparison": self.comparison.to_json() if self.comparison else None,
            "loading_code": self.loading_code, "loading_verified": self.loading_verified,
        }


def inspect_checkpoint(path: Path, model: ModelSpec | None = None, *, python: str | None = None) -> CheckpointReport:
    """What the file at `path` is; with a model, how its weights fit it and code that loads them."""
    data = _read(path)
    if (reason := not_a_checkpoint(data)) is not None:
        return CheckpointReport(str(path), len(data), "not_a_checkpoint", reason)
    if _is_safetensors(data):
        return CheckpointReport(str(path), len(data), "other", "a safetensors file: load it with "
                                "safetensors.torch.load_file(path), not torch.load")
    model_source = model.path.read_text(encoding="utf-8", errors="replace") if model else None
    facts = _run_inspector(data, model_source, model.class_name if model else None, python)
    report = _report(str(path), len(data), facts)
    if model is None or report.comparison is None or report.kind not in ("state_dict", "wrapped"):
        return report
    code = loading_code(path.name, model, report)
    verified = report.comparison.matches and _proves(code, data, path.name, model_source or "", python)
    return _with_code(report, code if verified else None, verified)


def not_a_checkpoint(data: bytes) -> str | None:
    """Why these bytes cannot be a checkpoint, from their first bytes alone; None if they may be one."""
    head = data[:512].lstrip()
    if not data:
        return "the file is empty"
    if head.startswith(b"version https://git-lfs"):
        return "a Git LFS pointer, not the file: run `git lfs pull` (or download the file itself)"
    if head[:15].lower().startswith((b"<!doctype html", b"<html", b"<?xml")):
        return "an HTML or XML page (a download that saved a login or error page instead of the file)"
    return None


def _is_safetensors(data: bytes) -> bool:
    """safetensors: an 8-byte little-endian header length, then that many bytes of JSON."""
    header = int.from_bytes(data[:8], "little") if len(data) >= 8 else 0
    return 0 < header < len(data) and data[8:10] == b'{"'


def loading_code(filename: str, model: ModelSpec, report: CheckpointReport) -> str:
    """Code that loads this checkpoint into the model: unwrap, strip the prefix, strict load."""
    lines = ["import torch", f"from {model.path.stem} import {model.class_name}", "",
             f"checkpoint = torch.load({filename!r}, map_location='cpu', weights_only={bool(report.weights_only)})"]
    state = "checkpoint"
    if report.weights_key is not None:
        lines.append(f"state_dict = checkpoint[{report.weights_key!r}]")
        state = "state_dict"
    prefix = report.comparison.prefix if report.comparison else report.prefix
    if prefix:
        lines.append(f"state_dict = {{k.removeprefix({prefix!r}): v for k, v in {state}.items()}}")
        state = "state_dict"
    lines += [f"model = {model.class_name}()", f"model.load_state_dict({state})"]
    return "\n".join(lines) + "\n"


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CheckpointError(f"{path}: {size // 2**20} MiB is more than kb inspects ({MAX_BYTES // 2**20} MiB)")
        return path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path} is a directory, not a checkpoint file") from None
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {error.strerror}") from None


def _sandbox_run(source: str, filename: str, stdin: dict, python: str | None) -> SandboxResult:
    """One confined run with room for a large checkpoint (the sandbox is imported here: `kb ask`,
    which only needs `suggested_command`, does not load it)."""
    from assistant.sandbox import SandboxLimits, run_source

    limits = SandboxLimits(timeout_s=120.0, cpu_s=120, memory_mb=6144, max_output_bytes=256_000, max_file_mb=600,
                           disk_mb=1200)
    return run_source(source, filename=filename, limits=limits, stdin=json.dumps(stdin), python=python)


def _run_inspector(data: bytes, model_source: str | None, class_name: str | None, python: str | None) -> dict:
    request = {"data": base64.b64encode(data).decode(), "model_source": model_source, "model_class": class_name}
    return _reported(_sandbox_run(_INSPECTOR.read_text(encoding="utf-8"), "inspect_checkpoint.py", request, python))


def _reported(result: SandboxResult) -> dict:
    for line in result.stdout.splitlines():
        if line.startswith(_REPORT_MARK):
            return json.loads(line[len(_REPORT_MARK):])
    why = result.error.message if result.error else result.detail or result.status
    return {"kind": "other", "detail": f"the inspection did not finish ({result.status}: {why})"}


def _report(file: str, size: int, facts: dict) -> CheckpointReport:
    comparison = facts.get("comparison")
    return CheckpointReport(
        file, size, facts["kind"], facts.get("detail", ""), facts.get("weights_key"), facts.get("model_class"),
        facts.get("model_module"), facts.get("prefix", ""), facts.get("tensors", 0), facts.get("dtypes", {}),
        facts.get("saved_with", {}), facts.get("weights_only"),
        Comparison(comparison["model"], comparison["prefix"], tuple(comparison["missing"]), tuple(comparison["unexpected"]),
                   tuple(comparison["shape_mismatches"]), comparison.get("error")) if comparison else None,
    )


def _proves(code: str, data: bytes, filename: str, model_source: str, python: str | None) -> bool:
    """Run the loading code in the sandbox beside copies of the checkpoint and the model file."""
    module = re.search(r"^from (\w+) import", code, re.M)[1]
    setup = ("import base64, json, sys\n"
             "files = json.load(sys.stdin)\n"
             f"open({filename!r}, 'wb').write(base64.b64decode(files['checkpoint']))\n"
             f"open({module + '.py'!r}, 'w').write(files['model'])\n"
             "sys.path.insert(0, '.')\n")
    files = {"checkpoint": base64.b64encode(data).decode(), "model": model_source}
    return _sandbox_run(setup + code, "load_checkpoint.py", files, python).status == "ok"


def _with_code(report: CheckpointReport, code: str | None, verified: bool) -> CheckpointReport:
    return replace(report, loading_code=code, loading_verified=verified)

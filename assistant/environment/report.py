"""What `kb doctor` found about one interpreter: DoctorReport, its JSON form and that form's schema.

The schema (DOCTOR_SCHEMA) is shown verbatim in docs/json.md, section `doctor`. As with kb's other
objects, fields only grow: they are never renamed, removed or given another type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.environment.checks import Finding
from assistant.environment.host import HostFacts
from assistant.environment.interpreter import Interpreter


@dataclass(frozen=True)
class DoctorReport:
    interpreter: Interpreter
    facts: dict[str, Any] | None  # probe_script's output; None when the probe could not run there
    host: HostFacts
    findings: tuple[Finding, ...]
    error_entries: tuple[str, ...] = ()  # entries whose patterns match the --error text
    probe_failure: str = ""  # why the facts are missing
    duration_s: float = 0.0

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.problem)

    @property
    def torch_version(self) -> str | None:
        return self.facts["torch"]["version"] if self.facts else None

    def explains_error(self, finding: Finding) -> bool:
        return finding.entry is not None and finding.entry in self.error_entries

    def to_json(self) -> dict[str, Any]:
        return {
            "interpreter": {"python": self.interpreter.python, "chosen_by": self.interpreter.chosen_by,
                            "version": self.facts["python"]["version"] if self.facts else None},
            "torch": self.torch_version,
            "facts": self.facts,
            "host": self.host.to_json(),
            "findings": [{**finding.to_json(), "explains_error": self.explains_error(finding)}
                         for finding in self.findings],
            "problems": len(self.problems),
            "error_entries": list(self.error_entries),
            "probe_failure": self.probe_failure,
            "duration_s": round(self.duration_s, 3),
        }


_TEXT_OR_NULL = {"type": ["string", "null"]}
_FINDING = {
    "type": "object", "required": ["check", "problem", "message", "entry", "fix", "explains_error"],
    "properties": {
        "check": {"type": "string", "description": "torch | numpy | torchvision | torchaudio | cuda | gpu | shm"},
        "problem": {"type": "boolean", "description": "false: a fact worth knowing, nothing to fix"},
        "message": {"type": "string"},
        "entry": {**_TEXT_OR_NULL, "description": "the corpus entry that explains it"},
        "fix": {**_TEXT_OR_NULL, "description": "the command to run, with the inspected interpreter's path"},
        "explains_error": {"type": "boolean", "description": "its entry is one the --error text matches"},
    },
}
_PACKAGE = {"type": "object", "required": ["version", "installed", "error"],
            "properties": {"version": _TEXT_OR_NULL, "installed": _TEXT_OR_NULL,
                           "error": {"type": ["object", "null"]}}}
DOCTOR_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "kb doctor --json",
    "description": "What one interpreter holds and what is wrong with it. Exit code 0 when `problems` is 0, else 1.",
    "type": "object",
    "required": ["interpreter", "torch", "facts", "host", "findings", "problems", "error_entries", "probe_failure",
                 "duration_s"],
    "properties": {
        "interpreter": {"type": "object", "required": ["python", "chosen_by", "version"], "properties": {
            "python": {"type": "string"},
            "chosen_by": {"enum": ["--python", "KB_PYTHON", "VIRTUAL_ENV", "CONDA_PREFIX", "python3 on PATH",
                                   "kb's own"]},
            "version": _TEXT_OR_NULL}},
        "torch": {**_TEXT_OR_NULL, "description": "torch.__version__ there, with its build suffix (+cpu, +cu126)"},
        "facts": {"oneOf": [{"type": "null"}, {
            "type": "object", "description": "as read inside the interpreter, in the sandbox",
            "required": ["python", "torch", "numpy", "torchvision", "torchaudio", "start_method", "findable"],
            "properties": {
                "python": {"type": "object", "required": ["version", "executable"]},
                "torch": {"type": "object", "required": ["version", "error"], "properties": {
                    "cuda_build": {**_TEXT_OR_NULL, "description": "torch.version.cuda"},
                    "hip_build": {**_TEXT_OR_NULL, "description": "torch.version.hip (ROCm)"},
                    "cuda": {"type": "object", "required": ["available", "devices", "arch_list", "driver"]},
                    "mps_available": {"type": "boolean"}}},
                "numpy": _PACKAGE, "torchvision": _PACKAGE, "torchaudio": _PACKAGE,
                "start_method": {"type": "string", "description": "multiprocessing's, which DataLoader workers use"},
                "findable": {"type": "object", "additionalProperties": {"type": "boolean"},
                             "description": "the package a --error 'No module named' names: can this interpreter find it"},
            }}]},
        "host": {"type": "object", "required": ["shm_bytes", "nvidia_driver", "gpu_nodes"], "properties": {
            "shm_bytes": {"type": ["integer", "null"]}, "nvidia_driver": _TEXT_OR_NULL,
            "gpu_nodes": {"type": "array", "items": {"type": "string"}}}},
        "findings": {"type": "array", "description": "problems first", "items": _FINDING},
        "problems": {"type": "integer", "minimum": 0},
        "error_entries": {"type": "array", "items": {"type": "string"}},
        "probe_failure": {"type": "string", "description": "empty unless the facts could not be read"},
        "duration_s": {"type": "number", "minimum": 0},
    },
}

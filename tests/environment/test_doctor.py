"""kb doctor on real environments built here: a torchvision from another release, no torch, no GPU."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest
import torch

from assistant.environment import DOCTOR_SCHEMA, DoctorReport, resolve, run_doctor
from assistant.sandbox import run_source

NMS_ERROR = "RuntimeError: operator torchvision::nms does not exist"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "json.md"


def valid(report: DoctorReport) -> dict:
    data = report.to_json()
    jsonschema.validate(data, DOCTOR_SCHEMA, cls=jsonschema.Draft202012Validator)
    return data


@pytest.fixture(scope="module")
def vision_report(vision_env: Path) -> DoctorReport:
    return run_doctor(resolve(str(vision_env)), NMS_ERROR)


def test_a_torchvision_from_another_release_is_found_with_its_entry_and_fix(vision_env: Path,
                                                                             vision_report: DoctorReport) -> None:
    data = valid(vision_report)
    assert data["facts"]["torchvision"]["installed"] == "0.29.1"
    assert data["facts"]["torchvision"]["error"] == {"type": "RuntimeError",
                                                     "message": "operator torchvision::nms does not exist"}
    [problem] = vision_report.problems
    assert (problem.check, problem.entry) == ("torchvision", "torchvision-version-mismatch")
    line = ".".join(torch.__version__.split(".")[:2])
    assert f"torch {line} pairs with torchvision 0.{int(line.split('.')[1]) + 15}" in problem.message
    assert problem.fix is not None and problem.fix.startswith(f"{vision_env} -m pip install 'torchvision==0.")


def test_the_error_given_is_tied_to_the_finding_that_explains_it(vision_report: DoctorReport) -> None:
    data = valid(vision_report)
    assert data["error_entries"] == ["torchvision-version-mismatch"]
    assert [f["entry"] for f in data["findings"] if f["explains_error"]] == ["torchvision-version-mismatch"]


def test_an_interpreter_without_torch(bare_env: Path) -> None:
    report = run_doctor(resolve(str(bare_env)))
    data = valid(report)
    assert data["torch"] is None and data["interpreter"]["python"] == str(bare_env)
    assert [(f.check, f.entry, f.fix) for f in report.problems] == [
        ("torch", "torch-not-installed-in-env", f"{bare_env} -m pip install torch")]


def test_a_missing_package_is_looked_for_in_the_interpreter(torch_env: Path) -> None:
    error = "ModuleNotFoundError: No module named 'envfixture_pkg'"
    lacking = run_doctor(resolve(sys.executable), error)
    assert [(f.check, f.message, f.fix) for f in lacking.problems] == [
        ("package", f"envfixture_pkg is not installed in {sys.executable}", f"{sys.executable} -m pip install envfixture_pkg")]
    having = valid(run_doctor(resolve(str(torch_env)), error))
    assert having["problems"] == 0 and having["facts"]["findable"] == {"envfixture_pkg": True}
    assert [f["message"] for f in having["findings"] if f["check"] == "package"] == [
        f"envfixture_pkg is importable by {torch_env}: the program that failed ran under another interpreter"]


def test_kbs_own_environment_is_healthy_and_has_no_gpu() -> None:
    report = run_doctor(resolve(sys.executable))
    data = valid(report)
    assert data["problems"] == 0, data["findings"]
    assert data["torch"] == torch.__version__ and data["facts"]["numpy"]["error"] is None
    assert data["facts"]["torch"]["cuda"]["available"] is False
    [gpu] = [f for f in report.findings if f.check == "gpu"]
    assert not gpu.problem
    assert gpu.entry == ("torch-cuda-false-gpu-present" if report.host.gpu_nodes else "cuda-not-available")


def test_output_that_is_not_the_probes_is_not_trusted() -> None:
    report = run_doctor(resolve(sys.executable), run=lambda source, python, stdin: run_source(
        "print('{\"torch\": 1}')", python=python))
    data = valid(report)
    assert data["facts"] is None and data["findings"] == []
    assert "could not be read" in data["probe_failure"]


def test_the_schema_is_shown_verbatim_in_docs_json() -> None:
    section = re.search(r"^## `doctor`:.*?```json\n(.*?)\n```", DOCS.read_text(), re.S | re.M)
    assert section and json.loads(section.group(1)) == DOCTOR_SCHEMA

"""From facts to findings, for the situations this machine cannot build (GPUs, drivers, old torch).

The facts are shaped exactly as probe_script.py prints them; the environments that can be built
here (a mismatched torchvision, no torch, no GPU) are probed for real in test_doctor.py.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from assistant.environment import checks
from assistant.environment.host import HostFacts

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
PYTHON = "/home/me/envs/train/bin/python"
HOST = HostFacts(shm_bytes=16 << 30, driver=None, gpu_nodes=())
GPU_HOST = HostFacts(shm_bytes=16 << 30, driver="550.54.14", gpu_nodes=("/dev/nvidia0",))
_ABSENT = {"version": None, "installed": None, "error": {"type": "ModuleNotFoundError", "message": "No module named 'x'"},
           "warnings": []}
BASE: dict[str, Any] = {
    "python": {"version": "3.11.7", "executable": PYTHON},
    "torch": {"version": "2.6.0+cu124", "error": None, "warnings": [], "cuda_build": "12.4", "hip_build": None,
              "numpy_interop_error": None, "mps_available": False, "mps_built": False,
              "cuda": {"available": True, "warnings": [], "arch_list": ["sm_50", "sm_60", "sm_70", "sm_80", "sm_90"],
                       "driver": 12040, "devices": [{"name": "NVIDIA A100", "capability": [8, 0]}]}},
    "numpy": {"version": "2.1.3", "installed": "2.1.3", "error": None, "warnings": []},
    "torchvision": _ABSENT, "torchaudio": _ABSENT, "start_method": "fork", "findable": {},
}


def facts(torch: dict[str, Any] | None = None, cuda: dict[str, Any] | None = None, **packages: Any) -> dict[str, Any]:
    made = copy.deepcopy(BASE)
    made["torch"].update(torch or {})
    made["torch"]["cuda"].update(cuda or {})
    made.update(packages)
    return made


def entries(found: list[checks.Finding], problems_only: bool = True) -> list[str | None]:
    return [finding.entry for finding in found if finding.problem or not problems_only]


def test_a_healthy_gpu_environment_has_no_problem() -> None:
    assert entries(checks.findings(facts(), GPU_HOST, PYTHON)) == []


def test_every_entry_a_finding_may_name_exists() -> None:
    assert [entry for entry in checks.ENTRIES if not (CORPUS / f"{entry}.md").is_file()] == []


def test_numpy_2_under_a_torch_built_for_numpy_1() -> None:
    found = checks.findings(facts({"version": "2.1.2+cu121"}), GPU_HOST, PYTHON)
    assert entries(found) == ["numpy2-abi-compiled-numpy1"]
    assert found[0].fix == f"{PYTHON} -m pip install 'numpy<2'"


def test_a_gpu_without_kernels_in_the_wheel() -> None:
    old_gpu = {"devices": [{"name": "Tesla P100", "capability": [6, 0]}], "arch_list": ["sm_70", "sm_80", "sm_90"]}
    found = checks.findings(facts(cuda=old_gpu), GPU_HOST, PYTHON)
    assert entries(found) == ["cuda-no-kernel-image"]
    assert "sm_60" in found[0].message and "sm_70 sm_80 sm_90" in found[0].message


def test_ptx_for_an_older_architecture_still_runs() -> None:
    ptx = {"devices": [{"name": "NVIDIA H200", "capability": [9, 0]}], "arch_list": ["sm_80", "compute_80"]}
    assert entries(checks.findings(facts(cuda=ptx), GPU_HOST, PYTHON)) == []


def test_a_driver_too_old_for_the_wheel() -> None:
    warned = {"available": False, "devices": [], "warnings": [
        "CUDA initialization: The NVIDIA driver on your system is too old (found version 11040). Please update your "
        "GPU driver by downloading and installing a new version"]}
    assert entries(checks.findings(facts(cuda=warned), HOST, PYTHON)) == ["cuda-driver-too-old"]


def test_a_loaded_driver_older_than_the_wheels_cuda_needs() -> None:
    old_driver = HostFacts(shm_bytes=16 << 30, driver="470.82.01", gpu_nodes=("/dev/nvidia0",))
    found = checks.findings(facts(cuda={"available": False, "devices": []}), old_driver, PYTHON)
    assert entries(found) == ["cuda-driver-too-old"]
    assert "470.82.01 is older than CUDA 12.4" in found[0].message and "525.60" in found[0].message


def test_cuda_in_a_bad_state() -> None:
    warned = {"available": False, "devices": [], "warnings": [
        "CUDA initialization: Unexpected error from cudaGetDeviceCount(). Did you run some cuda functions before "
        "calling NumCudaDevices() that might have already set an error? Error 804: forward compatibility was "
        "attempted on non supported HW"]}
    assert entries(checks.findings(facts(cuda=warned), HOST, PYTHON)) == ["cuda-init-unknown-error"]
    hidden = checks.findings(facts(cuda=warned), GPU_HOST, PYTHON)  # the sandbox's view, not the machine's
    assert [(f.problem, f.entry) for f in hidden] == [(False, "torch-cuda-false-gpu-present")]


def test_gpus_the_sandbox_hides_are_said_to_be_unmeasured() -> None:
    hidden = checks.findings(facts(cuda={"available": False, "devices": []}), GPU_HOST, PYTHON)
    assert [(f.problem, f.entry) for f in hidden] == [(False, "torch-cuda-false-gpu-present")]


def test_a_small_dev_shm() -> None:
    docker = HostFacts(shm_bytes=64 << 20, driver=None, gpu_nodes=())
    found = [f for f in checks.findings(facts(), docker, PYTHON) if f.problem]
    assert [(f.check, f.entry) for f in found] == [("shm", "dataloader-shm-bus-error")]
    assert "64 MB" in found[0].message


def test_torchaudio_from_another_release_line() -> None:
    audio = {"version": "2.5.1+cu124", "installed": "2.5.1+cu124", "error": None, "warnings": []}
    found = checks.findings(facts(torchaudio=audio), GPU_HOST, PYTHON)
    assert entries(found) == ["torchvision-version-mismatch"]
    assert found[0].fix == f"{PYTHON} -m pip install 'torchaudio==2.6.*' --index-url https://download.pytorch.org/whl/cu124"


@pytest.mark.parametrize("error, entry", [
    ({"type": "ImportError", "message": "libcudnn.so.9: cannot open shared object file: No such file or directory"},
     "import-torch-native-lib-failure"),
    ({"type": "ImportError", "message": "numpy.core.multiarray failed to import (auto-generated because you didn't "
      "call 'numpy.import_array()' after cimporting numpy; use '<void>numpy._import_array' to disable if you are "
      "certain you don't need it)."}, "numpy2-abi-compiled-numpy1"),
])
def test_an_import_of_torch_that_fails(error: dict[str, str], entry: str) -> None:
    found = checks.findings(facts({"version": None, "error": error}), HOST, PYTHON)
    assert entries(found) == [entry]


def test_a_package_an_error_says_is_missing() -> None:
    found = checks.findings(facts(findable={"cv2": False, "torch": False}), GPU_HOST, PYTHON)
    assert [(f.check, f.problem, f.fix) for f in found] == [("package", True, f"{PYTHON} -m pip install opencv-python")]

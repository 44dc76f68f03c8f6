"""From the facts of one interpreter (probe_script.py) and of the machine (host.py) to findings.

Each finding that is a problem names the corpus entry that explains it and the command that fixes
it, with the inspected interpreter's own path in it: `pip` on PATH is often another Python's,
which is how many of these environments broke in the first place.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from assistant.environment import versions
from assistant.environment.entries import entries_matching
from assistant.environment.host import HostFacts

SMALL_SHM_BYTES = 1 << 30  # below this, DataLoader workers run out of shared memory on ordinary batches
# The oldest Linux driver (major, minor) each CUDA major release runs on (NVIDIA's minor-version compatibility).
MIN_DRIVER = {11: (450, 80), 12: (525, 60), 13: (580, 65)}
# Import names whose package on PyPI is called otherwise.
PIP_NAMES = {"cv2": "opencv-python", "PIL": "Pillow", "sklearn": "scikit-learn", "skimage": "scikit-image",
             "yaml": "pyyaml", "attr": "attrs"}
# Every corpus entry a finding may name (tests/environment checks that each exists).
ENTRIES = ("torch-not-installed-in-env", "import-torch-native-lib-failure", "numpy2-abi-compiled-numpy1",
           "numpy-not-available", "torchvision-version-mismatch", "cuda-driver-too-old", "cuda-init-unknown-error",
           "cuda-no-kernel-image", "torch-cuda-false-gpu-present", "cuda-not-available", "dataloader-shm-bus-error")


@dataclass(frozen=True)
class Finding:
    check: str  # what was looked at: torch, numpy, torchvision, torchaudio, cuda, gpu, shm
    problem: bool  # False: a fact worth knowing (no GPU here), not something to fix
    message: str
    entry: str | None = None  # the corpus entry that explains it
    fix: str | None = None  # the command to run

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "problem": self.problem, "message": self.message, "entry": self.entry,
                "fix": self.fix}


def findings(facts: dict[str, Any], host: HostFacts, python: str) -> list[Finding]:
    """Every finding, problems first; `facts` is probe_script's output (already shape-checked)."""
    pip = f"{shlex.quote(python)} -m pip install"
    torch = facts["torch"]
    found = _torch_findings(torch, pip)
    release = versions.parse(torch.get("version"))
    if release is not None and not torch.get("error"):
        found += _numpy_findings(facts["numpy"], torch, release, pip)
        found += _companion_findings("torchvision", facts["torchvision"], release, pip)
        found += _companion_findings("torchaudio", facts["torchaudio"], release, pip)
        found += _cuda_findings(torch, release, host)
    found += _shm_findings(host) + _package_findings(facts["findable"], python, pip)
    return sorted(found, key=lambda finding: not finding.problem)


def _torch_findings(torch: dict[str, Any], pip: str) -> list[Finding]:
    error = torch.get("error")
    if not error:
        return []
    if error["type"] == "ModuleNotFoundError":
        return [Finding("torch", True, "torch is not installed in this interpreter", "torch-not-installed-in-env",
                        f"{pip} torch")]
    message = f"import torch fails: {error['type']}: {error['message']}"
    if entries_matching(error["message"], ["numpy2-abi-compiled-numpy1"]):
        return [Finding("torch", True, message, "numpy2-abi-compiled-numpy1", f"{pip} 'numpy<2'")]
    return [Finding("torch", True, message, "import-torch-native-lib-failure",
                    f"{pip} --force-reinstall torch")]


def _numpy_findings(numpy: dict[str, Any], torch: dict[str, Any], release: versions.Release,
                    pip: str) -> list[Finding]:
    numpy_release = versions.parse(numpy.get("version"))
    if numpy.get("error"):
        return [Finding("numpy", True, f"NumPy cannot be imported: {_text(numpy['error'])}; tensor.numpy() and "
                        "torch.from_numpy fail", "numpy-not-available", f"{pip} numpy")]
    if numpy_release and numpy_release.major >= 2 and versions.built_for_numpy1(release):
        return [Finding("numpy", True, f"torch {release} was built against NumPy 1.x and this interpreter has "
                        f"NumPy {numpy_release}", "numpy2-abi-compiled-numpy1", f"{pip} 'numpy<2'")]
    if torch.get("numpy_interop_error"):
        return [Finding("numpy", True, f"torch cannot exchange arrays with NumPy {numpy.get('version')}: "
                        f"{_text(torch['numpy_interop_error'])}", "numpy-not-available",
                        f"{pip} --force-reinstall numpy")]
    return []


def _companion_findings(name: str, package: dict[str, Any], release: versions.Release, pip: str) -> list[Finding]:
    """torchvision or torchaudio: absent is fine; present, it must load and belong to this torch's release line."""
    error, installed = package.get("error"), versions.parse(package.get("installed"))
    if error and error["type"] == "ModuleNotFoundError" and installed is None:
        return []
    wanted = versions.torchvision_line(release) if name == "torchvision" else versions.torchaudio_line(release)
    wanted_text = f"{wanted[0]}.{wanted[1]}"
    index = versions.index_url(release)
    fix = f"{pip} '{name}=={wanted_text}.*'" + (f" --index-url {index}" if index else "")
    if error:
        seen = f" {installed}" if installed else ""
        return [Finding(name, True, f"{name}{seen} does not load beside torch {release}: {_text(error)}; torch "
                        f"{release.major}.{release.minor} pairs with {name} {wanted_text}", "torchvision-version-mismatch",
                        fix)]
    if installed and installed.line != wanted:
        return [Finding(name, True, f"{name} {installed} is built for another torch than {release} (which pairs with "
                        f"{name} {wanted_text})", "torchvision-version-mismatch", fix)]
    return []


def _cuda_findings(torch: dict[str, Any], release: versions.Release, host: HostFacts) -> list[Finding]:
    cuda = torch["cuda"]
    old_driver = _driver_too_old(torch.get("cuda_build"), host.driver)
    if old_driver is not None:
        return [old_driver]
    if cuda["available"]:
        return [found for found in (_arch_finding(device, cuda["arch_list"], release) for device in cuda["devices"])
                if found is not None]
    if host.gpu_nodes:  # the sandbox hides them, so what CUDA said in there is not this machine's state
        return [Finding("gpu", False, f"this machine has GPU device nodes ({', '.join(host.gpu_nodes)}), which the "
                        "sandbox does not pass through: CUDA availability was not measured here",
                        "torch-cuda-false-gpu-present")]
    warned = " ".join(cuda["warnings"])
    if "too old" in warned and "driver" in warned:
        return [Finding("cuda", True, warned, "cuda-driver-too-old",
                        "update the NVIDIA driver, or install a torch wheel built for an older CUDA")]
    if "unknown error" in warned or "Error 804" in warned or "cudaGetDeviceCount" in warned:
        return [Finding("cuda", True, warned, "cuda-init-unknown-error",
                        "nvidia-smi; if it fails too, reload the driver (or reboot) before touching Python packages")]
    return [_no_gpu(torch, release)]


def _driver_too_old(cuda_build: str | None, driver: str | None) -> Finding | None:
    """The loaded NVIDIA driver is older than the least one the wheel's CUDA major release runs on."""
    major = versions.parse(cuda_build)
    least = MIN_DRIVER.get(major.major) if major else None
    found = [int(part) for part in driver.split(".")[:2]] if driver else None
    if least is None or found is None or tuple(found) >= least:
        return None
    return Finding("cuda", True, f"the NVIDIA driver {driver} is older than CUDA {cuda_build} (this torch's build) "
                   f"needs: {least[0]}.{least[1]:02d} or newer", "cuda-driver-too-old",
                   "update the NVIDIA driver, or install a torch wheel built for an older CUDA")


def _arch_finding(device: dict[str, Any], arch_list: list[str], release: versions.Release) -> Finding | None:
    """A device this torch has no kernels for: neither its own sm_XY nor PTX (compute_XY) it can compile."""
    if len(device["capability"]) != 2:
        return None
    major, minor = device["capability"]
    own = major * 10 + minor
    kernels = {int(a[3:]) for a in arch_list if a.startswith("sm_") and a[3:].isdigit()}
    ptx = {int(a[8:]) for a in arch_list if a.startswith("compute_") and a[8:].isdigit()}
    if own in kernels or any(p <= own for p in ptx) or not arch_list:
        return None
    return Finding("cuda", True, f"{device['name']} (compute capability {major}.{minor}, sm_{own}) is not among the "
                   f"architectures torch {release} was built for ({' '.join(arch_list)})", "cuda-no-kernel-image",
                   "install a torch build whose get_arch_list() includes this GPU (a newer CUDA variant for a new GPU, "
                   "an older torch for an old one)")


def _no_gpu(torch: dict[str, Any], release: versions.Release) -> Finding:
    build = f"a CUDA {torch['cuda_build']} build" if torch.get("cuda_build") else (
        f"a ROCm {torch['hip_build']} build" if torch.get("hip_build") else "a CPU-only build")
    return Finding("gpu", False, f"no GPU here: torch {release} is {build}, and code that moves tensors to 'cuda' "
                   "fails on this machine", "cuda-not-available")


def _package_findings(findable: dict[str, Any], python: str, pip: str) -> list[Finding]:
    """The packages an error said were missing (torch has its own check): absent here, or present, in which
    case the failing program ran under another interpreter."""
    found = []
    for name, present in findable.items():
        if name == "torch":
            continue
        if present is True:
            found.append(Finding("package", False, f"{name} is importable by {python}: the program that failed ran "
                                 "under another interpreter", "torch-not-installed-in-env"))
        else:
            found.append(Finding("package", True, f"{name} is not installed in {python}", "torch-not-installed-in-env",
                                 f"{pip} {PIP_NAMES.get(name, name)}"))
    return found


def _shm_findings(host: HostFacts) -> list[Finding]:
    if host.shm_bytes is None or host.shm_bytes >= SMALL_SHM_BYTES:
        return []
    return [Finding("shm", True, f"/dev/shm holds only {host.shm_bytes // (1 << 20)} MB; DataLoader workers "
                    "(num_workers > 0) pass batches through it", "dataloader-shm-bus-error",
                    "docker run --shm-size=8g ... (or --ipc=host); or DataLoader(num_workers=0)")]


def _text(error: dict[str, Any]) -> str:
    return f"{error['type']}: {error['message']}"

"""The facts kb doctor needs, read inside the user's interpreter: printed as one JSON line.

Run as a script in the sandbox under the interpreter being inspected (see doctor.py), so it uses
the standard library only, runs on Python 3.8 and later, and never fails: whatever cannot be
imported or asked is recorded as the error it raised. Each package is imported for real, because
what matters is whether it loads beside this torch (torchvision's compiled ops, NumPy's ABI), not
whether its files are there.
"""

import json
import multiprocessing
import platform
import sys
import warnings


def _error(exc):
    return {"type": type(exc).__name__, "message": str(exc).strip().splitlines()[-1][:500] if str(exc).strip() else ""}


def _imported(name):
    """(module, None) or (None, error); warnings raised while importing are returned too."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            module = __import__(name)
            error = None
        except BaseException as exc:  # a broken install may raise anything, SystemExit included
            module, error = None, _error(exc)
    return module, error, [str(w.message).strip()[:500] for w in caught]


def _installed(name):
    """The version pip installed, known even when the package fails to import."""
    try:
        import importlib.metadata
        return importlib.metadata.version(name)
    except Exception:
        return None


def _package(name):
    module, error, caught = _imported(name)
    return {"version": getattr(module, "__version__", None) if module else None, "installed": _installed(name),
            "error": error, "warnings": caught}


def _cuda(torch):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        available = torch.cuda.is_available()
    facts = {"available": available, "warnings": [str(w.message).strip()[:500] for w in caught],
             "devices": [], "arch_list": [], "driver": None}
    if not available:
        return facts
    try:
        facts["arch_list"] = list(torch.cuda.get_arch_list())
        for index in range(torch.cuda.device_count()):
            major, minor = torch.cuda.get_device_capability(index)
            facts["devices"].append({"name": torch.cuda.get_device_name(index), "capability": [major, minor]})
        facts["driver"] = torch._C._cuda_getDriverVersion() if hasattr(torch._C, "_cuda_getDriverVersion") else None
    except BaseException as exc:
        facts["error"] = _error(exc)
    return facts


def _numpy_interop(torch):
    """Converting both ways is what breaks when torch and NumPy disagree ("Numpy is not available")."""
    try:
        import numpy
        torch.from_numpy(numpy.zeros(2)).numpy()
        return None
    except BaseException as exc:
        return _error(exc)


def _torch():
    torch, error, caught = _imported("torch")
    facts = {"version": getattr(torch, "__version__", None), "error": error, "warnings": caught}
    if torch is None:
        return facts
    version = getattr(torch, "version", None)
    mps = getattr(torch.backends, "mps", None)
    facts.update({
        "cuda_build": getattr(version, "cuda", None), "hip_build": getattr(version, "hip", None),
        "cuda": _cuda(torch), "numpy_interop_error": _numpy_interop(torch),
        "mps_available": bool(mps and mps.is_available()), "mps_built": bool(mps and mps.is_built()),
    })
    return facts


def _findable():
    """For each top-level module named on stdin (a JSON list), whether this interpreter can find it."""
    import importlib.util
    try:
        names = json.loads(sys.stdin.read() or "[]")
    except ValueError:
        names = []
    found = {}
    for name in names if isinstance(names, list) else []:
        if isinstance(name, str) and name.isidentifier():
            found[name] = importlib.util.find_spec(name) is not None
    return found


def main():
    facts = {
        "python": {"version": platform.python_version(), "executable": sys.executable,
                   "implementation": platform.python_implementation(), "platform": sys.platform,
                   "machine": platform.machine()},
        "torch": _torch(),
        "numpy": _package("numpy"),
        "torchvision": _package("torchvision"),
        "torchaudio": _package("torchaudio"),
        "start_method": multiprocessing.get_start_method(),  # the one DataLoader workers start with
        "findable": _findable(),
    }
    sys.stdout.flush()
    print("\n" + json.dumps(facts))


main()

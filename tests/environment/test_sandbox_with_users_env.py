"""The sandbox's protections hold under the user's interpreter: its packages (and those a .pth file
links in) are readable, and none of it is writable by the code."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from assistant.sandbox import run_source

from tests.environment.conftest import FIXTURE_PACKAGE, purelib


def test_the_users_packages_are_readable_and_nothing_of_them_writable(torch_env: Path) -> None:
    own, linked = purelib(torch_env), Path(sysconfig.get_paths()["purelib"])
    targets = [own / FIXTURE_PACKAGE / "planted.py", linked / "planted-by-the-code.pth"]
    source = (f"import {FIXTURE_PACKAGE}, torch\nprint({FIXTURE_PACKAGE}.NUM_FEATURES)\n"
              "refused = 0\n"
              f"for target in {[str(t) for t in targets]!r}:\n"
              "    try:\n        open(target, 'w').write('escaped')\n"
              "    except OSError:\n        refused += 1\n"
              "print(refused)\n")
    result = run_source(source, python=str(torch_env))
    assert result.status == "ok", result.stderr
    assert result.stdout.split() == ["256", "2"]
    assert not any(target.exists() for target in targets)
    assert "landlock" in result.isolation and result.interpreter["python"] == str(torch_env)

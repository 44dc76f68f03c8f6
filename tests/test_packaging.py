"""The package list in pyproject.toml is explicit (corpus/ is installed as kb.corpus), so a new
package directory must be added there by hand; this catches the omission before a user's
`pip install .` does."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_directory_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("kb", "assistant")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found - listed == set()
    assert config["package-dir"]["kb.corpus"] == "corpus"
    assert all((ROOT / name.replace(".", "/")).is_dir() or name == "kb.corpus" for name in listed)

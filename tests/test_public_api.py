"""The library's public names resolve, and importing the package stays light."""

import subprocess
import sys

import assistant


def test_every_public_name_resolves():
    for name in assistant.__all__:
        assert getattr(assistant, name) is not None


def test_importing_the_package_loads_no_torch():
    code = "import sys, assistant; print(any(m in sys.modules for m in ('torch', 'faiss', 'sentence_transformers')))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"

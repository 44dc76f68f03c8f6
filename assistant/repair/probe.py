"""Turn pasted code into the error it raises, by running it in the sandbox.

Code carries no error message, and matching code text against the corpus is the weakest signal
retrieval has. The error the code really raises is the strongest: it matches an entry's declared
patterns. A file that only defines a model is driven by the same harness as `kb fix`.
"""

from __future__ import annotations

import sys

from assistant.environment.missing import missing_package, missing_package_note
from assistant.repair import harness
from assistant.answering.error_model import ErrorReport, from_raised
from assistant.answering.query import parse_query
from assistant.sandbox import SandboxLimits, run_source

PROBE_LIMITS = SandboxLimits(timeout_s=60.0, cpu_s=60)
# Pasted code is usually a fragment without its imports; these are the names torch code assumes.
PRELUDE = (
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport numpy as np\n"
    "from torch.utils.data import DataLoader, Dataset, TensorDataset\n"
)
# Errors that say the fragment was cut out of its program, not what is wrong with it.
PASTING_ERRORS = frozenset({"NameError", "ImportError", "ModuleNotFoundError", "SyntaxError", "IndentationError"})


class MissingPackage(Exception):
    """The code imports a package its interpreter cannot import; the message is the one-line note."""


def error_of_code(text: str, limits: SandboxLimits = PROBE_LIMITS, python: str | None = None) -> ErrorReport | None:
    """The error (or warning) that running the pasted code produces, modelled from the live
    exception; None when the text is not code, runs clean and warns of nothing, or fails only
    because it is a fragment.

    `python` runs the code (the user's interpreter); None means kb's own. Raises MissingPackage
    when the run fails only because that interpreter lacks a package the code imports.
    """
    if parse_query(text).kind != "code":
        return None
    try:
        program = harness.drive(text) if harness.needs_harness(text) else text
    except harness.CannotDrive:
        return None
    result = run_source(PRELUDE + program, filename="snippet.py", limits=limits, python=python)
    if result.status == "error" and result.error is not None:
        missing = missing_package(result.error.type, result.error.message)
        if missing is not None:
            raise MissingPackage(missing_package_note("the code", missing, python or sys.executable))
        return None if result.error.type in PASTING_ERRORS else from_raised(result.error)
    if result.warnings:
        first = result.warnings[0]
        return ErrorReport(first.category, first.message, warning=True, line=first.line or None)
    return None

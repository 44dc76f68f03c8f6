"""A missing package is an environment problem, not a knowledge-base match.

When the user's run fails because a top-level package cannot be imported at all, no entry about
their code applies: the interpreter lacks the package (or the wrong interpreter was picked). It is
said in one line instead of being matched to whatever entry mentions a module.
"""

from __future__ import annotations

import re

_NO_MODULE = re.compile(r"^No module named '([A-Za-z_][A-Za-z0-9_.]*)'")
_IMPORT_ERRORS = frozenset({"ModuleNotFoundError", "ImportError"})


def missing_package(error_type: str, message: str) -> str | None:
    """The top-level package that could not be imported at all, else None.

    Python names the first module of a dotted import that it cannot find: "No module named 'a'"
    means a is absent; "No module named 'a.b'" means a imported and lacks b, which is a question
    of versions that an entry may well explain (torchvision.transforms.functional_tensor).
    """
    found = _NO_MODULE.match(message.strip())
    if error_type.rsplit(".", 1)[-1] not in _IMPORT_ERRORS or found is None or "." in found.group(1):
        return None
    return found.group(1)


def missing_package_note(filename: str, package: str, python: str) -> str:
    return f"{filename} imports {package}, which {python} cannot import: install it there, or pass --python"

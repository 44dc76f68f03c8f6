"""`kb fix --write`: put the patched code in the user's file without ever writing through a link or
losing a byte.

The file being fixed sits in a directory the user's own code (and whoever wrote it) can write to,
so a planted `train.py.orig -> ~/.bashrc` must not turn the backup into an overwrite elsewhere:

- the file is opened with O_NOFOLLOW and must be a regular file holding exactly what was patched;
- FILE.orig is created with O_CREAT | O_EXCL | O_NOFOLLOW, so any existing name there (a file, a
  link, a dangling link) is refused, never replaced or followed;
- the patched text goes to a new temporary file in the same directory and is renamed over FILE,
  which replaces the name itself: the user sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class WriteRefused(Exception):
    """Nothing was changed; the message is one line for the user."""


def write_patched(path: Path, expected: bytes, patched: str) -> Path:
    """Replace `path` (which must still hold `expected`) by `patched`, keeping the original as
    `path`.orig. Raises WriteRefused, having changed nothing, when that cannot be done safely."""
    backup = path.with_name(path.name + ".orig")
    try:
        current, mode = _read_regular_file(path)
        if current != expected:
            raise WriteRefused(f"{path} changed while kb fix ran; nothing written")
        _create_new(backup, current, mode)
        try:
            _replace(path, patched.encode("utf-8"), mode)
        except BaseException:
            backup.unlink()
            raise
    except FileExistsError:
        raise WriteRefused(f"{backup} already exists; move it away to keep it, then run again") from None
    except OSError as error:
        raise WriteRefused(f"{error.filename or path}: cannot write ({error.strerror or error})") from None
    return path


def _read_regular_file(path: Path) -> tuple[bytes, int]:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if path.is_symlink():
            raise WriteRefused(f"{path} is a symbolic link; kb fix --write writes only regular files") from None
        raise error
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise WriteRefused(f"{path} is not a regular file; nothing written")
        return file.read(), stat.S_IMODE(status.st_mode)


def _create_new(path: Path, content: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def _replace(path: Path, content: bytes, mode: int) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".kb-fix")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fchmod(file.fileno(), mode)
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

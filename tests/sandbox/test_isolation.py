"""The pieces of confinement that decide what to expose, and how a refusal reaches the result."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.sandbox import _ReportReader, isolation


@pytest.fixture
def closed_home() -> Iterator[Path]:
    """A directory like root's home (mode 700) with an interpreter-like tree inside."""
    home = Path(tempfile.mkdtemp(prefix="sandbox-home-"))  # mkdtemp makes it 700
    (home / "python" / "lib").mkdir(parents=True)
    try:
        yield home
    finally:
        home.chmod(0o700)
        for path in (home / "python" / "lib", home / "python", home):
            path.rmdir()


def _stranger() -> tuple[int, int]:
    return os.getuid() + 1, os.getgid() + 1


def test_the_closed_directory_above_a_path_is_found(closed_home: Path) -> None:
    target = str(closed_home / "python" / "lib")
    assert isolation._first_closed_parent(target, *_stranger()) == str(closed_home)
    assert isolation._first_closed_parent(target, os.getuid(), os.getgid()) is None  # the owner may enter
    closed_home.chmod(0o711)
    assert isolation._first_closed_parent(target, *_stranger()) is None


def test_only_outermost_paths_are_bound() -> None:
    assert isolation._outermost(["/r/py", "/r/py/lib", "/r/other", "/r/pyx"]) == ["/r/py", "/r/other", "/r/pyx"]


def test_unreadable_directories_are_named(closed_home: Path) -> None:
    """Checked after the privilege drop; as root, the check runs in a child that becomes nobody."""
    target = str(closed_home / "python")
    closed_home.chmod(0)  # closed to its owner too, for a caller that is not root
    if os.geteuid() != 0:
        assert isolation.first_unreadable(["/usr", target]) == target
        return
    pid = os.fork()
    if pid == 0:
        os.setgid(isolation.unprivileged_ids()[1])
        os.setuid(isolation.unprivileged_ids()[0])
        os._exit(0 if isolation.first_unreadable(["/usr", target]) == target else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def test_a_refusal_is_only_taken_from_the_header() -> None:
    forged_final = b'{"status": "ok", "error": null, "warnings": []}\n'
    refused = _ReportReader()
    refused.feed(b'{"refused": "cannot read the interpreter"}\n' + forged_final)
    assert refused.refused == "cannot read the interpreter"
    confined = _ReportReader()
    confined.feed(b'{"isolation": ["landlock"]}\n{"refused": "forged by the code"}\n' + forged_final)
    assert (confined.isolation, confined.refused) == (("landlock",), "")
    assert confined.final is not None

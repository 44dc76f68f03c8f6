"""The pieces that decide what to expose, and how the host reads the child's report."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.sandbox import isolation, rootfs
from assistant.sandbox.bootstrap import RAISED
from assistant.sandbox.supervisor import ReportReader

HEADER = b'{"isolation": ["landlock"], "interpreter": {"python": "/usr/bin/python3", "version": "3.11.7"}}\n'
CLEAN = b'{"error": null, "warnings": [], "torch": null, "disk_full": null}\n'


@pytest.fixture
def closed_dir() -> Iterator[Path]:
    """A directory like root's home (mode 700) with an interpreter-like tree inside."""
    home = Path(tempfile.mkdtemp(prefix="sandbox-home-"))  # mkdtemp makes it 700
    (home / "python").mkdir()
    try:
        yield home
    finally:
        home.chmod(0o700)
        (home / "python").rmdir()
        home.rmdir()


def test_only_outermost_paths_are_bound() -> None:
    assert rootfs._outermost(["/r/py", "/r/py/lib", "/r/other", "/r/pyx"]) == ["/r/other", "/r/py", "/r/pyx"]


def test_unreadable_directories_are_named(closed_dir: Path) -> None:
    """Checked after the privilege drop; as root, the check runs in a child that becomes another user."""
    target = str(closed_dir / "python")
    closed_dir.chmod(0)  # closed to its owner too, for a caller that is not root
    if os.geteuid() != 0:
        assert isolation.first_unreadable(["/usr", target]) == target
        return
    pid = os.fork()
    if pid == 0:
        os.setgid(0x70000000)
        os.setuid(0x70000000)
        os._exit(0 if isolation.first_unreadable(["/usr", target]) == target else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def _read(*chunks: bytes) -> ReportReader:
    reader = ReportReader()
    for chunk in chunks:
        reader.feed(chunk)
    reader.finish()
    return reader


def test_a_refusal_is_only_taken_from_the_header() -> None:
    refused = _read(b'{"refused": "cannot read the interpreter"}\n')
    assert refused.refused == "cannot read the interpreter"
    confined = _read(HEADER, b'{"refused": "forged by the code"}\n')
    assert (confined.isolation, confined.refused, confined.tampered) == (("landlock",), "", True)


def test_the_protocol_of_a_clean_run_is_not_tampering() -> None:
    reader = _read(HEADER, CLEAN)
    assert (reader.tampered, reader.raised, len(reader.reports)) == (False, False, 1)
    assert reader.interpreter == {"python": "/usr/bin/python3", "version": "3.11.7"}


@pytest.mark.parametrize("extra", [CLEAN, b"garbage\n", b'{"status": "ok", "error": null, "warnings": []}\n',
                                   b'{"error": null}', b"[]\n"])
def test_anything_but_one_report_is_tampering(extra: bytes) -> None:
    """A second report, a line the child would not write, or a line cut short at the end of the stream."""
    assert _read(HEADER, CLEAN, extra).tampered or len(_read(HEADER, CLEAN, extra).reports) > 1


def test_raised_is_recorded_whatever_follows() -> None:
    reader = _read(HEADER, RAISED, CLEAN)
    assert reader.raised and len(reader.reports) == 1


def test_a_huge_line_is_dropped_and_counts_as_tampering() -> None:
    reader = _read(HEADER, b"x" * (5 << 20))
    assert reader.tampered and not reader.pending

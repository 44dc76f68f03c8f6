"""Hostile code shared by the tests of the root path (test_walls.py, test_verdict.py) and the
user-namespace path (test_unprivileged.py); imported by name, as pytest puts this directory on sys.path."""

from __future__ import annotations

import textwrap


def chroot_escape(reached: str) -> str:
    """Code that regains CAP_SYS_CHROOT in a user namespace of its own, tries the classic chroot escape,
    then prints ESCAPED if the Python expression `reached` (a look at something of the host's) is true."""
    return textwrap.dedent(f"""
        import ctypes, os, socket
        ctypes.CDLL(None).unshare(0x10000000)
        os.makedirs("jail")
        try:
            os.chroot("jail")
            for _ in range(64):
                os.chdir("..")
            os.chroot(".")
        except OSError as exc:
            print("chroot", type(exc).__name__)
        print("ESCAPED" if {reached} else "CONTAINED")
    """)


# Prints REOPENED for every descriptor past stdio (pipe or socket) it can open again for reading.
REOPEN_FOR_READING = textwrap.dedent("""
    import os, stat
    for name in os.listdir("/proc/self/fd"):
        try:
            if int(name) > 2 and not stat.S_ISREG(os.fstat(int(name)).st_mode):
                os.open(f"/proc/self/fd/{name}", os.O_RDONLY | os.O_NONBLOCK)
                print("REOPENED", name)
        except OSError:
            pass
""")

"""A memory cgroup per run: one ceiling for all of the run's processes together, and the kernel's word on OOM.

RLIMIT_AS bounds each process alone; a run that forks N processes could hold N
times the limit. The cgroup bounds their sum, tmpfs pages included (the work
directory and /dev/shm), without swap. The child joins it itself before it
forks anything (bootstrap._join_cgroup), so nothing of the run starts outside.

Used when kb runs as root, below its own memory cgroup: on cgroup v1, or on
cgroup v2 where that cgroup delegates the memory controller. Elsewhere (and
for ordinary users, whose runs could not join a cgroup they made)
create() is not called or returns None, and the run says so by lacking
"cgroup-memory" among its protections.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path("/sys/fs/cgroup")
_REMOVE_TRIES = 50


@dataclass(frozen=True)
class RunCgroup:
    path: Path
    version: int  # 1 or 2: the files differ

    @classmethod
    def create(cls, memory_mb: int) -> RunCgroup | None:
        """A fresh cgroup below the caller's own, limited to memory_mb; None where none can be made."""
        for version, parent in _own_memory_cgroups():
            path = parent / f"sandbox-{secrets.token_hex(8)}"
            try:
                path.mkdir()
            except OSError:
                continue
            group = cls(path, version)
            try:
                group._limit(memory_mb << 20)
            except OSError:
                group.remove()
                continue
            return group
        return None

    @property
    def procs(self) -> str:
        """The file a process writes its pid to, to join."""
        return str(self.path / "cgroup.procs")

    def oom_kills(self) -> int:
        """How many of the run's processes the kernel killed for reaching the limit."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            lines = (self.path / name).read_text().splitlines()
        except OSError:
            return 0
        counts = dict(line.split(None, 1) for line in lines if " " in line)
        return int(counts.get("oom_kill", "0"))

    def remove(self) -> None:
        """Kills what is left in it (only processes that escaped the pid namespace could be) and deletes it."""
        for _ in range(_REMOVE_TRIES):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                self._kill_members()
                time.sleep(0.02)

    def _limit(self, limit: int) -> None:
        if self.version == 2:
            (self.path / "memory.max").write_text(str(limit))
            (self.path / "memory.swap.max").write_text("0")
            return
        (self.path / "memory.limit_in_bytes").write_text(str(limit))
        swap = self.path / "memory.memsw.limit_in_bytes"
        if swap.exists():  # absent when the kernel does not account swap
            swap.write_text(str(limit))

    def _kill_members(self) -> None:
        try:
            pids = (self.path / "cgroup.procs").read_text().split()
        except OSError:
            return
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _own_memory_cgroups() -> list[tuple[int, Path]]:
    """Where this process's memory cgroup lives, for each hierarchy that has the memory controller."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        relative = path.lstrip("/")
        if controllers == "":
            unified = next((root for root in (_ROOT, _ROOT / "unified") if (root / "cgroup.controllers").exists()),
                           None)
            if unified is not None and _delegates_memory(unified / relative):
                found.append((2, unified / relative))
        elif "memory" in controllers.split(",") and (_ROOT / "memory").is_dir():
            found.append((1, _ROOT / "memory" / relative))
    return sorted(found, key=lambda entry: -entry[0])  # v2 first where both are there


def _delegates_memory(group: Path) -> bool:
    try:
        return "memory" in (group / "cgroup.subtree_control").read_text().split()
    except OSError:
        return False

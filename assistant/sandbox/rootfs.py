"""The run's own root file system, built by the sandbox child before the code runs.

What the code sees: the interpreter's directories and the system's (/usr,
/lib, /etc, ...) bound read-only at their usual paths, a /dev holding only
the harmless devices, its own /proc, and two size-capped tmpfs: the work
directory and /dev/shm. Nothing else of the host exists for it: not /tmp with
other programs' files and Unix sockets, not /run, not anyone's home. Path
lookups, which Landlock does not restrict, therefore find nothing to connect
to or read.

The work directory is created here, in the run's private mount namespace, on
the (empty, private) directory the caller made as the mount point: no host
process can read it, swap a file in it or race its removal, and it vanishes
with the namespace. Its size and number of files are capped, and its pages,
like /dev/shm's, count towards the run's memory cgroup.

Standard library only: the child loads this file by path (see bootstrap.py).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable, Mapping

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
_MS_REMOUNT, _MS_BIND, _MS_REC = 0x20, 0x1000, 0x4000
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 0x400, 0x800, 0x200000
# A read-only remount inside a user namespace must keep the flags the host locked on the original mount.
_KEPT_FLAGS = ((os.ST_NOSUID, _MS_NOSUID), (os.ST_NODEV, _MS_NODEV), (os.ST_NOEXEC, _MS_NOEXEC),
               (os.ST_NOATIME, _MS_NOATIME), (os.ST_NODIRATIME, _MS_NODIRATIME), (os.ST_RELATIME, _MS_RELATIME))
_MNT_DETACH = 2
_DEVICES = ("null", "zero", "full", "random", "urandom")
_DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
              "stderr": "/proc/self/fd/2"}

_libc = ctypes.CDLL(None, use_errno=True)


def enter(mountpoint: str, readable: Iterable[str], limits: Mapping[str, int],
          owner: tuple[int, int]) -> tuple[str, ...]:
    """Builds the root on mountpoint and moves this process into it, in the work directory.

    The work directory has mountpoint's own path, so the code sees the path
    the caller knows. Call as pid 1 of the run's pid namespace (for /proc),
    in its private mount namespace and before giving up privileges.
    """
    os.umask(0o022)
    root = mountpoint
    _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,nr_inodes=4096,mode=755")
    for path in _outermost([p for p in readable if os.path.lexists(p) and p not in ("/dev", "/proc")]):
        _place(root, path)
    _make_dev(root, limits["memory_mb"])
    os.mkdir(root + "/proc")
    _mount("proc", root + "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    workdir = root + mountpoint
    os.makedirs(workdir)
    uid, gid = owner
    _mount("tmpfs", workdir, "tmpfs", _MS_NOSUID | _MS_NODEV,
           f"size={limits['disk_mb']}m,nr_inodes={limits['max_files']},mode=700,uid={uid},gid={gid}")
    _switch_root(root)
    _mount(None, "/", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    os.chdir(mountpoint)
    return ("private-root", "private-proc", "private-shm", "private-workdir")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    args = [None if text is None else text.encode() for text in (source, target, fstype)]
    if _libc.mount(*args, ctypes.c_ulong(flags), None if data is None else data.encode()) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {fstype or source or ''} on {target}: {os.strerror(err)}")


def _outermost(paths: list[str]) -> list[str]:
    """Drops paths inside another one: binding the outer one brings them along."""
    def inside(path: str, other: str) -> bool:
        return path != other and (other == "/" or path.startswith(other.rstrip("/") + "/"))
    return sorted({p for p in paths if not any(inside(p, q) for q in paths)})


def _place(root: str, path: str) -> None:
    """Makes path appear in the new root as on the host: links as links, directories bound read-only."""
    target = root + path
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.islink(path):
        os.symlink(os.readlink(path), target)
        return
    if not os.path.isdir(path):
        return
    os.makedirs(target, exist_ok=True)
    _mount(path, target, None, _MS_BIND | _MS_REC)
    kept = sum(ms for st, ms in _KEPT_FLAGS if os.statvfs(path).f_flag & st)
    _mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | kept)


def _make_dev(root: str, shm_mb: int) -> None:
    """A /dev with the devices programs expect and a private /dev/shm for multiprocessing."""
    dev = root + "/dev"
    os.mkdir(dev)
    _mount("tmpfs", dev, "tmpfs", _MS_NOSUID | _MS_NOEXEC, "size=64k,nr_inodes=64,mode=755")
    for name in _DEVICES:
        if os.path.exists(f"/dev/{name}"):
            open(f"{dev}/{name}", "w").close()
            _mount(f"/dev/{name}", f"{dev}/{name}", None, _MS_BIND)
    for name, target in _DEV_LINKS.items():
        os.symlink(target, f"{dev}/{name}")
    os.mkdir(dev + "/shm")
    _mount("tmpfs", dev + "/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={shm_mb}m,nr_inodes=10000,mode=1777")


def _switch_root(root: str) -> None:
    """Makes root the namespace's "/" and detaches the host's tree from it.

    pivot_root, not chroot: code that gains CAP_SYS_CHROOT again (in a user
    namespace of its own) could climb out of a chroot, but after pivot_root
    and the detach there is nothing of the host's above "/" to climb to.
    """
    os.chdir(root)
    if _libc.pivot_root(b".", b".") != 0 or _libc.umount2(b".", _MNT_DETACH) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"pivot_root to {root}: {os.strerror(err)}")
    os.chdir("/")

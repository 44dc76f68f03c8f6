"""Confinement that the sandbox child applies to itself before untrusted code runs.

The child does this, not a preexec_fn in the parent: preexec_fn is unsafe in a
threaded parent, and only the child can report which protections really took
hold. The module uses the standard library alone because the child loads it by
path, in isolated mode, with the assistant package deliberately not importable.
A step the kernel may not offer degrades to "not applied" (an empty label
tuple), so the caller can say what was missing rather than refuse to run; a
step that cannot fail in a sane process (dropping root) raises instead, so code
never runs half-confined without anyone noticing.

No capability survives the switch to nobody. Keeping CAP_DAC_READ_SEARCH (so
nobody could reach an interpreter under root's mode-700 home) would also let
the code read /etc/shadow, raw block devices and every other root-only file
below a directory Landlock must allow, such as /etc or /dev. Instead the
child's private mount namespace hides such a home behind an empty tmpfs that
holds only the interpreter's directories (expose_below_private_dirs).
"""

from __future__ import annotations

import ctypes
import os
import pwd
import resource
import signal
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x2, 0x4, 0x8
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38
# open_tree and move_mount (Linux 5.2) have the same numbers on every architecture, like Landlock's below.
_SYS_OPEN_TREE, _SYS_MOVE_MOUNT = 428, 429
_OPEN_TREE_CLONE, _AT_RECURSIVE, _OPEN_TREE_CLOEXEC = 0x1, 0x8000, 0x80000
_MOVE_MOUNT_F_EMPTY_PATH, _AT_FDCWD = 0x4, -100

# Landlock syscall numbers are the same on every architecture (added after the table unification).
_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_REFER, _FS_TRUNCATE = 1 << 13, 1 << 14
_FS_REMOVE_AND_MAKE = sum(1 << bit for bit in range(4, 13))  # REMOVE_DIR .. MAKE_SYM
_FS_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE  # the only ones a file rule may hold
_READ = _FS_READ_FILE | _FS_READ_DIR

# Readable for the code besides the interpreter's own directories. Programs and libraries may also be
# executed; the rest is data. Of /sys only the CPU topology: torch and glibc read cpu/possible, present and
# online there; without them they fall back silently, but the counts could then differ from the host's.
_SYSTEM_PROGRAM_DIRS = ("/usr", "/lib", "/lib64", "/bin", "/sbin")
_SYSTEM_DATA_DIRS = ("/etc", "/dev", "/proc", "/sys/devices/system/cpu")
_NET_BIND_AND_CONNECT_TCP = 0b11
_SCOPE_ABSTRACT_UNIX_AND_SIGNAL = 0b11

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _prctl(option: int, arg: int) -> None:
    zero = ctypes.c_ulong(0)
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), zero, zero, zero), f"prctl {option}")


def unprivileged_ids() -> tuple[int, int]:
    """The uid/gid a root-started child switches to, so kernel checks stop trusting it."""
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


def enter_namespaces() -> tuple[str, ...]:
    """Moves this process into new network, pid and mount namespaces.

    Network: the new namespace only has a loopback that is down, so neither the
    host's listeners nor the outside world are reachable. Pid: when the first
    process of the namespace dies the kernel kills every other one, which a
    process group cannot guarantee. Mount: lets the child mount its own /proc
    without touching the host's. Root can do this directly; other users need a
    user namespace, which some kernels or distributions forbid.
    """
    uid, gid = os.getuid(), os.getgid()
    wanted = _CLONE_NEWNET | _CLONE_NEWPID | _CLONE_NEWNS
    attempts = [wanted, _CLONE_NEWNET] if os.geteuid() == 0 else [wanted | _CLONE_NEWUSER]
    flags = next((f for f in attempts if _libc.unshare(ctypes.c_int(f)) == 0), 0)
    if flags & _CLONE_NEWUSER:
        _map_ids(uid, gid)
    labels = [name for bit, name in ((_CLONE_NEWUSER, "userns"), (_CLONE_NEWNET, "netns"),
                                     (_CLONE_NEWPID, "pidns")) if flags & bit]
    # Until mounts are private, a mount made here would propagate to the host.
    if flags & _CLONE_NEWNS and _mount(None, "/", None, _MS_REC | _MS_PRIVATE):
        labels.append("mountns")
    return tuple(labels)


def _map_ids(uid: int, gid: int) -> None:
    """Maps our own ids only, so files keep their owner and nothing else is gained."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> bool:
    args = [None if text is None else text.encode() for text in (source, target, fstype)]
    return _libc.mount(*args, ctypes.c_ulong(flags), None if data is None else data.encode()) == 0


def mount_private_fs(shm_mb: int) -> tuple[str, ...]:
    """Gives the new namespaces their own /proc and /dev/shm (call as pid 1, before dropping root).

    /proc: the code cannot see, or read the environment of, any process
    outside the sandbox, the caller included. /dev/shm: multiprocessing locks
    and DataLoader workers need it; a private, size-capped tmpfs lets them work
    while nothing written there reaches the host or outlives the run.
    """
    labels = []
    if _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC):
        labels.append("private-proc")
    if _mount("tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={shm_mb}m,mode=1777"):
        labels.append("private-shm")
    return tuple(labels)


def die_with_parent() -> None:
    """Makes the kernel kill this process if its guard dies, whatever killed the guard."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def count_tasks(uid: int) -> int:
    """Tasks (threads included) of a real uid, host-wide.

    RLIMIT_NPROC compares this whole count with the limit, so outside a fresh
    user namespace the limit must sit on top of it to bound only the sandbox.
    """
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as handle:
                fields = dict(line.partition(":")[::2] for line in handle)
        except OSError:
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            total += int(fields.get("Threads", "1"))
    return total


def interpreter_dirs() -> list[str]:
    """Directories this interpreter reads: its prefixes, every directory on sys.path and this package.

    Resolved, because Landlock and the masking below work on the real paths
    (a venv's python is a link into the base installation).
    """
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path, os.path.dirname(__file__)]
    resolved = (os.path.realpath(path) for path in found if path and os.path.isdir(path))
    return list(dict.fromkeys(resolved))


def expose_below_private_dirs(paths: Iterable[str], uid: int, gid: int) -> tuple[str, ...]:
    """Makes paths reachable for uid/gid where a directory above them is closed to it.

    Such a directory (root's home, mode 700, above a pyenv interpreter) gets
    an empty tmpfs mounted over it, into which only the needed subtrees are
    bound back at their own paths: the rest of the home does not even exist
    for the code, and no permission check has to be bypassed. Call as root,
    in a private mount namespace, so none of this reaches the host.
    """
    below: dict[str, list[str]] = {}
    for path in paths:
        closed = _first_closed_parent(path, uid, gid)
        if closed is not None:
            below.setdefault(closed, []).append(path)
    try:
        for closed, inside in below.items():
            _mask(closed, _outermost(inside))
    except OSError:
        return ()  # the readability check after the privilege drop names what is missing
    return ("masked-private-dirs",) if below else ()


def _first_closed_parent(path: str, uid: int, gid: int) -> str | None:
    for parent in reversed(Path(path).parents):
        info = os.stat(parent)
        owner_bit = 0o100 if info.st_uid == uid else 0o010 if info.st_gid == gid else 0o001
        if not info.st_mode & owner_bit:
            return str(parent)
    return None


def _outermost(paths: list[str]) -> list[str]:
    """Drops paths inside another one: binding the outer one brings them along."""
    return [p for p in paths if not any(p != q and Path(p).is_relative_to(q) for q in paths)]


def _mask(closed: str, keep: list[str]) -> None:
    # The subtrees are cloned before the tmpfs hides them.
    clones = [_check(_libc.syscall(ctypes.c_long(_SYS_OPEN_TREE), ctypes.c_int(_AT_FDCWD), path.encode(),
                                   ctypes.c_uint(_OPEN_TREE_CLONE | _AT_RECURSIVE | _OPEN_TREE_CLOEXEC)),
                     f"open_tree {path}") for path in keep]
    try:
        if not _mount("tmpfs", closed, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=755"):
            raise OSError(ctypes.get_errno(), f"cannot mount a tmpfs over {closed}")
        for path, clone in zip(keep, clones):
            _make_open_dirs(closed, path)
            _check(_libc.syscall(ctypes.c_long(_SYS_MOVE_MOUNT), ctypes.c_int(clone), b"", ctypes.c_int(_AT_FDCWD),
                                 path.encode(), ctypes.c_uint(_MOVE_MOUNT_F_EMPTY_PATH)), f"move_mount {path}")
    finally:
        for clone in clones:
            os.close(clone)


def _make_open_dirs(top: str, path: str) -> None:
    """Creates path's missing parents below top, searchable by anyone whatever the umask."""
    current = Path(top)
    for part in Path(path).relative_to(top).parts:
        current /= part
        if not current.exists():
            current.mkdir()
            current.chmod(0o755)


def drop_root(uid: int, gid: int) -> tuple[str, ...]:
    """Turns a root child into an ordinary user: root may read and write anywhere and ignores RLIMIT_NPROC.

    setuid from root clears every capability, and no_new_privs closes the
    way back up through setuid programs, Landlock or not.
    """
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    return ("unprivileged-user",)


def first_unreadable(paths: Iterable[str]) -> str | None:
    """The first directory the real user may not list and enter: the interpreter would fail on it."""
    return next((path for path in paths if not os.access(path, os.R_OK | os.X_OK)), None)


def apply_rlimits(limits: Mapping[str, int], nproc_base: int) -> tuple[str, ...]:
    """Kernel-enforced ceilings that hold even while the code is stuck in native code."""
    mib = 1 << 20
    _lower(resource.RLIMIT_AS, limits["memory_mb"] * mib)
    _lower(resource.RLIMIT_CPU, limits["cpu_s"])  # soft = hard: SIGKILL, which even a pid 1 cannot ignore
    _lower(resource.RLIMIT_FSIZE, limits["max_file_mb"] * mib)
    _lower(resource.RLIMIT_NPROC, nproc_base + limits["max_processes"])
    _lower(resource.RLIMIT_CORE, 0)
    return ("rlimits",)


def _lower(which: int, soft: int, hard: int | None = None) -> None:
    """Never asks for more than the current hard limit, which an ordinary user cannot raise."""
    hard = soft if hard is None else hard
    current = resource.getrlimit(which)[1]
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def landlock_abi() -> int:
    """Landlock ABI version of the running kernel, 0 when it is missing or disabled."""
    version = _libc.syscall(ctypes.c_long(_SYS_LANDLOCK_CREATE_RULESET), None, ctypes.c_size_t(0),
                            ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def restrict_files(program_dirs: list[str], writable_dirs: list[str]) -> tuple[str, ...]:
    """Limits, for this process and all it starts, which files it may read, execute and write.

    Reads: program_dirs (the interpreter's) and the system's programs,
    libraries and data, so a user's home, SSH keys and the other runs' work
    directories stay out of reach. Execution: programs and libraries only.
    Writes: writable_dirs only. Where the kernel supports it, TCP
    connect/bind and signalling or abstract-socket access to processes
    outside the sandbox are forbidden too, as a second line behind the
    network namespace. Landlock binds rules to the files, not their paths,
    and holds whatever the process's uid or capabilities.
    """
    abi = landlock_abi()
    if abi < 1:
        return ()
    write = _FS_WRITE_FILE | _FS_REMOVE_AND_MAKE | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    program = _READ | _FS_EXECUTE
    rules = [(path, program) for path in (*program_dirs, *_SYSTEM_PROGRAM_DIRS)]
    rules += [(path, _READ) for path in _SYSTEM_DATA_DIRS]
    rules += [(path, program | write) for path in writable_dirs] + [(os.devnull, write)]
    attr = _RulesetAttr(program | write, _NET_BIND_AND_CONNECT_TCP if abi >= 4 else 0,
                        _SCOPE_ABSTRACT_UNIX_AND_SIGNAL if abi >= 6 else 0)
    try:
        _restrict_self(attr, [(path, rights) for path, rights in rules if os.path.exists(path)])
    except OSError:
        return ()
    return ("landlock", "landlock-read") + (("landlock-net",) if abi >= 4 else ()) + (
        ("landlock-scope",) if abi >= 6 else ())


def _restrict_self(attr: _RulesetAttr, rules: list[tuple[str, int]]) -> None:
    # Older kernels accept the larger struct as long as the fields they do not know are zero.
    ruleset = _check(_libc.syscall(ctypes.c_long(_SYS_LANDLOCK_CREATE_RULESET), ctypes.byref(attr),
                                   ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0)), "landlock ruleset")
    try:
        for path, rights in rules:
            _allow(ruleset, path, rights)
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)  # Landlock's precondition for unprivileged callers
        _check(_libc.syscall(ctypes.c_long(_SYS_LANDLOCK_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)),
               "landlock restrict")
    finally:
        os.close(ruleset)


def _allow(ruleset: int, path: str, rights: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        if not os.path.isdir(path):
            rights &= _FS_FILE_RIGHTS  # directory rights on a file make the kernel refuse the rule
        rule = _PathBeneathAttr(rights, fd)
        _check(_libc.syscall(ctypes.c_long(_SYS_LANDLOCK_ADD_RULE), ctypes.c_int(ruleset),
                             ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0)),
               f"landlock rule for {path}")
    finally:
        os.close(fd)

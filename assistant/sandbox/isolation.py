"""Confinement that the sandbox child applies to itself before untrusted code runs.

The child does this, not a preexec_fn in the parent: preexec_fn is unsafe in a
threaded parent, and only the child can report which protections really took
hold. The module uses the standard library alone because the child loads it by
path, in isolated mode, with the assistant package deliberately not importable.
A step the kernel may not offer degrades to "not applied" (an empty label
tuple), so the caller can say what was missing rather than refuse to run; a
step that cannot fail in a sane process (dropping root) raises instead, so code
never runs half-confined without anyone noticing.

No capability survives: a root-started child becomes a uid of its own
(drop_root), a child in a user namespace gives up the capabilities that
namespace granted it (drop_capabilities). The file system the code sees is
built by rootfs.py.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from collections.abc import Iterable, Mapping

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_KEYCTL_JOIN_SESSION_KEYRING = 1
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1

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


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


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


def enter_namespaces() -> tuple[str, ...]:
    """Moves this process into new network, pid, IPC and mount namespaces.

    Network: the new namespace only has a loopback that is down, so neither the
    host's listeners (abstract Unix sockets included) nor the outside world are
    reachable. Pid: when the first process of the namespace dies the kernel
    kills every other one, which a process group cannot guarantee. IPC: System
    V shared memory, semaphores and message queues die with the run instead of
    waiting for the next one. Mount: the run gets a root of its own (rootfs.py)
    without touching the host's. Root can do this directly; other users need a
    user namespace, which some kernels or distributions forbid.
    """
    uid, gid = os.getuid(), os.getgid()
    wanted = _CLONE_NEWNET | _CLONE_NEWPID | _CLONE_NEWIPC | _CLONE_NEWNS
    attempts = [wanted, _CLONE_NEWNET | _CLONE_NEWIPC] if os.geteuid() == 0 else [wanted | _CLONE_NEWUSER]
    flags = next((f for f in attempts if _libc.unshare(ctypes.c_int(f)) == 0), 0)
    if flags & _CLONE_NEWUSER:
        _map_ids(uid, gid)
    labels = [name for bit, name in ((_CLONE_NEWUSER, "userns"), (_CLONE_NEWNET, "netns"),
                                     (_CLONE_NEWPID, "pidns"), (_CLONE_NEWIPC, "ipcns")) if flags & bit]
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

    Resolved, because Landlock and the run's root (rootfs.py) work on the
    real paths (a venv's python is a link into the base installation).
    """
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path, os.path.dirname(__file__)]
    resolved = (os.path.realpath(path) for path in found if path and os.path.isdir(path))
    return list(dict.fromkeys(resolved))


def drop_root(uid: int, gid: int) -> tuple[str, ...]:
    """Turns a root child into an ordinary user: root may read and write anywhere and ignores RLIMIT_NPROC.

    The uid is the run's own, one no account and no other run uses, so no
    host process shares it: none may signal, trace or read the run's
    processes, and its user keyring and process count start empty. setuid
    from root clears every capability, and no_new_privs closes the way back
    up through setuid programs, Landlock or not.
    """
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    return ("unprivileged-user", "own-uid")


def drop_capabilities() -> tuple[str, ...]:
    """Gives up what a user namespace grants its first process, so the code cannot undo the mounts."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    empty = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), empty), "capset")
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    return ("no-capabilities",)


def join_own_session_keyring() -> tuple[str, ...]:
    """A fresh, empty session keyring: the caller's keys are not the code's, nor are the code's the next run's."""
    if _libc.syscall(ctypes.c_long(_keyctl_number()), ctypes.c_int(_KEYCTL_JOIN_SESSION_KEYRING), None) < 0:
        return ()
    return ("own-keyring",)


def _keyctl_number() -> int:
    """keyctl is one of the few calls numbered differently per architecture."""
    return {"x86_64": 250, "aarch64": 219, "riscv64": 219}.get(os.uname().machine, -1)


def bring_up_loopback() -> tuple[str, ...]:
    """Brings up lo in the run's own network namespace (call before giving up privileges).

    The namespace holds nothing but lo, so processes of the run can talk to
    each other over 127.0.0.1 (gloo, DataLoader-style servers) while the
    host's listeners, on its own loopback, stay in another namespace.
    """
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(probe, _SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(probe, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))
    return ("loopback",)


def system_dirs() -> tuple[str, ...]:
    """The system's directories the code may read (and, for programs and libraries, execute)."""
    return (*_SYSTEM_PROGRAM_DIRS, *_SYSTEM_DATA_DIRS)


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


def restrict_files(program_dirs: list[str], writable_dirs: list[str], tcp: bool = False) -> tuple[str, ...]:
    """Limits, for this process and all it starts, which files it may read, execute and write.

    Reads: program_dirs (the interpreter's) and the system's programs,
    libraries and data, so a user's home, SSH keys and the other runs' work
    directories stay out of reach. Execution: programs and libraries only.
    Writes: writable_dirs only. Where the kernel supports it, TCP
    connect/bind (unless tcp: the run's own loopback is up) and signalling or
    abstract-socket access to processes outside the sandbox are forbidden
    too, as a second line behind the network namespace. Landlock binds rules to the files, not their paths,
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
    net = abi >= 4 and not tcp
    attr = _RulesetAttr(program | write, _NET_BIND_AND_CONNECT_TCP if net else 0,
                        _SCOPE_ABSTRACT_UNIX_AND_SIGNAL if abi >= 6 else 0)
    try:
        _restrict_self(attr, [(path, rights) for path, rights in rules if os.path.exists(path)])
    except OSError:
        return ()
    return ("landlock", "landlock-read") + (("landlock-net",) if net else ()) + (
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

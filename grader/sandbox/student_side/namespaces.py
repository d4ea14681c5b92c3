"""Linux namespaces and mounts for a child: its own network, mounts, PIDs, IPC and hostname.

The process that calls ``unshare_all`` stays where it is for PIDs; its next
child is PID 1 of the new PID namespace, and killing that child kills every
process the student started. Mount changes are private to the namespace.
"""
from __future__ import annotations

import ctypes
import os

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, PR_SET_KEEPCAPS = 38, 36, 4, 8
CAP_DAC_READ_SEARCH = 2

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare_all() -> tuple[str, ...]:
    """Enter new namespaces; as a non-root user, inside a user namespace that maps only ourselves."""
    flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET
    uid, gid = os.getuid(), os.getgid()
    if uid != 0:
        flags |= CLONE_NEWUSER
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")
    if uid != 0:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
    return ("user", "mount", "pid", "network", "ipc", "uts") if uid != 0 else ("mount", "pid", "network", "ipc", "uts")


def mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def private_mounts(scratch: str, scratch_bytes: int, hidden: list[str]) -> None:
    """Stop mount events leaking out, give the child a fresh /proc of its own PID namespace,
    a size-capped tmpfs as its only writable place, and empty read-only tmpfs over hidden paths."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"size={scratch_bytes},mode=0700")
    for path in hidden:
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4096,mode=0555")
        elif os.path.exists(path):
            mount("/dev/null", path, None, MS_BIND)


def drop_to(uid: int, gid: int, keep_read_search: bool = False) -> None:
    """Become an unprivileged user with no supplementary groups (root only).

    keep_read_search: keep CAP_DAC_READ_SEARCH alone, for an interpreter installed under a
    private home (``/root/.pyenv``); only safe when Landlock confines what may be read."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    if keep_read_search:
        _check(_libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(KEEPCAPS)")
    os.setresuid(uid, uid, uid)
    if keep_read_search:
        read_search = 1 << CAP_DAC_READ_SEARCH
        _capset(read_search, read_search)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _capset(effective: int, permitted: int) -> None:
    header = _CapHeader(0x20080522, 0)  # capability ABI version 3: two 32-bit words per set
    data = (_CapData * 2)()
    data[0].effective, data[0].permitted = effective, permitted
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def drop_capabilities() -> None:
    """Empty effective, permitted and inheritable sets."""
    _capset(0, 0)


def no_new_privs() -> None:
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")


def not_dumpable() -> None:
    """No core dumps, and /proc/PID files of this process stay root's."""
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def become_subreaper() -> None:
    """Orphans of our children are reparented to us (and reaped, SIGCHLD being ignored)."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

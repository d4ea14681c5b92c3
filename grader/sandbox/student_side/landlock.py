"""Landlock, the kernel's unprivileged filesystem (and, from ABI 4, TCP and, from ABI 6, signal) sandbox.

Written against the kernel's documented UAPI (linux/landlock.h) with ctypes:
the one Python binding on PyPI is an alpha that covers filesystem rules only,
and the grader needs the TCP and signal scopes too. A ruleset is built once in
the warm process; each child applies it with ``restrict_self``, which stacks
and can never be undone by the child.
"""
from __future__ import annotations

import ctypes
import os
import platform

# create_ruleset, add_rule, restrict_self (the same numbers on both architectures)
_SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ = READ_FILE | READ_DIR
# Rights a file (not a directory) may be given in a rule.
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is __attribute__((packed))
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)


def _syscall(index, *args):
    numbers = _SYSCALLS.get(platform.machine())
    if numbers is None:
        raise OSError(f"Landlock syscall numbers unknown on {platform.machine()}")
    result = _libc.syscall(ctypes.c_long(numbers[index]), *args)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def abi_version() -> int:
    """The kernel's Landlock ABI (0 when Landlock is missing or disabled)."""
    try:
        return _syscall(0, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def _handled_fs(abi: int) -> int:
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


class Ruleset:
    """Everything the kernel handles is denied except what ``allow`` grants."""

    def __init__(self, abi: int):
        self.abi = abi
        self.handled_fs = _handled_fs(abi)
        attr = _RulesetAttr(self.handled_fs,
                            NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                            SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
        # Older kernels know a shorter struct; pass only the fields they know.
        size = 8 if abi < 4 else (16 if abi < 6 else 24)
        self.fd = _syscall(0, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))

    @property
    def covers(self) -> tuple[str, ...]:
        """What this ruleset restricts, for the isolation report."""
        return ("filesystem",) + (("tcp",) if self.abi >= 4 else ()) + (("signals",) if self.abi >= 6 else ())

    def allow(self, path: str, rights: int) -> bool:
        """Grant ``rights`` beneath ``path``; False when the path does not exist."""
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            if not os.path.isdir(path):
                rights &= FILE_RIGHTS
            attr = _PathBeneathAttr(rights & self.handled_fs, fd)
            _syscall(1, ctypes.c_int(self.fd), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(attr),
                     ctypes.c_uint32(0))
        finally:
            os.close(fd)
        return True

    def restrict_self(self) -> None:
        """Enforce on the calling thread and every process it later forks (needs no_new_privs)."""
        _syscall(2, ctypes.c_int(self.fd), ctypes.c_uint32(0))


def scope_self() -> bool:
    """Put the calling thread (and what it forks) in a Landlock domain of its own that only scopes
    signals and abstract Unix sockets: it can then signal no process outside that domain, not even
    one forked from the same parent. False where the kernel has no scopes (ABI < 6)."""
    if abi_version() < 6:
        return False
    attr = _RulesetAttr(0, 0, SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL)
    fd = _syscall(0, ctypes.byref(attr), ctypes.c_size_t(24), ctypes.c_uint32(0))
    try:
        _syscall(2, ctypes.c_int(fd), ctypes.c_uint32(0))
    finally:
        os.close(fd)
    return True

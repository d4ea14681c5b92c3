"""The seccomp filters a child installs before student code runs (libseccomp, through pyseccomp).

The notebook's process may fork (each check gets a copy of it) but never
execute a program, make or connect a socket (it keeps only its inherited
connection to the grader), trace or read another process's
memory, create namespaces, mount, or load kernel code. A check's copy also
loses fork: it runs one call and exits. Denied calls fail with EPERM, so
student code sees an ordinary OSError rather than a mysterious kill.

Both filters are compiled once, in the warm process (``prepare``), into the
BPF programs libseccomp would load; a child loads its program with one
``prctl`` instead of compiling it again (~1.5 ms for a notebook, ~0.5 ms for
each check's copy).
"""
from __future__ import annotations

import ctypes
import errno
import os
import socket

from grader.sandbox.student_side import namespaces

CLONE_THREAD = 0x00010000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: clone may not make namespaces.
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)

DENIED = (
    "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "mount", "umount2", "pivot_root", "chroot", "swapon", "swapoff", "reboot", "setns", "unshare",
    "mount_setattr", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick",
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "open_by_handle_at", "name_to_handle_at", "iopl", "ioperm", "acct", "quotactl",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog", "vhangup",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "lookup_dcookie", "personality",
)
PROCESS_CREATION = ("fork", "vfork")


PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
_BPF_INSTRUCTION = 8  # struct sock_filter: u16 code, u8 jt, u8 jf, u32 k
_libc = ctypes.CDLL(None, use_errno=True)
_programs: dict[str, bytes] = {}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def available() -> str | None:
    """None when filters can be installed here, else why not."""
    try:
        import pyseccomp  # noqa: F401 - loads libseccomp
    except (ImportError, RuntimeError, OSError) as exc:
        return f"libseccomp unavailable ({exc})"
    return None


def _deny(flt, names):
    import pyseccomp

    for name in names:
        try:
            flt.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
        except (OSError, ValueError, RuntimeError):
            pass  # a syscall this architecture or libseccomp does not know cannot be called either


def prepare() -> None:
    """Compile both filters now, for every process forked from this one to load."""
    _programs["notebook"] = _compile(_notebook_filter())
    _programs["check"] = _compile(_check_filter())


def install_notebook_filter() -> None:
    _load(_programs.get("notebook") or _compile(_notebook_filter()))


def install_check_filter() -> None:
    """On top of the notebook's filter, in a check's copy: no new processes (threads still allowed)."""
    _load(_programs.get("check") or _compile(_check_filter()))


def _compile(flt) -> bytes:
    # In memory: a child compiling its own (when nothing was prepared) may have no writable folder.
    with open(os.memfd_create("seccomp-bpf"), "w+b") as program:
        flt.export_bpf(program)
        program.seek(0)
        return program.read()


def _load(program: bytes) -> None:
    if not program or len(program) % _BPF_INSTRUCTION:
        raise OSError(errno.EINVAL, "not a seccomp BPF program")
    code = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // _BPF_INSTRUCTION, ctypes.addressof(code))
    # As libseccomp does before loading: without it, an unprivileged process may not install a filter.
    namespaces.no_new_privs()
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"loading a seccomp filter: {os.strerror(err)}")


def _notebook_filter():
    import pyseccomp as sc

    flt = sc.SyscallFilter(sc.ALLOW)
    _deny(flt, DENIED)
    # The one socket a child needs, to the grader, is inherited and connected. A new socket could
    # reach a network or a Unix socket the grader's machine listens on, so none is made or connected.
    _deny(flt, ("socket", "connect"))
    flt.add_rule(sc.ERRNO(errno.EPERM), "socketpair", sc.Arg(0, sc.NE, socket.AF_UNIX))
    for flag in NAMESPACE_FLAGS:
        flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory a filter cannot read; ENOSYS makes libc fall back to clone.
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    return flt


def _check_filter():
    import pyseccomp as sc

    flt = sc.SyscallFilter(sc.ALLOW)
    _deny(flt, PROCESS_CREATION)
    flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    return flt

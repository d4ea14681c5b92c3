"""The seccomp filters, compiled once and loaded in each child: they deny what they say they deny."""
from __future__ import annotations

import ctypes
import errno
import os
import socket

from helpers import in_forked_child
from grader.sandbox.student_side import syscall_filter

def _errno_of(call):
    try:
        call()
    except OSError as exc:
        return exc.errno
    return 0


def _unshare_network():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "unshare")


def _try_fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def test_prepared_filters_deny_exec_network_and_then_fork_in_a_copy():
    syscall_filter.prepare()

    def steps(report):
        syscall_filter.install_notebook_filter()
        report["exec"] = _errno_of(lambda: os.execv("/bin/true", ["/bin/true"]))
        report["inet"] = _errno_of(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        report["unshare"] = _errno_of(_unshare_network)
        report["fork_in_notebook"] = _errno_of(_try_fork)
        syscall_filter.install_check_filter()
        report["fork_in_copy"] = _errno_of(_try_fork)
        report["pipe"] = _errno_of(os.pipe)

    report = in_forked_child(steps)
    assert "error" not in report, report
    assert report["exec"] == report["inet"] == report["unshare"] == errno.EPERM, report
    assert report["fork_in_notebook"] == 0, "the notebook's process keeps fork: its copies are forked from it"
    assert report["fork_in_copy"] == errno.EPERM, report
    assert report["pipe"] == 0, "everything else is allowed"


def test_a_corrupt_program_is_refused_before_it_reaches_the_kernel():
    def steps(report):
        syscall_filter._programs["check"] = b"\x00" * 7
        report["refused"] = _errno_of(syscall_filter.install_check_filter)
        report["fork"] = _errno_of(_try_fork)

    report = in_forked_child(steps)
    assert report == {"refused": errno.EINVAL, "fork": 0}

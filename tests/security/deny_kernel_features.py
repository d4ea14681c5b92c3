"""Run a command where namespaces and Landlock are denied, as a locked-down container may deny them.

Usage: ``python deny_kernel_features.py COMMAND [ARG...]``. A seccomp filter (pyseccomp) makes
``unshare``, ``setns``, ``clone``/``clone3`` asking for a new namespace, and the three Landlock calls fail
with EPERM, then the command is executed: the filter holds for it and everything it starts.
"""
from __future__ import annotations

import errno
import os
import sys

import pyseccomp as sc

CLONE_NEW = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
             "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
             "CLONE_NEWNET": 0x40000000}
DENIED = ("unshare", "setns", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    flt = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED:
        flt.add_rule(sc.ERRNO(errno.EPERM), name)
    for flag in CLONE_NEW.values():
        flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory, out of a filter's reach: ENOSYS makes the C library fall back to clone.
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    flt.load()
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])

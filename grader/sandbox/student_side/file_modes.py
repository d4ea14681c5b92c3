"""The floor layer, which needs no kernel feature: hidden files readable by root only, the child under a uid of its own.

When the grader runs as root, each hidden path (the assignment folder with its hidden checks, solution
and modules; in a checkout, solutions/, tests/ and .git) loses its group and other permissions before
any student code runs. A child runs as a uid of its own with no groups, so a folder it cannot enter
keeps everything beneath it unreadable, whether or not mounts and Landlock are available. The modes
are put back when the warm process closes, unless another grader on the machine is still running
(each holds a shared lock while it runs): then they stay closed, the safe way round.

``probe_files`` picks a few real files beneath the hidden paths; every child tries to read them once
its isolation is in place (grader/sandbox/student_side/isolation.py), so the report says what actually holds.
"""
from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

PROBES_PER_PATH = 3


@dataclass
class ProtectedModes:
    """The hidden paths whose modes were narrowed (path: original mode), to put back with ``restore``."""

    changed: dict = field(default_factory=dict)
    protected: bool = False
    lock: IO[Any] | None = None  # the shared lock every running grader holds

    def restore(self) -> None:
        if self.lock is None:
            return
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.changed.clear()  # another grader is running: its children must not find them open
        for path, mode in self.changed.items():
            try:
                os.chmod(path, mode)
            except OSError:
                pass
        self.changed.clear()
        self.lock.close()
        self.lock = None


def protect(paths) -> ProtectedModes:
    """As root: remove group and other permissions from each existing path in ``paths``. ``protected`` says
    whether every one of them is now closed to other users (False when not root or a chmod failed)."""
    result = ProtectedModes()
    if os.geteuid() != 0:
        return result
    fd = os.open(os.path.join(tempfile.gettempdir(), "grader-file-modes.lock"),
                 os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    result.lock = os.fdopen(fd, "r+")
    fcntl.flock(result.lock, fcntl.LOCK_SH)
    ok = True
    for path in paths:
        try:
            mode = stat.S_IMODE(os.lstat(path).st_mode)
        except FileNotFoundError:
            continue
        except OSError:
            ok = False
            continue
        if mode & 0o077:
            try:
                os.chmod(path, mode & 0o700)
                result.changed[path] = mode
            except OSError:
                ok = False
    result.protected = ok
    return result


def probe_files(paths) -> tuple[str, ...]:
    """A few files beneath each hidden path (hidden checks and notebooks first), and the paths themselves."""
    picked = []
    for root in paths:
        if not os.path.exists(root):
            continue
        picked.append(root)
        if os.path.isfile(root):
            continue
        found = []
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            found += [os.path.join(folder, f) for f in sorted(files) if not f.endswith(".pyc")]
            if len(found) > 200:
                break
        found.sort(key=lambda p: (f"{os.sep}hidden{os.sep}" not in p and not p.endswith(".ipynb"), p))
        picked += found[:PROBES_PER_PATH]
    return tuple(picked)


def readable(paths) -> tuple[str, ...]:
    """Which of ``paths`` this process can read (a folder: list)."""
    found = []
    for path in paths:
        try:
            if os.path.isdir(path):
                if os.listdir(path):
                    found.append(path)
            else:
                with open(path, "rb") as f:
                    if f.read(1):  # an empty file (what an empty mount over a file shows) holds nothing
                        found.append(path)
        except OSError:
            continue
    return tuple(found)

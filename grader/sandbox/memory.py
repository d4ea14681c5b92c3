"""Whether the kernel ran out of memory for us: the container's memory limit, its peak use, its OOM kills.

A process killed for memory dies of SIGKILL, saying nothing; without this, the grader could only report
that a process stopped. Read from the cgroup this process is in (v2: ``memory.max``, ``memory.peak``,
``memory.events``; v1: ``memory.limit_in_bytes``, ``memory.max_usage_in_bytes``, ``memory.oom_control``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
_UNLIMITED = 1 << 60


@dataclass(frozen=True)
class MemoryState:
    """limit, peak: bytes (None when not readable or unlimited); oom_kills: processes the kernel killed for
    memory in this cgroup so far (None when not readable)."""

    limit: int | None
    peak: int | None
    oom_kills: int | None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _number(text: str | None) -> int | None:
    if text is None or not text.isdigit():
        return None
    value = int(text)
    return value if value < _UNLIMITED else None


def _field(text: str | None, name: str) -> int | None:
    for line in (text or "").splitlines():
        key, _, value = line.partition(" ")
        if key == name and value.strip().isdigit():
            return int(value)
    return None


def _own_cgroup(root: Path) -> tuple[Path | None, Path | None]:
    """This process's v2 and v1 memory cgroup folders (the root's when /proc says nothing usable)."""
    v2 = v1 = None
    for line in (_read(Path("/proc/self/cgroup")) or "").splitlines():
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if number == "0" and controllers == "":
            v2 = root / path.lstrip("/")
        elif "memory" in controllers.split(","):
            v1 = root / "memory" / path.lstrip("/")
    return v2, v1


def memory_state(root: Path = CGROUP_ROOT) -> MemoryState:
    """The memory limit, peak and OOM kills of this process's cgroup, read as far as they can be."""
    v2, v1 = _own_cgroup(root)
    for folder in (v2, root):
        if folder is not None and (folder / "memory.max").exists():
            events = _read(folder / "memory.events")
            return MemoryState(_number(_read(folder / "memory.max")), _number(_read(folder / "memory.peak")),
                               _field(events, "oom_kill"))
    for folder in (v1, root / "memory"):
        if folder is not None and (folder / "memory.limit_in_bytes").exists():
            return MemoryState(_number(_read(folder / "memory.limit_in_bytes")),
                               _number(_read(folder / "memory.max_usage_in_bytes")),
                               _field(_read(folder / "memory.oom_control"), "oom_kill"))
    return MemoryState(None, None, None)


_AT_START = memory_state()


def out_of_memory_cause(before: MemoryState | None = None, root: Path = CGROUP_ROOT) -> str | None:
    """A sentence naming memory as the cause, when the kernel killed a process for memory since ``before``
    (default: when the grader started) or use came within 2% of the limit; else None."""
    before = _AT_START if before is None else before
    now = memory_state(root)
    killed = now.oom_kills is not None and now.oom_kills > (before.oom_kills or 0)
    near = now.limit is not None and now.peak is not None and now.peak >= now.limit * 0.98
    if not (killed or near):
        return None
    mib = lambda n: f"{n / (1 << 20):.0f} MiB"  # noqa: E731
    parts = ["out of memory"]
    if now.limit is not None:
        parts.append(f"the memory limit is {mib(now.limit)}")
    if now.peak is not None:
        parts.append(f"use peaked at {mib(now.peak)}")
    if killed:
        parts.append(f"the kernel killed {(now.oom_kills or 0) - (before.oom_kills or 0)} process(es) for memory")
    return ": ".join(parts[:1]) + (" (" + ", ".join(parts[1:]) + ")" if parts[1:] else "") + \
        "; give the grader more memory (Gradescope: the autograder's memory setting; 768 MB and up is enough)"


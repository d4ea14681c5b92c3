"""Messages that name the cause: running out of memory (the cgroup's limit, peak and OOM kills, v2 and v1),
and a warm process killed while it starts says memory, not "check that torch imports"."""
from __future__ import annotations

import signal
from pathlib import Path

import pytest

from grader.core.errors import SandboxError
from grader.sandbox import memory
from grader.sandbox.warm_process import WarmProcess

MiB = 1 << 20


def cgroup_v2(root: Path, limit="805306368", peak=str(760 * MiB), oom_kill=0) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "memory.max").write_text(f"{limit}\n")
    (root / "memory.peak").write_text(f"{peak}\n")
    (root / "memory.events").write_text(f"low 0\nhigh 0\nmax 3\noom 1\noom_kill {oom_kill}\n")
    return root


def cgroup_v1(root: Path, limit=str(384 * MiB), peak=str(383 * MiB), oom_kill=0) -> Path:
    folder = root / "memory"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "memory.limit_in_bytes").write_text(f"{limit}\n")
    (folder / "memory.max_usage_in_bytes").write_text(f"{peak}\n")
    (folder / "memory.oom_control").write_text(f"oom_kill_disable 0\nunder_oom 0\noom_kill {oom_kill}\n")
    return root


@pytest.fixture(autouse=True)
def no_own_cgroup(monkeypatch):
    """The fake trees stand for this process's cgroup: read at their root."""
    monkeypatch.setattr(memory, "_own_cgroup", lambda root: (None, None))


def test_an_oom_kill_since_the_start_is_named_with_limit_and_peak(tmp_path):
    root = cgroup_v2(tmp_path / "v2")
    before = memory.memory_state(root)
    assert before == memory.MemoryState(768 * MiB, 760 * MiB, 0)
    cgroup_v2(root, oom_kill=1)
    said = memory.out_of_memory_cause(before, root)
    assert said.startswith("out of memory (the memory limit is 768 MiB, use peaked at 760 MiB, the kernel "
                           "killed 1 process(es) for memory)")
    assert "768 MB and up" in said


def test_cgroup_v1_and_a_peak_at_the_limit(tmp_path):
    root = cgroup_v1(tmp_path / "v1")
    said = memory.out_of_memory_cause(memory.memory_state(root), root)
    assert said.startswith("out of memory (the memory limit is 384 MiB, use peaked at 383 MiB)")


def test_no_cause_without_pressure_or_readable_files(tmp_path):
    root = cgroup_v2(tmp_path / "calm", limit="max", peak=str(100 * MiB))
    assert memory.memory_state(root).limit is None
    assert memory.out_of_memory_cause(memory.memory_state(root), root) is None
    assert memory.out_of_memory_cause(memory.MemoryState(None, None, None), tmp_path / "nothing") is None


def test_a_warm_process_killed_while_starting_says_memory(monkeypatch):
    """Killed by SIGKILL before it is ready, as the OOM killer does: the error names memory, not torch."""
    import subprocess

    real_popen = subprocess.Popen

    def killed_on_start(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        process.send_signal(signal.SIGKILL)
        return process

    monkeypatch.setattr(subprocess, "Popen", killed_on_start)
    monkeypatch.setattr(memory, "_AT_START", memory.MemoryState(None, None, None))
    with pytest.raises(SandboxError) as raised:
        WarmProcess()
    assert "was killed while starting" in str(raised.value) and "memory" in str(raised.value)
    assert "check that torch imports" not in str(raised.value)

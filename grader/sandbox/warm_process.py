"""The grader's side of the warm process: the zygote with torch imported once, and the clean environment
and hidden paths it starts every child with; ``spawn`` forks a fresh notebook process from it."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from grader.core.cache_dir import cache_root
from grader.core.errors import IsolationUnavailable, ProtocolError, SandboxError, StudentCodeError
from grader.sandbox.student_side import file_modes
from grader.sandbox.student_side.isolation import FIRST_STUDENT_UID, LEVELS, PROCESS, ResourceLimits
from grader.sandbox.output import OutputCapture

if TYPE_CHECKING:
    from grader.sandbox.student_process import StudentProcess

# The protocol and the student process's handle import torch; they are imported once the process is launched,
# so that launching it (the first thing a single notebook's grading does) does not wait for torch here.

NOTEBOOK = "notebook"  # the kind of process spawn makes, for grader/sandbox/student_side/hot_pages.py
STARTUP_SECONDS = 120.0


def clean_environment(scratch: str) -> dict:
    """What the warm process and its children see: nothing of the grader's environment."""
    package_root = str(Path(__file__).resolve().parents[2])
    return {"PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8",
            "PYTHONPATH": package_root, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def hidden_paths(extra=()) -> tuple[str, ...]:
    """What a child must not see: ``extra`` (the assignment's folder, with its hidden checks and solution)
    and, in a source checkout of the grader, the solutions, tests and the repository's history."""
    paths = sorted({str(Path(p).resolve()) for p in extra})
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        paths += [str(checkout / name) for name in ("solutions", ".git", "tests")]
    return tuple(paths)


class WarmProcess:
    """The zygote: torch imported once; ``spawn`` forks a fresh notebook process from it.

    isolation: ``auto`` (every layer this platform offers) or ``none``; require: the lowest level
    accepted (``full`` refuses to grade on a platform that cannot isolate fully).
    ``level`` and ``isolation`` tell what a probe child actually got.
    packages: ``(name, folder, version)`` of assignment folders to import as packages before
    ``helper_modules`` (grader/assignments/package_import.py). hidden: more paths no child may see.
    imports: packages the notebooks may import, imported once here; ``import_errors`` says which failed
    (known once the process is ready).
    batch: made for many notebooks: the constructor waits until the process is ready and a probe child
    has told the isolation level, the process's memory is collapsed into huge pages, and each ``spawn``
    starts the next child ahead. ``batch=False`` (one notebook): the constructor only launches the
    process, so the caller's own start-up overlaps its start-up; the first ``spawn`` (or ``ready``) waits
    for it, and the isolation level is the one that child entered, checked (and the hidden files' modes
    closed, as for a batch) before it is handed out, before any of its cells runs. The same isolation
    either way: every child enters every layer before its first cell.
    plots: matplotlib imported and a first figure drawn here (``False`` for one notebook that never names
    matplotlib: its child imports it itself if it turns out to).
    optimizer: a first optimizer step taken here, so that no child pays what torch's optimizers import on
    their first step (~0.9 s; default: a batch's process does, one notebook's when the notebook names one).
    reference_values_used: the reference values the helpers read or computed here, known once the process
    is ready (grader/assignments/reference_values.py; a release ships them).
    """

    def __init__(self, helper_modules=(), isolation: str = "auto", require: str = PROCESS,
                 limits: ResourceLimits | None = None, packages=(), hidden=(), imports=(), batch: bool = True,
                 plots: bool = True, optimizer: bool | None = None):
        self.batch = batch
        self._require = require
        self._isolation_requested = isolation
        self._started = False
        self._starting = threading.Lock()
        self.isolation: dict | None = None
        self.level: str | None = None
        self.import_errors: dict = {}
        self.reference_values_used: list[str] = []
        self._lock = threading.Lock()
        self._spare: tuple | None = None  # ((helpers, seed), StudentProcess) started ahead of need
        self._preparing: threading.Thread | None = None
        self.home = tempfile.mkdtemp(prefix="grader-warm-")
        self.scratch_root = os.path.join(self.home, "scratch")
        os.mkdir(self.scratch_root)
        # Children run as other users: they may pass through to their own scratch, not list or read.
        os.chmod(self.home, 0o711)
        os.chmod(self.scratch_root, 0o711)
        hidden = hidden_paths(hidden)
        self._hidden = hidden
        self.modes = file_modes.ProtectedModes()
        config = {"helpers": [m for m in helper_modules if m], "isolation": isolation,
                  "scratch_root": self.scratch_root, "packages": [[str(v) for v in p] for p in packages],
                  "hidden": list(hidden), "limits": dataclasses.asdict(limits or ResourceLimits()),
                  "imports": list(imports), "probe": list(file_modes.probe_files(hidden)), "collapse": batch,
                  "plots": plots, "optimizer": batch if optimizer is None else optimizer,
                  "reference_cache": str(cache_root())}
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.student_side.warm", str(theirs.fileno()), json.dumps(config)],
            pass_fds=[theirs.fileno()], env=clean_environment(self.home), cwd=self.home,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        theirs.close()
        self.control = ours
        if batch:
            self.ready()

    def _wait_started(self) -> None:
        """Wait for the process to say it is ready (once; later calls return at once)."""
        from grader.sandbox.student_side.protocol import recv_message

        with self._starting:
            if self._started:
                return
            self.control.settimeout(STARTUP_SECONDS)
            try:
                ready, _ = recv_message(self.control)
                errors = ready.get("import_errors")
                self.import_errors = errors if isinstance(errors, dict) else {}
                used = ready.get("reference_values")
                self.reference_values_used = [str(e) for e in used] if isinstance(used, list) else []
            except (EOFError, OSError, ProtocolError) as exc:
                try:  # the connection closes as the process exits: let it finish, so its error can be read
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
                err = self.proc.stderr.read().decode(errors="replace")[-2000:] \
                    if self.proc.stderr is not None and self.proc.poll() is not None else ""
                self.close()
                from grader.sandbox.memory import out_of_memory_cause

                cause = out_of_memory_cause()
                if cause or self.proc.returncode == -9:
                    raise SandboxError(f"the warm process (which imports torch) was killed while starting: "
                                       f"{cause or 'by SIGKILL, most likely for memory'}") from None
                raise SandboxError(f"the warm process did not start ({exc}); check that torch imports: {err}") from None
            self.control.settimeout(30)
            self._started = True

    def ready(self) -> dict:
        """Wait until the process is ready and the isolation its children get is known (a probe child tells,
        unless a notebook's child already has); returns ``isolation``. IsolationUnavailable (the process
        closed) below the required level."""
        self._wait_started()
        if self.isolation is None:
            probe = self._settle(self._start("", 0, 5.0), "", 0, 5.0)
            probe.kill()
        assert self.isolation is not None
        return self.isolation

    def _settle(self, child: "StudentProcess", helpers: str, seed: int, call_timeout: float) -> "StudentProcess":
        """Take the isolation ``child`` entered as this process's, after closing the hidden files to other
        users when it could read them (the floor layer: as root, before any student code runs; then
        ``child`` is replaced by one started after it). Returns the child to use; IsolationUnavailable
        (the process closed) when it is below the required level."""
        try:
            if child.isolation.get("hidden_readable") and self._isolation_requested != "none":
                self.modes = file_modes.protect(self._hidden)
                if self.modes.changed:
                    child.kill()
                    child = self._start(helpers, seed, call_timeout)
        except BaseException:
            child.kill()
            self.close()
            raise
        self.isolation = child.isolation
        self.level = self.isolation.get("level", PROCESS)
        if LEVELS.index(self.level) < LEVELS.index(self._require):
            missing = "; ".join(f"{k}: {v}" for k, v in self.isolation.get("missing", {}).items())
            child.kill()
            self.close()
            raise IsolationUnavailable(self._require, self.level, missing)
        return child

    def spawn(self, helpers: str, seed: int, call_timeout: float) -> "StudentProcess":
        """A fresh notebook process, seeded with ``seed``, its runtime given ``helpers``.

        Starting one (fork, namespaces, mounts, Landlock, seccomp) takes ~20 ms. The next one is
        started in the background as this one is handed out, while the grader waits on this one's
        cells and checks; a batch then rarely waits for a start. A process prepared ahead is as
        fresh as one started on demand: no student code has run in it.
        """
        if not self.batch:
            self._wait_started()
            process = self._start(helpers, seed, call_timeout)
            if self.level is None:
                process = self._settle(process, helpers, seed, call_timeout)
            process.call_timeout = call_timeout
            return process
        process = self._take_spare(helpers, seed) or self._start(helpers, seed, call_timeout)
        process.call_timeout = call_timeout
        self._prepare(helpers, seed, call_timeout)
        return process

    def _prepare(self, helpers, seed, call_timeout):
        from grader.sandbox.student_side import hot_pages

        def start():
            process = None
            try:
                process = self._start(helpers, seed, call_timeout)
                # The pages notebooks write are copied now, while the grader waits on the current
                # notebook, not on first write during the next one's cells.
                hot_pages.LEARNED.copy_ahead(NOTEBOOK, process)
                self._spare = ((helpers, seed), process)
            except (SandboxError, StudentCodeError):
                if process is not None:
                    process.kill()
                self._spare = None  # the next spawn starts one itself, and reports what goes wrong

        self._preparing = threading.Thread(target=start, name="prepare-notebook-process", daemon=True)
        self._preparing.start()

    def learn(self, notebook: "StudentProcess") -> None:
        """Learn what notebook processes write from ``notebook``, finished, its copies gone
        (grader/sandbox/student_side/hot_pages.py); only for a batch, whose later notebooks use it."""
        if self.batch:
            from grader.sandbox.student_side import hot_pages

            hot_pages.LEARNED.learn(NOTEBOOK, notebook)

    def _take_spare(self, helpers, seed) -> "StudentProcess | None":
        if self._preparing is not None:
            self._preparing.join()
            self._preparing = None
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        key, process = spare
        if key == (helpers, seed) and process.usable:
            return process
        process.kill()
        return None

    def _start(self, helpers: str, seed: int, call_timeout: float) -> "StudentProcess":
        from grader.sandbox.student_side.protocol import recv_message, send_message
        from grader.sandbox.student_process import StudentProcess

        scratch = tempfile.mkdtemp(prefix="nb-", dir=self.scratch_root)
        ours, theirs = socket.socketpair()
        output_r, output_w = os.pipe()
        with self._lock:
            try:
                send_message(self.control, {"op": "spawn", "scratch": scratch, "helpers": helpers, "seed": seed})
                socket.send_fds(self.control, [b"F"], [theirs.fileno(), output_w])
                reply, _ = recv_message(self.control)
            except (EOFError, OSError, ProtocolError) as exc:
                os.close(output_r)
                raise SandboxError(f"the warm process stopped answering ({exc}); restart the grader") from None
            finally:
                theirs.close()
                os.close(output_w)
        if not reply.get("ok") or type(reply.get("pid")) is not int:
            os.close(output_r)
            raise SandboxError(f"the warm process could not start a child: {reply.get('error')}")
        process = StudentProcess(ours, reply["pid"], call_timeout, scratch=scratch, leader=True)
        process.output = OutputCapture(output_r, process.kill)
        try:
            ours.settimeout(30)
            hello, _ = recv_message(ours)
            ours.settimeout(None)
        except (EOFError, OSError, ProtocolError) as exc:
            process.kill()
            said = process.output.text()[-1500:]
            raise SandboxError(f"a child did not finish entering its isolation ({exc}): {said}") from None
        isolation = hello.get("isolation")
        process.isolation = isolation if isinstance(isolation, dict) else {}
        process.separate_copies = hello.get("separate_copies") is True
        process.origin = self.proc.pid
        entered = process.isolation.get("entered") or ()
        if os.getuid() == 0 and "user" in entered and "namespaces" not in entered:
            # No PID namespace to end what the notebook starts: its uid (grader/sandbox/student_side/warm.py) is swept instead.
            process.sweep_uid = FIRST_STUDENT_UID + reply["pid"]
        return process

    def close(self):
        self._take_spare(None, None)  # matches nothing: waits for a start under way, then kills it
        try:
            self.control.close()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc.stderr.close()
            shutil.rmtree(self.home, ignore_errors=True)
            self.modes.restore()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

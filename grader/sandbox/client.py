"""The grader's side of a student process: start it, run cells, call its functions, kill it.

``WarmProcess`` owns the warm zygote; ``StudentProcess`` is one child (a
notebook, or a copy of one that checks run against). Every request has a
hard deadline: the grader stops waiting and kills the child when it passes,
so a hang costs only that request.
"""
from __future__ import annotations

import dataclasses
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.errors import (IsolationUnavailable, ProtocolError, SandboxError, StudentCodeError, StudentCrashed,
                           StudentTimeout, error_from_wire)
from grader.sandbox import hot_pages
from grader.sandbox.isolation import LEVELS, PROCESS
from grader.sandbox.isolation import ResourceLimits
from grader.sandbox.output import OutputCapture
from grader.sandbox.protocol import Codec, recv_message, send_message

# Time a child gets past its own limit to report a timeout before it is killed.
GRACE_SECONDS = 2.0
NOTEBOOK = "notebook"  # the kind of process spawn makes, for grader/sandbox/hot_pages.py
STARTUP_SECONDS = 120.0


@dataclass(frozen=True)
class RemoteRef:
    """An object that stays in the student's process; only its id and type name cross."""

    id: int
    type: str


@dataclass(frozen=True)
class Global:
    """A name of the student's notebook, passed as an argument (looked up in the child)."""

    name: str


def _grader_ref(value):
    if isinstance(value, RemoteRef):
        return {"t": "ref", "id": value.id}
    if isinstance(value, Global):
        return {"t": "global", "name": value.name}
    raise TypeError(f"cannot send {type(value).__name__} to a student process")


def _decode_ref(tree):
    if type(tree.get("id")) is not int:
        raise ProtocolError("malformed ref")
    return RemoteRef(tree["id"], str(tree.get("type", "object"))[:200])


CODEC = Codec(_grader_ref, _decode_ref)


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
    ``helper_modules`` (grader/assignment_imports.py). hidden: more paths no child may see.
    """

    def __init__(self, helper_modules=(), isolation: str = "auto", require: str = PROCESS,
                 limits: ResourceLimits | None = None, packages=(), hidden=()):
        self._lock = threading.Lock()
        self._spare: tuple | None = None  # ((helpers, seed), StudentProcess) started ahead of need
        self._preparing: threading.Thread | None = None
        self.home = tempfile.mkdtemp(prefix="grader-warm-")
        self.scratch_root = os.path.join(self.home, "scratch")
        os.mkdir(self.scratch_root)
        # Children run as other users: they may pass through to their own scratch, not list or read.
        os.chmod(self.home, 0o711)
        os.chmod(self.scratch_root, 0o711)
        config = {"helpers": [m for m in helper_modules if m], "isolation": isolation,
                  "scratch_root": self.scratch_root, "packages": [[str(v) for v in p] for p in packages],
                  "hidden": list(hidden_paths(hidden)), "limits": dataclasses.asdict(limits or ResourceLimits())}
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.warm", str(theirs.fileno()), json.dumps(config)],
            pass_fds=[theirs.fileno()], env=clean_environment(self.home), cwd=self.home,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        theirs.close()
        self.control = ours
        self.control.settimeout(STARTUP_SECONDS)
        try:
            recv_message(self.control)
        except (EOFError, OSError, ProtocolError) as exc:
            err = self.proc.stderr.read().decode(errors="replace")[-2000:] if self.proc.poll() is not None else ""
            self.close()
            raise SandboxError(f"the warm process did not start ({exc}); check that torch imports: {err}") from None
        self.control.settimeout(30)
        probe = self._start("", 0, 5.0)
        self.isolation = probe.isolation
        probe.kill()
        self.level = self.isolation.get("level", PROCESS)
        if LEVELS.index(self.level) < LEVELS.index(require):
            missing = "; ".join(f"{k}: {v}" for k, v in self.isolation.get("missing", {}).items())
            self.close()
            raise IsolationUnavailable(require, self.level, missing)

    def spawn(self, helpers: str, seed: int, call_timeout: float) -> "StudentProcess":
        """A fresh notebook process, seeded with ``seed``, its runtime given ``helpers``.

        Starting one (fork, namespaces, mounts, Landlock, seccomp) takes ~20 ms. The next one is
        started in the background as this one is handed out, while the grader waits on this one's
        cells and checks; a batch then rarely waits for a start. A process prepared ahead is as
        fresh as one started on demand: no student code has run in it.
        """
        process = self._take_spare(helpers, seed) or self._start(helpers, seed, call_timeout)
        process.call_timeout = call_timeout
        self._prepare(helpers, seed, call_timeout)
        return process

    def _prepare(self, helpers, seed, call_timeout):
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

    @staticmethod
    def learn(notebook: "StudentProcess") -> None:
        """Learn what notebook processes write from ``notebook``, finished, its copies gone
        (grader/sandbox/hot_pages.py)."""
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
        process.isolation = hello.get("isolation") if type(hello.get("isolation")) is dict else {}
        process.separate_copies = hello.get("separate_copies") is True
        process.origin = self.proc.pid
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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class StudentProcess:
    """One untrusted child. Calls return plain values, tensors, or ``RemoteRef`` handles."""

    def __init__(self, sock, pid, call_timeout, scratch=None, leader=False):
        self.sock, self.pid, self.call_timeout = sock, pid, call_timeout
        self.scratch, self.leader = scratch, leader
        self.dead = False
        self.timed_out = False  # a request ran past its limit: what it left behind is unknown
        self._reset_seed: int | None = None
        self.separate_copies = False  # its copies cannot signal one another (own Landlock domains)
        self.origin = 0  # the warm process it descends from: processes of one origin share an address layout
        self.pages_copied_ahead = False  # so it holds pages it may never have written (hot_pages.py)
        self._talking = threading.Lock()  # one request at a time, whichever thread asks
        self.output: OutputCapture | None = None
        self.isolation: dict = {}

    # --- requests -----------------------------------------------------------
    def _request(self, header, blobs, timeout, what):
        if self.dead:
            raise StudentCrashed(f"{what} could not run: the student's process had already stopped")
        # The child enforces ``timeout`` itself; past the grace as well, the grader stops waiting and
        # kills it (a child that ignores its alarm, or never answers).
        deadline = time.monotonic() + timeout + GRACE_SECONDS
        if self._reset_seed is not None:
            header, self._reset_seed = dict(header, reset=self._reset_seed), None
        try:
            with self._talking:
                self.sock.settimeout(timeout + GRACE_SECONDS)
                send_message(self.sock, dict(header, timeout=timeout), blobs)
                reply, reply_blobs = recv_message(self.sock, deadline)
        except TimeoutError:
            self.kill()
            self.timed_out = True
            raise StudentTimeout(timeout, what) from None
        except (EOFError, OSError) as exc:
            self.kill()
            raise StudentCrashed(f"the student's process stopped while running {what} "
                                 f"(it exited or was killed: {type(exc).__name__})") from None
        except ProtocolError as exc:
            self.kill()
            raise StudentCrashed(f"the student's process answered out of protocol while running {what}: {exc}") from None
        if type(reply) is not dict or type(reply.get("ok")) is not bool:
            self.kill()
            raise StudentCrashed(f"the student's process answered out of protocol while running {what}")
        return reply, reply_blobs

    def run_cell(self, cell: int, source: str, timeout: float) -> dict:
        reply, _ = self._request({"op": "run_cell", "cell": cell, "source": source}, [], timeout, f"cell {cell}")
        return reply

    def _call(self, target, args, kwargs, what, want_ref=False, tensor_refs=False, timeout=None):
        blobs: list[bytes] = []
        header = {"op": "call", "target": target,
                  "args": CODEC.encode(list(args), blobs), "kwargs": CODEC.encode(dict(kwargs), blobs),
                  "want_ref": want_ref, "tensor_refs": tensor_refs}
        seconds = timeout or self.call_timeout
        reply, reply_blobs = self._request(header, blobs, seconds, what)
        if reply["ok"]:
            try:
                return CODEC.decode(reply.get("value"), reply_blobs)
            except ProtocolError as exc:
                self.kill()
                raise StudentCrashed(f"{what} returned a value the grader refuses: {exc}") from None
        error = error_from_wire(reply.get("error"), what, seconds)
        if isinstance(error, StudentTimeout):
            self.timed_out = True
        elif isinstance(error, StudentCrashed):
            self.kill()
        raise error

    def call(self, name, *args, _ref=False, _tensor_refs=False, _timeout=None, **kwargs):
        """Call the notebook's ``name(*args, **kwargs)``."""
        return self._call({"name": name}, args, kwargs, f"{name}()", _ref, _tensor_refs, _timeout)

    def method(self, ref: RemoteRef, method, *args, _ref=False, _tensor_refs=False, _timeout=None, **kwargs):
        """Call ``ref.method(*args, **kwargs)`` on an object living in the child."""
        return self._call({"id": ref.id, "method": method}, args, kwargs,
                          f"{ref.type}.{method}()", _ref, _tensor_refs, _timeout)

    def helper(self, name, *args, _ref=False, _tensor_refs=False, _timeout=None, what=None, **kwargs):
        """Ask the runtime for a fact (``grader.sandbox.child.BASE_HELPERS`` and the assignment's)."""
        return self._call({"helper": name}, args, kwargs, what or name, _ref, _tensor_refs, _timeout)

    def reset(self, seed: int) -> None:
        """Back to what a fresh copy starts from: torch's defaults, generators seeded with ``seed``,
        no references to earlier results. Done by the child before the next request it gets."""
        self._reset_seed = seed

    @property
    def usable(self) -> bool:
        """Alive, past no time limit, and not closed from its side while idle (which a pending reply
        never does: a reply only comes to a request)."""
        return not self.dead and not self.timed_out and not select.select([self.sock], [], [], 0)[0]

    def fork(self, seed: int) -> "StudentProcess":
        ours, theirs = socket.socketpair()
        try:
            with self._talking:
                send_message(self.sock, {"op": "fork", "seed": seed, "timeout": 0})
                socket.send_fds(self.sock, [b"F"], [theirs.fileno()])
                self.sock.settimeout(30)
                reply, _ = recv_message(self.sock)
                self.sock.settimeout(None)
        except (EOFError, OSError, ProtocolError) as exc:
            ours.close()
            self.kill()
            raise StudentCrashed(f"the student's process could not be copied for a check ({exc})") from None
        finally:
            theirs.close()
        if not reply.get("ok") or type(reply.get("pid")) is not int:
            ours.close()
            raise StudentCrashed("the student's process could not be copied for a check")
        copy = StudentProcess(ours, host_pid(self.pid, reply["pid"]), self.call_timeout)
        copy.isolation = self.isolation
        copy.separate_copies = self.separate_copies
        copy.origin = self.origin
        return copy

    # --- lifetime -----------------------------------------------------------
    def kill(self):
        if not self.dead:
            self.dead = True
            # The leader is PID 1 of its namespace (killing it ends every process inside) or, without
            # namespaces, leads its own process group.
            if self.pid:
                for kill in ((os.killpg, os.kill) if self.leader else (os.kill,)):
                    try:
                        kill(self.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
        try:
            self.sock.close()
        except OSError:
            pass
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def host_pid(parent: int, inner: int) -> int:
    """The grader's pid for ``inner``, a child of ``parent`` numbered in its PID namespace
    (0 when it cannot be told: then only the end of the namespace stops it)."""
    try:
        with open(f"/proc/{parent}/task/{parent}/children") as f:
            children = f.read().split()
    except OSError:
        return 0
    for candidate in children:
        try:
            with open(f"/proc/{candidate}/status") as f:
                nspids = next((line.split()[1:] for line in f if line.startswith("NSpid:")), [])
        except OSError:
            continue
        if nspids and int(nspids[-1]) == inner:
            return int(candidate)
    return 0

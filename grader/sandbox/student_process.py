"""The grader's side of one untrusted student process: run cells, call its functions, copy it, kill it.

Every request has a hard deadline: the grader stops waiting and kills the
child when it passes, so a hang costs only that request.
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import threading
import time

from grader.core.errors import ProtocolError, StudentCrashed, StudentTimeout, error_from_wire
from grader.sandbox.handles import CODEC, RemoteRef
from grader.sandbox.output import OutputCapture
from grader.sandbox.student_side.protocol import recv_message, send_message

# Time a child gets past its own limit to report a timeout before it is killed.
GRACE_SECONDS = 2.0


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
        self.sweep_uid: int | None = None  # without a PID namespace, the uid whose processes die with it

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
        """Ask the runtime for a fact (``grader.sandbox.student_side.child.BASE_HELPERS`` and the assignment's)."""
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
            if self.sweep_uid is not None:
                kill_every_process_of(self.sweep_uid)
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


def kill_every_process_of(uid: int) -> None:
    """SIGKILL every process of ``uid`` (a student's own uid; the grader is root): what a notebook started in
    a session or group of its own, where no PID namespace ends them with it. A forked helper becomes
    ``uid`` and signals -1, which reaches exactly that uid's processes (and never the helper itself)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        except BaseException:  # noqa: BLE001 - nothing to do in a helper that is about to exit
            pass
        os._exit(0)
    os.waitpid(pid, 0)

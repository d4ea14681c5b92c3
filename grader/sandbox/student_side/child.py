"""The runtime inside a student's process: runs the notebook's cells, answers the grader's calls.

Everything here runs in the untrusted process, so it decides nothing: it
reports what happened (values, exceptions with the student's frames) and
the grader judges. References it needs are bound at import, before any
student code runs.
"""
from __future__ import annotations

import _signal
import ast
import builtins
import gc
import importlib
import os
import re
import signal
import socket
import sys
import tempfile
import traceback

import torch
from IPython.core.inputtransformer2 import TransformerManager

from grader.sandbox.student_side import hot_pages, landlock, syscall_filter
from grader.sandbox.student_side.scenario import run_scenario
from grader.sandbox.student_side.protocol import Codec, ProtocolError, recv_message, send_message, to_wire
from grader.sandbox.student_side.torch_state import reset_torch_state, seed_everything

# Student code may patch the builtins module; this module keeps the originals.
globals()["__builtins__"] = dict(vars(builtins))

CELL_FILE = re.compile(r"<cell (\d+)>")
# Magics whose body is Python to run; every other cell magic (bash, sh,
# script, html, writefile...) is recorded and skipped.
RUNNABLE_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
RUNNABLE_LINE_MAGICS = {"time", "timeit", "prun"}
SHELL_LINE_MAGICS = {"sx", "system", "sc", "bash", "sh", "script", "run", "load", "writefile", "cd", "env"}
# _signal.signal, not signal.signal: the same call without converting to and from enums (~10 us).
_gc_freeze, _os_fork, _os_exit, _getpid, _setitimer, _signal = gc.freeze, os.fork, os._exit, os.getpid, signal.setitimer, _signal.signal
_transform = TransformerManager().transform_cell
_SIGALRM = int(signal.SIGALRM)


class _Deadline(BaseException):
    """Raised into student code when its time is up."""


class _Missing(Exception):
    def __init__(self, name):
        self.name = name


def _on_alarm(signum, frame):
    raise _Deadline()


class NotebookShell:
    """What ``get_ipython()`` returns in the child: runs Python magics, never shell ones."""

    def __init__(self, runtime):
        self.runtime = runtime

    def run_line_magic(self, name, line, _stack_depth=1):
        if name in RUNNABLE_LINE_MAGICS:
            return self.runtime.exec_source(line)
        if name in SHELL_LINE_MAGICS:
            self.runtime.note(f"%{name} not executed: shell commands never run")
        return None

    def run_cell_magic(self, name, line, body):
        if name in RUNNABLE_CELL_MAGICS:
            return self.runtime.exec_source(body, line_offset=1)
        self.runtime.note(f"%%{name} cell not executed: shell and non-Python cell magics never run")
        return None

    def system(self, cmd):
        self.runtime.note("shell command not executed: !commands never run")
        return None

    def getoutput(self, cmd, split=True, depth=0):
        self.runtime.note("shell command not executed: !commands never run")
        return []

    def __getattr__(self, name):
        def ignored(*args, **kwargs):
            return None
        return ignored


class Runtime:
    def __init__(self, sock: socket.socket, helpers: dict, check_filter: bool = False, scope_copies: bool = False):
        self.sock = sock
        self.pid = _getpid()
        self.check_filter = check_filter
        self.scope_copies = scope_copies
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.shell = NotebookShell(self)
        self.namespace["get_ipython"] = lambda: self.shell
        self.sources: dict[int, list[str]] = {}
        self.refs: dict[int, object] = {}
        self.helpers = dict(BASE_HELPERS, **helpers)
        self.notes: list[str] = []
        self.current_cell = 0
        self.codec = Codec(self._make_ref, self._resolve_ref, self._resolve_global)

    # --- values -------------------------------------------------------------
    def _make_ref(self, obj):
        ref_id = len(self.refs) + 1
        self.refs[ref_id] = obj
        try:
            cls = type(obj)
            name = str(type.__getattribute__(cls, "__qualname__"))
            module = str(type.__getattribute__(cls, "__module__"))
            # The notebook's own classes by their name; others qualified (numpy.float64, not float64).
            type_name = (name if module in ("__main__", "builtins") else f"{module.split('.')[0]}.{name}")[:200]
        except Exception:  # noqa: BLE001 - a student's class may make even its name raise
            type_name = "object"
        return {"t": "ref", "id": ref_id, "type": type_name}

    def _resolve_ref(self, tree):
        ref_id = tree.get("id")
        if type(ref_id) is not int or ref_id not in self.refs:
            raise ProtocolError("unknown ref")
        return self.refs[ref_id]

    def _resolve_global(self, name):
        if type(name) is not str or name not in self.namespace:
            raise _Missing(name)
        return self.namespace[name]

    def note(self, text):
        if len(self.notes) < 100:
            self.notes.append(text)

    # --- running code -------------------------------------------------------
    def exec_source(self, source, line_offset=0):
        filename = f"<cell {self.current_cell}>"
        tree = compile(_transform(source), filename, "exec", ast.PyCF_ONLY_AST)
        if line_offset:
            ast.increment_lineno(tree, line_offset)
        exec(compile(tree, filename, "exec"), self.namespace)

    def run_cell(self, header):
        self.current_cell = cell = int(header["cell"])
        source = str(header["source"])
        self.sources[cell] = source.splitlines()
        self.notes = []
        try:
            with _time_limit(float(header["timeout"])):
                self.exec_source(source)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything
            return {"ok": False, "error": self.describe(exc), "notes": self.notes}
        return {"ok": True, "notes": self.notes}

    def call(self, header, blobs):
        target = header.get("target") or {}
        try:
            args = self.codec.decode(header.get("args", []), blobs)
            kwargs = self.codec.decode(header.get("kwargs", {"t": "dict", "items": []}), blobs)
            fn = self._target(target)
        except _Missing as missing:
            return {"ok": False, "error": {"kind": "missing_name", "name": str(missing.name)}}, []
        try:
            with _time_limit(float(header["timeout"])):
                result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            return {"ok": False, "error": self.describe(exc)}, []
        if header.get("want_ref"):
            return {"ok": True, "value": self._make_ref(result)}, []
        tree, out_blobs = to_wire(self.codec, result, tensor_refs=bool(header.get("tensor_refs")))
        return {"ok": True, "value": tree}, out_blobs

    def _target(self, target):
        if "helper" in target:
            helper = self.helpers[target["helper"]]
            return lambda *a, **k: helper(self, *a, **k)
        obj = self._resolve_ref(target) if "id" in target else self._resolve_global(target.get("name"))
        if target.get("method"):
            return getattr(obj, str(target["method"]))
        return obj

    def describe(self, exc):
        kind = "timeout" if type(exc) is _Deadline else \
            "not_implemented" if isinstance(exc, NotImplementedError) else "raised"
        try:
            message = str(exc)[:2000]
        except BaseException:  # noqa: BLE001 - a hostile __str__
            message = "<message could not be read>"
        try:  # which step of a check's scenario raised (grader/sandbox/student_side/scenario.py)
            step = BaseException.__getattribute__(exc, "scenario_step")
        except BaseException:  # noqa: BLE001 - not raised in a scenario, or a hostile exception
            step = None
        return {"kind": kind, "type": type(exc).__name__[:200], "message": message,
                "frames": self.frames(exc), "step": step if type(step) is int else None}

    def frames(self, exc):
        # Only the notebook's own frames are reported, so no source file is read (traceback.extract_tb
        # would read every library file on the way, again in each new process).
        found = []
        for frame, line in traceback.walk_tb(exc.__traceback__):
            code = frame.f_code
            found.append((code.co_filename, line, code.co_name))
        if isinstance(exc, SyntaxError) and exc.filename:
            found.append((exc.filename, exc.lineno or 0, "<module>"))
        frames = []
        for filename, line, function in found:
            match = CELL_FILE.fullmatch(filename or "")
            if match:
                cell = int(match.group(1))
                lines = self.sources.get(cell, [])
                text = lines[line - 1] if 0 < line <= len(lines) else ""
                frames.append({"cell": cell, "line": line, "text": text[:500], "function": function})
        return frames[-20:]

    # --- process control ----------------------------------------------------
    def reset(self, seed):
        """What a check's copy starts each check from (see grader/checks/copies.py); None when done."""
        try:
            self.refs.clear()
            reset_torch_state()
            seed_everything(int(seed))
        except BaseException as exc:  # noqa: BLE001 - torch's state may have been patched by the student
            return {"ok": False, "error": dict(self.describe(exc), kind="reset_failed")}
        return None

    def fork(self, header):
        _, fds, _, _ = socket.recv_fds(self.sock, 1, 1)
        _gc_freeze()  # as in the warm process: a copy's collections leave the notebook's objects alone
        try:
            pid = _os_fork()
        except OSError as exc:  # e.g. the student's threads or processes used up the process limit
            os.close(fds[0])
            return {"ok": False, "error": {"kind": "raised", "type": "OSError", "message": str(exc)}}
        if pid == 0:
            self.sock.close()
            self.sock = socket.socket(fileno=fds[0])
            self.pid = _getpid()
            # A check's copy prints nowhere: the notebook's output is what its cells printed.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.close(devnull)
            if self.scope_copies:
                landlock.scope_self()
            if self.check_filter:
                syscall_filter.install_check_filter()
            reset_torch_state()
            seed_everything(int(header["seed"]))
            return None
        os.close(fds[0])
        return {"ok": True, "pid": pid}

    def serve(self):
        while True:
            try:
                header, blobs = recv_message(self.sock)
            except (EOFError, OSError, ProtocolError):
                _os_exit(0)
            op = header.get("op")
            out_blobs = []
            # A reset travels with the first request of the next check, saving a round trip.
            failed_reset = self.reset(header["reset"]) if type(header.get("reset")) is int else None
            if failed_reset:
                reply = failed_reset
            elif op == "run_cell":
                reply = self.run_cell(header)
            elif op == "call":
                try:
                    reply, out_blobs = self.call(header, blobs)
                except BaseException as exc:  # noqa: BLE001 - e.g. a result that cannot be encoded
                    reply = {"ok": False, "error": self.describe(exc)}
            elif op == "fork":
                reply = self.fork(header)
                if reply is None:
                    continue
            elif op == "bye":
                _os_exit(0)
            else:
                reply = {"ok": False, "error": {"kind": "bad_request", "message": str(op)}}
            if _getpid() != self.pid:
                _os_exit(0)  # a process the student forked came back here: only ours may answer
            _flush_output()
            send_message(self.sock, reply, out_blobs)


_streams: tuple = (sys.stdout, sys.stderr)


def _flush_output():
    """What the student printed reaches the grader before the reply does (print may lack a newline)."""
    for stream in _streams:
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a closed or replaced stream costs only its output
            pass


class _time_limit:
    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        _signal(_SIGALRM, _on_alarm)
        _setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        _setitimer(signal.ITIMER_REAL, 0)
        return False


# --- helpers: runtime facts the grader may ask for, by name --------------------
def _get(rt, value):
    return value


def _set_tensor(rt, tensor, value):
    """Write ``value`` into ``tensor`` (laid out in its shape when the counts agree: (n,) into (n, 1))."""
    with torch.no_grad():
        tensor.copy_(value.reshape(tensor.shape) if value.numel() == tensor.numel() else value)


def _backward(rt, tensor):
    tensor.backward()


def _grad(rt, tensor):
    return tensor.grad


def _grads_of(rt, fn, *args):
    """Call fn, back-propagate the sum of its output, return the inputs' gradients."""
    inputs = [a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point()
              else a for a in args]
    out = fn(*inputs)
    if not isinstance(out, torch.Tensor):
        return {"not_a_tensor": type(out).__name__[:200]}
    out.sum().backward()
    return [a.grad if isinstance(a, torch.Tensor) else None for a in inputs]


def _locate(rt, name):
    """Where a name of the notebook is defined: cell and line range, from its code object."""
    owner, _, attr = str(name).partition(".")
    obj = rt.namespace.get(owner)
    if attr and isinstance(obj, type):
        obj = next((vars(k)[attr] for k in obj.__mro__ if attr in vars(k)), None)
    codes = []
    if hasattr(obj, "__code__"):
        codes.append(obj.__code__)
    elif isinstance(obj, type):
        codes += [v.__code__ for v in vars(obj).values() if hasattr(v, "__code__")]
    places = []
    for code in codes:
        match = CELL_FILE.fullmatch(code.co_filename)
        if match:
            lines = [line for _, _, line in code.co_lines() if line]
            places.append({"cell": int(match.group(1)), "first": code.co_firstlineno,
                           "last": max(lines, default=code.co_firstlineno)})
    return places


def _probe_call(rt, fn, *args):
    """Call fn and report its result, its arguments afterwards, and whether it returned one of them."""
    result = fn(*args)
    return {"result": result, "args_after": list(args), "returned_an_argument": any(result is a for a in args)}


_MADV_POPULATE_WRITE = 23


def _prefault(rt, runs):
    """Copy now the pages in ``runs`` (rows ``address, pages``, learned by grader/sandbox/student_side/hot_pages.py)
    that this process would otherwise copy on first write. Contents do not change."""
    import ctypes

    if not (isinstance(runs, torch.Tensor) and runs.dtype == torch.int64 and runs.dim() == 2 and runs.shape[1] == 2):
        return
    madvise = hot_pages.madvise()
    budget = hot_pages.MAX_PAGES
    for address, pages in runs.tolist():
        if address <= 0 or pages <= 0:
            continue
        pages = min(pages, budget)
        budget -= pages
        if madvise(address, pages * hot_pages.PAGE, _MADV_POPULATE_WRITE) != 0 and ctypes.get_errno() == 22:
            return  # EINVAL: a kernel before 5.14 knows no MADV_POPULATE_WRITE
        if budget <= 0:
            return


BASE_HELPERS = {"get": _get, "prefault": _prefault, "set_tensor": _set_tensor, "backward": _backward,
                "grad": _grad, "grads_of": _grads_of, "locate": _locate, "probe_call": _probe_call,
                "run_scenario": run_scenario}


def main(sock: socket.socket, output_fd: int, header: dict, guard):
    """Entry point in the child that serves a notebook: take the output pipe, enter the isolation
    layers, say which took hold, then serve. Nothing of the student's has run yet."""
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    global _streams
    sys.stdout, sys.stderr = _streams = tuple(
        open(fd, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False) for fd in (1, 2))
    scratch = str(header["scratch"])
    report = guard.enter_rest(scratch)
    os.chdir(scratch)  # the scratch mount now covers the directory the warm process entered
    os.environ.update(HOME=scratch, TMPDIR=scratch)
    tempfile.tempdir = None
    helpers_module = header.get("helpers", "")
    helpers = importlib.import_module(helpers_module).HELPERS if helpers_module else {}
    seed_everything(int(header["seed"]))
    # Copies that each get a signal-scoped Landlock domain cannot signal one another, so the grader
    # may keep the next question's copy ready while the current one runs (grader/checks/copies.py).
    scope_copies = "landlock" in report.entered and landlock.abi_version() >= 6
    runtime = Runtime(sock, helpers, check_filter="seccomp" in report.entered, scope_copies=scope_copies)
    send_message(sock, {"ok": True, "isolation": report.to_wire(), "separate_copies": scope_copies})
    runtime.serve()

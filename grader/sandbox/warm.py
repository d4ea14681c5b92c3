"""The warm process: imports torch once, then forks one child per notebook.

Started by the grader with a clean environment; it never runs student code,
so every child starts from the same untouched, already-imported state.
Usage (by ``grader.sandbox.client`` only): ``python -m grader.sandbox.warm FD``.
"""
from __future__ import annotations

import importlib
import os
import signal
import socket
import sys


def warm_up(helper_modules):
    import torch

    # Single-threaded before any op: forking after an intra-op pool has
    # started can deadlock the child.
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    w = torch.zeros(3, 1, requires_grad=True)
    (torch.ones(2, 3) @ w).sum().backward()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401

    import grader.sandbox.child  # noqa: F401 - imports IPython's transformer too

    for name in helper_modules:
        importlib.import_module(name)


def main() -> None:
    from grader.sandbox import child
    from grader.sandbox.protocol import recv_message, send_message

    control = socket.socket(fileno=int(sys.argv[1]))
    helper_modules = [m for m in sys.argv[2:] if m]
    warm_up(helper_modules)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    send_message(control, {"ok": True, "pid": os.getpid()})
    while True:
        try:
            header, _ = recv_message(control)
        except (EOFError, OSError):
            os._exit(0)
        if header.get("op") != "spawn":
            send_message(control, {"ok": False, "error": "unknown op"})
            continue
        _, fds, _, _ = socket.recv_fds(control, 1, 1)
        pid = os.fork()
        if pid == 0:
            control.close()
            try:
                os.chdir(header["scratch"])
                child.main(socket.socket(fileno=fds[0]), header.get("helpers", ""), int(header["seed"]))
            finally:
                os._exit(0)
        os.close(fds[0])
        send_message(control, {"ok": True, "pid": pid})


if __name__ == "__main__":
    main()

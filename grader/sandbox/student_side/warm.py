"""The warm process: imports torch once, then forks one child per notebook.

Started by the grader with a clean environment; it never runs student code,
so every child starts from the same untouched, already-imported state.
Usage (by ``grader.sandbox.warm_process`` only): ``python -m grader.sandbox.student_side.warm FD CONFIG_JSON``.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import socket
import sys
import traceback

from grader.assignments import reference_values
from grader.sandbox.student_side import huge_pages, isolation, namespaces


def import_packages(names) -> dict:
    """Import the packages an assignment's notebooks may import (its manifest's ``[packages] imports``) once,
    here: every child has them loaded. What does not import is returned, name to error, for the grader to say."""
    errors = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - any failure of a third-party import is reported, not fatal
            errors[name] = f"{type(exc).__name__}: {exc}"[:500]
    return errors


def warm_up(helper_modules, packages=(), imports=(), collapse=True, plots=True, optimizer=True,
            reference_cache=None) -> dict:
    """Everything every child shares, loaded once; returns the ``imports`` that failed (name: error).
    ``collapse``: back the shared heap with huge pages (a batch's warm process; not one notebook's).
    ``plots``: import matplotlib and draw a first figure (~0.4 s); without it, a child whose notebook (or
    helpers) imports matplotlib imports it itself, with the Agg backend its environment names.
    ``optimizer``: take a first optimizer step (``_first_step``, ~0.9 s); without it, a child whose notebook
    steps an optimizer pays that itself.
    ``reference_cache``: the grader's cache folder, where the helpers' reference values are read (and
    written, on a miss: this process runs no student code) until it seals them, before its first fork
    (grader/assignments/reference_values.py)."""
    import torch

    # Single-threaded before any op: forking after an intra-op pool has
    # started can deadlock the child.
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    w = torch.zeros(3, 1, requires_grad=True)
    (torch.ones(2, 3) @ w).sum().backward()
    if optimizer:
        _first_step(torch)
    if plots:
        _first_figure()
    reference_values.use_cache(reference_cache)
    import numpy  # noqa: F401

    import grader.sandbox.student_side.child  # noqa: F401 - imports IPython's transformer too

    from grader.assignments.package_import import register_package

    for name, folder, version in packages:
        register_package(name, folder, version)
    # An assignment's helpers warm up what its notebooks use, at import (this process never runs student code).
    for name in helper_modules:
        importlib.import_module(name)
    import_errors = import_packages(imports)
    reference_values.seal()  # nothing forked from here writes a reference value
    from grader.sandbox.student_side import syscall_filter

    if syscall_filter.available() is None:  # loads libseccomp now: a child cannot read it once restricted
        syscall_filter.prepare()
    # Every child inherits these objects; a full collection in a child would touch each one and
    # so copy every page of the heap. Frozen, the collector never looks at them again.
    gc.freeze()
    # Last, so that it covers what every child will share. Only for a batch: it costs ~0.3-0.6 s once and
    # saves a few ms per fork, which one notebook (a fork and a copy per question) does not win back.
    if collapse:
        huge_pages.collapse()
    return import_errors


def _first_step(torch) -> None:
    """One step of a tiny optimizer: what torch's optimizers import on their first step (``torch._dynamo`` and
    sympy, in torch 2.x, ~0.9 s) imported here, whatever this torch's version imports, instead of in each
    child's first ``optimizer.step()``."""
    weight = torch.zeros(1, requires_grad=True)
    weight.sum().backward()
    optimizer = torch.optim.SGD([weight], lr=0.1)
    optimizer.step()
    optimizer.zero_grad()


def _first_figure() -> None:
    """matplotlib imported with the Agg backend and a first figure drawn: the first figure of a process looks
    up fonts and builds tickers and text machinery; done here, once, instead of in every notebook that plots.
    Closed: figure numbers start again at 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0.0, 1.0], [1.0, 2.0], "o-", label="a")
    ax.set_xlabel("x")
    ax.legend()
    fig.canvas.draw()
    plt.close("all")


def policy_from(config: dict) -> isolation.Policy:
    import grader

    limits = isolation.ResourceLimits(**config.get("limits", {}))
    package_dir = os.path.dirname(grader.__file__)
    hidden = tuple(config.get("hidden", ()))
    return isolation.Policy(requested=config["isolation"], scratch_root=config["scratch_root"], hidden=hidden,
                            readable=isolation.readable_paths(package_dir, hidden), limits=limits,
                            probe=tuple(config.get("probe", ())))


def spawn(control, header, policy, ruleset):
    """Fork a child for one notebook; with a PID namespace, the child's own child is the notebook's
    process (PID 1 there), and the grader gets that one's pid."""
    from grader.sandbox.student_side import child

    _, fds, _, _ = socket.recv_fds(control, 1, 2)
    if len(fds) != 2:
        for fd in fds:
            os.close(fd)
        return {"ok": False, "error": "spawn needs a socket and an output pipe"}
    report_r, report_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        control.close()
        os.close(report_r)
        try:
            os.setsid()
            guard = isolation.Isolation(policy, ruleset, uid=isolation.FIRST_STUDENT_UID + os.getpid())
            if guard.enter_namespaces():
                notebook_pid = os.fork()
                if notebook_pid:
                    os.write(report_w, str(notebook_pid).encode())
                    os._exit(0)
            else:
                os.write(report_w, str(os.getpid()).encode())
            os.close(report_w)
            child.main(socket.socket(fileno=fds[0]), fds[1], header, guard)
        except BaseException:  # noqa: BLE001 - reported on the child's output, which the grader keeps
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(0)
    os.close(report_w)
    for fd in fds:
        os.close(fd)
    with os.fdopen(report_r, "rb") as report:
        notebook_pid = report.read(32)
    if not notebook_pid.isdigit():
        return {"ok": False, "error": "the child stopped before it could start"}
    return {"ok": True, "pid": int(notebook_pid)}


def main() -> None:
    from grader.sandbox.student_side.protocol import recv_message, send_message

    control = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    import_errors = warm_up(config.get("helpers", ()), config.get("packages", ()), config.get("imports", ()),
                            config.get("collapse", True), config.get("plots", True), config.get("optimizer", True),
                            config.get("reference_cache"))
    policy = policy_from(config)
    ruleset = isolation.build_ruleset(policy)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    namespaces.become_subreaper()  # a child whose PID-1 grandchild outlives it leaves that to us
    send_message(control, {"ok": True, "pid": os.getpid(), "import_errors": import_errors,
                           "reference_values": sorted(reference_values.used())})
    while True:
        try:
            header, _ = recv_message(control)
        except (EOFError, OSError):
            os._exit(0)
        if header.get("op") != "spawn":
            send_message(control, {"ok": False, "error": "unknown op"})
            continue
        send_message(control, spawn(control, header, policy, ruleset))


if __name__ == "__main__":
    main()

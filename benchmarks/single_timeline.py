"""Runs one ``grader`` command (``grade``, ``check``, ``gradescope run``) in this fresh process and records
when each stage started and ended, and the CPU time its thread spent in it, for the breakdown of
benchmarks/bench_single.py.

    python benchmarks/single_timeline.py TIMELINE.json grade NOTEBOOK --out DIR

The grader's functions are wrapped as their modules are imported (nothing is imported ahead, so the
order of imports is the command's own): each call of a stage appends ``[name, thread, start, end, cpu]``,
seconds since this process began, and the seconds of CPU its thread used meanwhile (on a loaded machine the
wall times stretch, the CPU times much less); imports of torch, pytest, nbconvert and matplotlib are recorded the same
way. Time spent in the assignment's reference code (``reference`` module, and check functions whose name
says ``reference``) in the grader's process is summed under ``reference``. Works on earlier versions of the
grader too: a stage that does not exist there is left out.
"""
from __future__ import annotations

import atexit
import functools
import importlib.abc
import importlib.machinery
import json
import resource
import sys
import threading
import time

START = time.perf_counter()
EVENTS: list = []
_REFERENCE_DEPTH = threading.local()

# module -> functions (or Class.method) whose calls are stages
STAGES = {
    "grader.grading.single_notebook": ["start", "_prepare_checks", "_prepare_page"],
    "grader.sandbox.warm_process": ["WarmProcess.__init__", "WarmProcess._wait_started", "WarmProcess._start"],
    "grader.checks.runner": ["run_checks", "prepare_session", "_Session.__init__"],
    "grader.sandbox.run_cells": ["execute_cells"],
    "grader.assignments.read_notebook": ["read_submission"],
    "grader.outputs": ["render_outputs", "save_files"],
    "grader.outputs.feedback": ["render_feedback", "warm_up"],
    "grader.outputs.notebook_html": ["render_ahead", "notebook_view"],
    "grader.classroom.batch": ["grade_batch", "_store", "write_class_summary"],
    "grader.classroom.gradebook": ["Gradebook.record"],
    "grader.delivery.selfcheck": ["self_check", "locate_checks", "with_pending"],
    "grader.delivery.gradescope.run": ["run_autograder", "grade_submission", "write_results"],
}
IMPORTS = ("torch", "pytest", "nbconvert", "matplotlib")


def now() -> float:
    return time.perf_counter() - START


def _wrap(owner, attr, label):
    original = getattr(owner, attr, None)
    if original is None or not callable(original):
        return

    @functools.wraps(original)
    def stage(*args, **kwargs):
        began, cpu = now(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            EVENTS.append([label, threading.current_thread().name, began, now(), time.thread_time() - cpu])

    setattr(owner, attr, stage)


def _wrap_reference(module):
    for name, value in list(vars(module).items()):
        if not callable(value) or isinstance(value, type) or getattr(value, "__module__", None) != module.__name__:
            continue
        if not (module.__name__.endswith(".reference") or "reference" in name):
            continue

        def timed(*args, __original=value, **kwargs):
            depth = getattr(_REFERENCE_DEPTH, "n", 0)
            _REFERENCE_DEPTH.n = depth + 1
            began, cpu = now(), time.thread_time()
            try:
                return __original(*args, **kwargs)
            finally:
                _REFERENCE_DEPTH.n = depth
                if depth == 0:
                    EVENTS.append(["reference", threading.current_thread().name, began, now(),
                                   time.thread_time() - cpu])

        setattr(module, name, functools.wraps(value)(timed))


class _Hooks(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        wanted = name in STAGES or name in IMPORTS or name.endswith(".reference") or ".test_" in name
        if not wanted:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            began, cpu = now(), time.thread_time()
            load(module)
            if name in IMPORTS:
                EVENTS.append([f"import {name}", threading.current_thread().name, began, now(),
                               time.thread_time() - cpu])
            for attr in STAGES.get(name, ()):
                owner = module
                *path_, last = attr.split(".")
                for part in path_:
                    owner = getattr(owner, part, None)
                if owner is not None:
                    _wrap(owner, last, attr)
            if name.endswith(".reference") or ".test_" in name:
                _wrap_reference(module)

        spec.loader.exec_module = exec_module
        return spec


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    sys.meta_path.insert(0, _Hooks())

    @atexit.register
    def write():
        EVENTS.append(["exit", threading.current_thread().name, now(), now(), 0.0])
        # The CPU of this process (every thread) and of the processes it waited for (the warm process).
        for label, who in (("cpu: grader process", resource.RUSAGE_SELF),
                           ("cpu: warm process", resource.RUSAGE_CHILDREN)):
            usage = resource.getrusage(who)
            EVENTS.append([label, "-", 0.0, 0.0, usage.ru_utime + usage.ru_stime])
        with open(out, "w") as f:
            json.dump(EVENTS, f)

    from grader.cli import main as grader_main

    EVENTS.append(["cli imported", "MainThread", 0.0, now(), time.thread_time()])
    sys.argv = ["grader", *argv]
    status = grader_main(argv)
    EVENTS.append(["main returned", "MainThread", now(), now(), 0.0])
    sys.exit(status)


if __name__ == "__main__":
    main()

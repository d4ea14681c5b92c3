"""One notebook from a cold start: what a student's check and every Gradescope run wait for.

For the weight-decay solution and its stub, each from a fresh process, against nbclient running the same
notebook's cells in a fresh kernel (a fresh process too: what nbgrader and otter pay per notebook):

  grade       ``grader grade NOTEBOOK --out DIR``, command to files (results.json, feedback.html, gradebook,
              class summary)
  check       ``grader check weight_decay.ipynb`` in the release bundle (``grader release``), the
              notebook copied into it
  gradescope  ``run_autograder`` of the Gradescope zip (``grader gradescope build``) unpacked into a
              local autograder root, the notebook as the submission (README, "To try it here")
  help        ``grader --help``

Rounds alternate the commands (nbclient first in each); the medians over the rounds and the ratio to
nbclient's median are printed, then a breakdown of one more ``grader grade``, ``check`` and Gradescope run
of the solution: where the time goes, stage by stage (benchmarks/single_timeline.py records it). Run from
the repository root:

    .venv/bin/python benchmarks/bench_single.py                 # 5 rounds
    .venv/bin/python benchmarks/bench_single.py --rounds 3 --no-stub
    .venv/bin/python benchmarks/bench_single.py --rounds 3 --no-stub --against ../base   # A/B, same rounds
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "weight_decay" / "weight_decay.ipynb"
STUB = ROOT / "exercises" / "weight_decay" / "weight_decay.ipynb"
TIMELINE = ROOT / "benchmarks" / "single_timeline.py"

NBCLIENT = """
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

path = Path(sys.argv[1])
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": str(path.parent)}}).execute()
"""


def environment(root: Path = ROOT) -> dict:
    """The grader of the checkout at ``root`` (this one unless told), whatever the interpreter has installed."""
    return dict(os.environ, PYTHONPATH=str(root), PYTHONWARNINGS="ignore")


CPU: dict[str, list[float]] = {}  # per command: CPU seconds of the processes it waited for (see timed)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, cwd, env=None, cpu_key: str | None = None) -> float:
    """Wall seconds of ``command``; with ``cpu_key``, also the CPU seconds of it and the processes it waited for
    (the grader and its warm process; nbclient and its kernel), kept in ``CPU[cpu_key]``: on a machine shared
    with others, wall times stretch with their load, CPU times much less. (Notebook processes, reaped by the
    kernel for the warm process, are not counted: their cells and checks are the same work in every version.)"""
    began, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, cwd=cwd, env=env or environment(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=600)
    elapsed = time.perf_counter() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, command))} failed ({done.returncode}): {done.stderr[-2000:]}")
    if cpu_key is not None:
        CPU.setdefault(cpu_key, []).append(_children_cpu() - cpu)
    return elapsed


class Layouts:
    """The release bundle and the Gradescope zip, made once; a fresh copy of each per run. ``root``: the checkout
    whose grader (and assignment) runs every command (``--against`` names another, e.g. main's)."""

    def __init__(self, python: str, tmp: Path, root: Path = ROOT):
        self.python, self.tmp, self.root = python, tmp, root
        tmp.mkdir(parents=True, exist_ok=True)
        subprocess.run([python, "-m", "grader", "release", "weight_decay", "--out", str(tmp / "release")],
                       cwd=root, env=environment(root), check=True, capture_output=True)
        subprocess.run([python, "-m", "grader", "gradescope", "build", "weight_decay", "--out",
                        str(tmp / "autograder.zip")], cwd=root, env=environment(root), check=True, capture_output=True)
        self.runs = 0

    def fresh(self, kind: str) -> Path:
        self.runs += 1
        return self.tmp / f"{kind}-{self.runs}"

    def grade(self, notebook: Path, timeline: Path | None = None) -> tuple[list, Path]:
        out = self.fresh("graded")
        return self._grader(["grade", str(notebook), "--out", str(out)], self.root, timeline), self.root

    def check(self, notebook: Path, timeline: Path | None = None):
        bundle = self.fresh("bundle")
        shutil.copytree(self.tmp / "release", bundle)
        shutil.copy(notebook, bundle / "weight_decay.ipynb")
        return self._grader(["check", "weight_decay.ipynb"], bundle, timeline), bundle

    def gradescope(self, notebook: Path, timeline: Path | None = None):
        root = self.fresh("autograder")
        with zipfile.ZipFile(self.tmp / "autograder.zip") as archive:
            archive.extractall(root / "source")
            for info in archive.infolist():  # zipfile drops permissions; Gradescope's unzip keeps them
                os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
        (root / "submission").mkdir()
        shutil.copy(notebook, root / "submission" / "weight_decay.ipynb")
        if timeline is None:
            return [str(root / "source" / "run_autograder")], root
        # The same command run_autograder execs, under the timeline recorder.
        return self._grader(["gradescope", "run", "--root", str(root), "--source", str(root / "source")], root,
                            timeline), root

    def _grader(self, args, cwd, timeline):
        if timeline is None:
            return [self.python, "-m", "grader", *args]
        return [self.python, str(TIMELINE), str(timeline), *args]

    def env_for(self, cwd: Path) -> dict:
        return dict(environment(self.root), AUTOGRADER_ROOT=str(cwd), GRADER_PYTHON=self.python)


def rounds(versions: dict[str, Layouts], notebooks: dict, count: int) -> dict:
    """``versions``: a name ("" for this checkout) to its layouts; every version's commands run in each round,
    after nbclient, so that drift weighs on all alike."""
    times: dict[str, list[float]] = {}
    for number in range(count):
        for name, notebook in notebooks.items():
            times.setdefault(f"nbclient {name}", []).append(
                timed([next(iter(versions.values())).python, "-c", NBCLIENT, str(notebook)], ROOT,
                      cpu_key=f"nbclient {name}"))
            for version, layouts in versions.items():
                for kind in ("grade", "check", "gradescope"):
                    command, cwd = getattr(layouts, kind)(notebook)
                    times.setdefault(f"{version}{kind} {name}", []).append(
                        timed(command, cwd, layouts.env_for(cwd), cpu_key=f"{version}{kind} {name}"))
        for version, layouts in versions.items():
            times.setdefault(f"{version}help", []).append(
                timed([layouts.python, "-m", "grader", "--help"], layouts.root, environment(layouts.root)))
        print(f"  round {number + 1} of {count} done", file=sys.stderr, flush=True)
    return times


def report(times: dict, notebooks, versions=("",)) -> None:
    print(f"{'command':<32} {'median s':>9} {'min':>7} {'max':>7}   ratio to nbclient's median")
    for name in notebooks:
        base = statistics.median(times[f"nbclient {name}"])
        rows = [f"nbclient {name}"] + [f"{version}{kind} {name}" for version in versions
                                       for kind in ("grade", "check", "gradescope")]
        for row in rows:
            values = times[row]
            ratio = "" if row.startswith("nbclient") else f"{statistics.median(values) / base:.2f}  (target <= 0.5)"
            print(f"{row:<32} {statistics.median(values):9.2f} {min(values):7.2f} {max(values):7.2f}   {ratio}")
    print(f"\n{'CPU seconds (see timed)':<32} {'median s':>9} {'min':>7} {'max':>7}   ratio to nbclient's median")
    for name in notebooks:
        base = statistics.median(CPU[f"nbclient {name}"])
        for row in [f"nbclient {name}"] + [f"{version}{kind} {name}" for version in versions
                                           for kind in ("grade", "check", "gradescope")]:
            values = CPU[row]
            ratio = "" if row.startswith("nbclient") else f"{statistics.median(values) / base:.2f}"
            print(f"{row:<32} {statistics.median(values):9.2f} {min(values):7.2f} {max(values):7.2f}   {ratio}")
    for version in versions:
        helps = times[f"{version}help"]
        print(f"{version + 'grader --help':<32} {statistics.median(helps):9.2f} {min(helps):7.2f} {max(helps):7.2f}   "
              "(target < 0.5 s)")


# --- the breakdown ---------------------------------------------------------------------------------------------

def _spans(events, label, thread=None):
    """(start, end, cpu) of each call of ``label``; cpu is None in a timeline that did not record it."""
    return [(e[2], e[3], e[4] if len(e) > 4 else None) for e in events
            if e[0] == label and (thread is None or e[1] == thread)]


def _first(events, label, thread=None):
    spans = _spans(events, label, thread)
    return spans[0] if spans else None


def _cpu(*spans):
    """The CPU seconds of ``spans`` (None where unknown), for the breakdown's second column."""
    if any(span is None or span[2] is None for span in spans):
        return None
    return sum(span[2] for span in spans)


def breakdown(events: list, wall: float) -> list[tuple[str, float, float | None]]:
    """The main thread's time, stage by stage, and what ran beside it: (label, wall seconds, CPU seconds of
    the thread that ran it, or None)."""
    rows: list[tuple[str, float, float | None]] = []
    launched = _first(events, "WarmProcess.__init__")
    waited = _first(events, "WarmProcess._wait_started", "MainThread")
    cells = _first(events, "execute_cells")
    checks = _first(events, "run_checks")
    render = (_first(events, "render_outputs") or _first(events, "write_results")
              or _first(events, "render_feedback", "MainThread"))
    returned = _first(events, "main returned")
    cli = _first(events, "cli imported")
    ready = waited[1] if waited else launched[1] if launched else None
    if cli:
        rows.append(("grader's command line imported (interpreter start excluded)", cli[1], cli[2]))
    if launched:
        rows.append(("grader start-up until the warm process is launched (interpreter, imports, reading)",
                     launched[0], None))
        rows.append(("  warm process ready, from its launch (torch, helpers, warm-up; in the background "
                     "when launched ahead)", ready - launched[0], None))
    if cells:
        # Launched ahead, the main thread waits for it inside the first spawn; else the constructor waits.
        waiting = (waited[1] - waited[0]) if waited else (launched[1] - launched[0]) if launched else 0.0
        rows.append(("main thread waiting for the warm process", waiting, None))
        # Less the wait when it happened inside (a Gradescope run waits before, for the isolation level).
        inside = waited is not None and cells[0] <= waited[0] <= cells[1]
        rows.append(("cells (the notebook's process started, its cells run)",
                     cells[1] - cells[0] - (waited[1] - waited[0] if inside else 0.0), None))
    if checks:
        collect = [span for span in _spans(events, "_Session.__init__") if checks[0] <= span[0] <= checks[1]]
        rows.append(("checks", checks[1] - checks[0], None))
        if collect:
            rows.append(("  of which collecting the checks (pytest)", sum(e - s for s, e, _ in collect),
                         _cpu(*collect)))
        # The checks run in a thread of their own (pytest's session), while the main thread waits for them.
        reference = [span for span in _spans(events, "reference") if checks[0] <= span[0] <= checks[1]]
        rows.append(("  of which computing reference values in the grader", sum(e - s for s, e, _ in reference),
                     _cpu(*reference)))
    if render:
        rows.append(("render (feedback page, results.json; a Gradescope run writes them too)", render[1] - render[0],
                     render[2]))
    if render and returned:
        rows.append(("writing (files, gradebook, class summary) and the rest", returned[0] - render[1], None))
    if returned:
        rows.append(("interpreter start and exit, threads joined", wall - returned[0], None))
    for label in ("import torch", "import pytest", "import nbconvert", "import matplotlib", "_Session.__init__",
                  "render_ahead", "warm_up"):
        for span in _spans(events, label):
            rows.append((f"  beside: {label} ({'before' if ready and span[1] <= ready else 'after'} the warm process "
                         f"was ready)", span[1] - span[0], span[2]))
    for label in ("cpu: grader process", "cpu: warm process"):
        for span in _spans(events, label):
            rows.append((f"{label} (every thread, whole run)", float("nan"), span[2]))
    rows.append(("total, command to exit", wall, None))
    return rows


def show_breakdowns(layouts: Layouts, notebook: Path, tmp: Path, version: str = "") -> None:
    for kind in ("grade", "check", "gradescope"):
        timeline = tmp / f"timeline-{version.strip(': ')}{kind}.json"
        command, cwd = getattr(layouts, kind)(notebook, timeline)
        wall = timed(command, cwd, layouts.env_for(cwd))
        events = json.loads(timeline.read_text())
        print(f"\nwhere the time goes: {version}{kind}, the solution (seconds: wall, and CPU of the thread where "
              "known)")
        for label, seconds, cpu in breakdown(events, wall):
            print(f"  {label:<96} {seconds:6.3f} {'' if cpu is None else f'{cpu:6.3f}'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--no-stub", action="store_true", help="the solution only")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with the grader and nbclient")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout of the grader (e.g. `git worktree add /tmp/base main`): its commands "
                             "run in the same rounds, and its breakdown is printed too (labelled 'against:')")
    parser.add_argument("--no-breakdown", action="store_true", help="the rounds only")
    args = parser.parse_args(argv)
    notebooks = {"solution": SOLUTION} if args.no_stub else {"solution": SOLUTION, "stub": STUB}
    with tempfile.TemporaryDirectory(prefix="grader-bench-single-") as tmp:
        tmp = Path(tmp)
        versions = {"": Layouts(args.python, tmp / "this")}
        if args.against is not None:
            versions["against: "] = Layouts(args.python, tmp / "against", args.against.resolve())
        print(f"{os.cpu_count()} cores; {args.rounds} rounds, each from a fresh process; grader at {ROOT}"
              + (f", against {args.against}" if args.against else ""), flush=True)
        times = rounds(versions, notebooks, args.rounds)
        report(times, notebooks, tuple(versions))
        if not args.no_breakdown:
            for version, layouts in versions.items():
                show_breakdowns(layouts, SOLUTION, tmp, version)


if __name__ == "__main__":
    main()

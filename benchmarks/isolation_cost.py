"""What full isolation costs per submission, against a plain fork of the same warm process.

Runs two warm processes side by side in one run, one with every isolation
layer (``auto``) and one without (``none``), and times, interleaved so that
machine noise hits both alike:

  spawn    fork a notebook process until it says it is ready (the isolated
           one enters namespaces, mounts, rlimits, uid, Landlock, seccomp)
  check    fork a check's copy of a notebook process, make one call, kill it
  grade    spawn, the reference solution's cells, then one copy per check of the
           assignment, each forked, called once and killed, then kill: an upper
           bound (the grader shares one copy among a question's checks)

Usage: ``.venv/bin/python benchmarks/isolation_cost.py [--rounds 40]``.
Prints medians and, last, the overhead of isolation per submission.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from grader.assignments.manifest import load_assignment
from grader.grading.pipeline import GradeOptions, start_warm_process
from grader.assignments.read_notebook import read_submission

ROOT = Path(__file__).resolve().parents[1]
PROBE = "def probe(x):\n    return abs(x)\n"
CHECKS_PER_SUBMISSION = 51  # what the weight-decay assignment runs (public and hidden)


def time_spawn(warm, helpers):
    start = time.perf_counter()
    process = warm.spawn(helpers, 0, 5.0)
    elapsed = time.perf_counter() - start
    process.kill()
    return elapsed


def time_check(process):
    start = time.perf_counter()
    copy = process.fork(1)
    copy.call("probe", -1)
    copy.kill()
    return time.perf_counter() - start


def time_grade(warm, helpers, cells):
    start = time.perf_counter()
    process = warm.spawn(helpers, 0, 5.0)
    for cell in cells:
        process.run_cell(cell.number, cell.source, 30.0)
    process.run_cell(len(cells) + 1, PROBE, 5.0)
    for _ in range(CHECKS_PER_SUBMISSION):
        time_check(process)
    process.kill()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--grades", type=int, default=5)
    parser.add_argument("--assignment", type=Path, default=ROOT / "solutions" / "weight_decay",
                        help="the assignment folder whose solution notebook is graded")
    args = parser.parse_args()
    assignment = load_assignment(args.assignment)
    helpers = assignment.module(assignment.child_helpers)
    cells = read_submission(assignment.solution, assignment).code_cells
    with start_warm_process(assignment, GradeOptions(isolation="auto")) as isolated, \
            start_warm_process(assignment, GradeOptions(isolation="none")) as plain:
        print(f"isolated warm process: level {isolated.level!r}; plain: level {plain.level!r}")
        warms = {"isolated": isolated, "plain": plain}
        samples = {(kind, what): [] for kind in warms for what in ("spawn", "check", "grade")}
        holders = {kind: warm.spawn(helpers, 0, 5.0) for kind, warm in warms.items()}
        for holder in holders.values():
            holder.run_cell(1, PROBE, 5.0)
        for _ in range(args.rounds):
            for kind, warm in warms.items():
                samples[kind, "spawn"].append(time_spawn(warm, helpers))
                samples[kind, "check"].append(time_check(holders[kind]))
        for _ in range(args.grades):
            for kind, warm in warms.items():
                samples[kind, "grade"].append(time_grade(warm, helpers, cells))
        for holder in holders.values():
            holder.kill()
    median = {key: statistics.median(values) * 1000 for key, values in samples.items()}
    for what in ("spawn", "check", "grade"):
        iso, base = median["isolated", what], median["plain", what]
        print(f"{what:6s} isolated {iso:8.1f} ms   plain {base:8.1f} ms   ratio {iso / base:5.2f}   "
              f"difference {iso - base:+7.1f} ms")
    setup = median["isolated", "spawn"] - median["plain", "spawn"]
    per_check = median["isolated", "check"] - median["plain", "check"]
    print(f"isolation overhead per submission: {setup:+.1f} ms to start its process, {per_check:+.2f} ms per check "
          f"({CHECKS_PER_SUBMISSION} checks: {setup + CHECKS_PER_SUBMISSION * per_check:+.1f} ms in all; "
          f"measured end to end: {median['isolated', 'grade'] - median['plain', 'grade']:+.1f} ms, target < 50 ms)")


if __name__ == "__main__":
    main()

"""Batch grading benchmark: this grader against its floor and against kernel-per-notebook execution.

Grades N copies of a mix of correct and wrong notebooks (the reference
solution, the stub, and mistakes from tests/gallery.py) and prints, from one
run, the median per-submission wall time and the throughput of

  (a)  this grader as shipped (warm process, a forked child per notebook and a
       copy of it per question, feedback pages and the gradebook): with 1
       worker, and with --workers (default: the machine's cores) on the whole
       batch;
  (b)  the floor: one process running the same cells and the same checks
       in-process, without isolation (benchmarks/inprocess.py);
  (c)  nbclient, a fresh Jupyter kernel per notebook (how nbgrader and otter
       run notebooks), executing the cells only;

then the memory of the whole process tree as the batch grows, and the ratios
(a)/(b) and (c)/(a) last. (a) with 1 worker and (b) are each run twice, in the
order a, b, b, a, and their medians taken over both runs: this machine's speed
drifts by more than the difference measured, and a drift during the runs then
weighs on both alike. Run from the repository root:

    .venv/bin/python benchmarks/bench_batch.py            # N=200
    .venv/bin/python benchmarks/bench_batch.py --n 40 --sample 10 --kernel-sample 4   # quicker
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from gallery import RIGHT, WRONG  # noqa: E402
from grader.assignments.manifest import load_assignment  # noqa: E402
from grader.classroom.batch import BatchSettings, grade_batch  # noqa: E402
from grader.classroom.gradebook import Gradebook  # noqa: E402
from grader.grading.pipeline import GradeOptions  # noqa: E402
from inprocess import grade_in_process  # noqa: E402

SOLUTION = ROOT / "solutions" / "weight_decay" / "weight_decay.ipynb"
STUB = ROOT / "exercises" / "weight_decay" / "weight_decay.ipynb"
MISTAKES = ["l1_penalty_subtracted", "frobenius_not_squared", "best_lambda_by_train_loss",
            "plot_without_log_scale", "q4_penalises_bias", "q4_sgd_with_momentum", "q4_val_loss_with_penalty"]


def the_mix() -> list:
    """Ten notebooks: 2 correct, 1 alternative correct, 1 untouched stub, 6 with one mistake each."""
    solution = nbformat.read(SOLUTION, as_version=4)

    def with_cell(code):
        variant = nbformat.from_dict(solution)
        variant = nbformat.reads(nbformat.writes(variant), as_version=4)
        variant.cells.append(nbformat.v4.new_code_cell(code))
        return variant

    wrong = {case.name: case for case in WRONG}
    mix = [solution, solution, with_cell(RIGHT[0].code), nbformat.read(STUB, as_version=4)]
    mix += [with_cell(wrong[name].code) for name in MISTAKES[:6]]
    return mix


def write_batch(folder: Path, n: int) -> list[Path]:
    mix = the_mix()
    paths = []
    for i in range(n):
        path = folder / f"s{i:04d}.ipynb"
        nbformat.write(mix[i % len(mix)], path)
        paths.append(path)
    return paths


class MemorySampler:
    """RSS of this process and all its descendants, sampled every 0.25 s."""

    def __init__(self):
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.samples.append((time.perf_counter(), total))
            self._stop.wait(0.25)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def peak_by_quarter(self) -> list[float]:
        if not self.samples:
            return []
        start, end = self.samples[0][0], self.samples[-1][0]
        quarters = [[] for _ in range(4)]
        for t, rss in self.samples:
            quarters[min(3, int(4 * (t - start) / max(end - start, 1e-9)))].append(rss)
        return [max(q) / 2**20 if q else float("nan") for q in quarters]


def run_grader(paths, out: Path, workers: int, assignment, options):
    start = time.perf_counter()
    with MemorySampler() as memory:
        grade_batch(paths, out, assignment, options, BatchSettings(workers=workers, force=True, progress=False),
                    log=lambda *a, **k: None)
    elapsed = time.perf_counter() - start
    with Gradebook(out) as gradebook:
        reports = gradebook.reports()
    per_submission = [sum(r.timings.values()) for r in reports]
    scores = {Path(r.source).name: r.score for r in reports}
    return elapsed, per_submission, scores, memory


def run_floor(paths, assignment, options):
    grade_in_process(paths[0], assignment, options)  # warm: torch, optimizers, check modules
    start = time.perf_counter()
    times, scores = [], {}
    for path in paths:
        score, seconds = grade_in_process(path, assignment, options)
        times.append(seconds)
        scores[path.name] = score
    return time.perf_counter() - start, times, scores


def run_kernels(paths):
    from nbclient import NotebookClient

    times = []
    start = time.perf_counter()
    for path in paths:
        began = time.perf_counter()
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        times.append(time.perf_counter() - began)
    return time.perf_counter() - start, times


def compare_versions(sample, tmp: Path, baseline, assignment, options) -> None:
    """The sample graded by the baseline folder and by the assignment, 1 worker each, in the order b, a, a, b
    (drift weighs on both alike); the medians and their ratio."""
    times = {"baseline": [], "assignment": []}
    for run, which in enumerate(["baseline", "assignment", "assignment", "baseline"]):
        folder = baseline if which == "baseline" else assignment
        elapsed, per, _, _ = run_grader(sample, tmp / f"v{run}", 1, folder, options)
        line(f"(v)  {which}: {folder.folder.name} ({folder.version}), 1 worker", elapsed, per, len(sample))
        times[which] += per
    ratio = statistics.median(times["assignment"]) / statistics.median(times["baseline"])
    print(f"     per submission, assignment / baseline: {ratio:.3f}")


def line(label, elapsed, times, count):
    print(f"{label:<58} median {statistics.median(times):6.3f} s/submission   "
          f"throughput {count / elapsed:6.2f} submissions/s   ({count} in {elapsed:6.1f} s)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="submissions in the batch (default 200)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="workers for the whole batch")
    parser.add_argument("--sample", type=int, default=40, help="submissions for the 1-worker grader and floor runs")
    parser.add_argument("--kernel-sample", type=int, default=10, help="notebooks run with nbclient")
    parser.add_argument("--assignment", type=Path, default=ROOT / "solutions" / "weight_decay",
                        help="the weight-decay assignment's folder (the batch is made of its notebooks)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another version of the assignment's folder, outside tests/ (a copy of "
                             "tests/fixtures/legacy/weight_decay in a temporary folder: inside tests/, pytest loads "
                             "tests/conftest.py, which ignores fixtures/, and no check would run): also grade the "
                             "sample with it, interleaved, and print the per-submission ratio")
    args = parser.parse_args(argv)
    assignment, options = load_assignment(args.assignment), GradeOptions()
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        tmp = Path(tmp)
        (tmp / "subs").mkdir()
        paths = write_batch(tmp / "subs", args.n)
        sample = paths[:args.sample]
        print(f"{os.cpu_count()} cores; batch of {args.n}: a mix of 10 notebooks (2 correct, 1 alternative "
              f"correct, 1 stub, 6 with one mistake each), repeated", flush=True)

        a1_times, b_times = [], []
        for run, which in enumerate("abba"):
            if which == "a":
                elapsed, times, a1_scores, _ = run_grader(sample, tmp / f"a1-{run}", 1, assignment, options)
                line("(a)  grader as shipped, 1 worker", elapsed, times, len(sample))
                a1_times += times
            else:
                elapsed, times, b_scores = run_floor(sample, assignment, options)
                line("(b)  floor: same cells and checks in-process, no isolation", elapsed, times, len(sample))
                b_times += times
        if args.baseline is not None:
            compare_versions(sample, tmp, load_assignment(args.baseline), assignment, options)
        differing = sorted(name for name in a1_scores if abs(a1_scores[name] - b_scores.get(name, -1)) > 1e-6)
        print(f"     scores of (a) and (b) differ for {len(differing)} of {len(sample)} submissions "
              f"{differing[:5] if differing else ''}")
        a2_elapsed, a2_times, _, memory = run_grader(paths, tmp / "a2", args.workers, assignment, options)
        line(f"(a)  grader as shipped, {args.workers} workers, end to end", a2_elapsed, a2_times, len(paths))
        quarters = ", ".join(f"{mb:.0f}" for mb in memory.peak_by_quarter())
        print(f"     memory of the process tree, peak per quarter of the batch (MiB): {quarters}")
        kernel_paths = paths[:args.kernel_sample]
        c_elapsed, c_times = run_kernels(kernel_paths)
        line("(c)  nbclient, a fresh kernel per notebook, cells only", c_elapsed, c_times, len(kernel_paths))

    a_median, b_median, c_median = (statistics.median(t) for t in (a1_times, b_times, c_times))
    print(f"{args.n} submissions end to end with {args.workers} workers: {a2_elapsed:.1f} s (target < 120 s)")
    print(f"(a)/(b) median per submission, 1 worker, over both runs of each: {a_median / b_median:.2f} "
          "(target <= 1.5)")
    print(f"(c)/(a) median per submission, 1 worker: {c_median / a_median:.1f}; "
          f"(c) 1 kernel at a time vs (a) {args.workers} workers, throughput: "
          f"{(len(paths) / a2_elapsed) / (len(kernel_paths) / c_elapsed):.1f} (target >= 10)")


if __name__ == "__main__":
    main()

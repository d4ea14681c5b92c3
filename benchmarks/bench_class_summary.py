"""The class summary (index.html) of 500 graded students: its size, render time and load time in chromium.

Eight notebooks (the solution, the untouched stub, six of the gallery's mistakes) are graded once and their
reports recorded under 500 ids (tests/class_helpers.py), as a class would fill the gradebook. Prints:
- the page's size, and the time to build it from the gradebook (read, review, summarise, render, write);
- its load time in Debian's chromium (navigation start to the load event, median of 5 loads, a fresh
  context each time), beside a same-run baseline: one student's feedback page, and a trivial page.

    .venv/bin/python benchmarks/bench_class_summary.py [--students 500]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from class_helpers import grade_samples, record_class  # noqa: E402
from helpers import ASSIGNMENT, TEST_OPTIONS  # noqa: E402
from grader.classroom.gradebook import Gradebook  # noqa: E402
from grader.outputs import write_outputs  # noqa: E402
from grader.outputs.class_summary import write_class_summary  # noqa: E402
from grader.grading.pipeline import start_warm_process  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
LOADS = 5


def load_times(paths: dict[str, Path]) -> dict[str, float]:
    """name -> median seconds from navigation start to the load event."""
    from playwright import sync_api

    found = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, path in paths.items():
            times = []
            for _ in range(LOADS):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(path.as_uri(), wait_until="load")
                times.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
                context.close()
            found[name] = statistics.median(times)
        browser.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with start_warm_process(ASSIGNMENT, TEST_OPTIONS) as warm:
            samples = grade_samples(warm, tmp)
        out = tmp / "out"
        record_class(samples, out, args.students)
        start = time.perf_counter()
        with Gradebook(out) as gradebook:
            summary = write_class_summary(gradebook, out, ASSIGNMENT)
        build = time.perf_counter() - start
        write_outputs(samples["l1_update_returns_float64"], out / "one", ASSIGNMENT)
        trivial = tmp / "trivial.html"
        trivial.write_text("<!DOCTYPE html><html lang=en><meta charset=utf-8><title>t</title><p>hello</p></html>\n")
        loads = load_times({"summary": summary, "feedback": out / "one" / "feedback.html", "trivial": trivial})
        size = summary.stat().st_size
    print(f"class summary of {args.students} students: {size / 1024:.0f} KiB "
          f"({size / args.students:.0f} bytes per student), built from the gradebook in {build:.2f} s")
    print(f"load in chromium (median of {LOADS}, navigation to load event): summary {loads['summary'] * 1000:.0f} ms, "
          f"one feedback page {loads['feedback'] * 1000:.0f} ms, a trivial page {loads['trivial'] * 1000:.0f} ms")
    print(f"ratios: summary / feedback page {loads['summary'] / loads['feedback']:.1f}, "
          f"summary / trivial page {loads['summary'] / loads['trivial']:.1f}")


if __name__ == "__main__":
    main()

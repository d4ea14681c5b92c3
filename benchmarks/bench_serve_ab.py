"""grader serve's review page, this tree against a baseline tree (an earlier commit), in the same run: two
servers over copies of one 200-student class (1,200 written answers), requests alternated so machine noise
hits both alike; then this tree's answer groups page.

Usage: ``git archive REV | tar -x -C /tmp/baseline`` then
``.venv/bin/python benchmarks/bench_serve_ab.py /tmp/baseline [--rounds 400]``.
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

WT = Path(__file__).resolve().parents[1]
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("baseline", type=Path, help="a tree of the commit to compare with (git archive REV | tar -x)")
parser.add_argument("--rounds", type=int, default=400)
arguments = parser.parse_args()
BASE = arguments.baseline.resolve()
sys.path[:0] = [str(WT), str(WT / "tests")]
from helpers import ASSIGNMENT, TEST_OPTIONS  # noqa: E402
from serve_helpers import graded_variants, record_class  # noqa: E402
from grader.grading.pipeline import start_warm_process  # noqa: E402


def serve(root, out):
    process = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--out", str(out), "--no-browser"], cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(root)))
    process.stdout.readline()
    return process, process.stdout.readline().strip()


with tempfile.TemporaryDirectory() as folder:
    folder = Path(folder)
    with start_warm_process(ASSIGNMENT, TEST_OPTIONS) as warm:
        variants = graded_variants(warm, folder)
    variants.pop("stub")
    record_class(folder / "a", variants, 200)
    shutil.copytree(folder / "a", folder / "b")
    servers = {"baseline": serve(BASE, folder / "a"), "this tree": serve(WT, folder / "b")}
    clients = {}
    for name, (_, url) in servers.items():
        clients[name] = httpx.Client(base_url=url.split("/?")[0])
        clients[name].get(url)  # the token becomes a cookie
        clients[name].get("/review")
    students = sorted(set(re.findall(r'href="/([^"/]+)/feedback.html"', clients["baseline"].get("/students").text)))
    times = {name: [] for name in clients}
    for n in range(arguments.rounds):
        path = f"/review?status=all&student={students[n % len(students)]}&answer=q{n // len(students) % 6 + 1}"
        for name in (("baseline", "this tree") if n % 2 else ("this tree", "baseline")):
            start = time.perf_counter()
            response = clients[name].get(path)
            times[name].append(time.perf_counter() - start)
            assert response.status_code == 200, (name, path, response.status_code)
    groups = []
    for n in range(max(1, arguments.rounds // 10)):
        start = time.perf_counter()
        assert clients["this tree"].get(f"/groups?question=q{n % 6 + 1}").status_code == 200
        groups.append(time.perf_counter() - start)
    for process, _ in servers.values():
        process.send_signal(signal.SIGINT)
        process.wait(timeout=600)
median = {name: statistics.median(values) * 1000 for name, values in times.items()}
print(f"review page median: baseline {median['baseline']:.1f} ms, this tree {median['this tree']:.1f} ms, "
      f"ratio {median['this tree'] / median['baseline']:.2f} (n={arguments.rounds} each, alternated)")
print(f"answer groups page (this tree): median {statistics.median(groups) * 1000:.1f} ms (n={len(groups)})")

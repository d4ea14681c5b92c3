"""grader serve's server time for the review queue of a 200-student class (1,200 written answers).

Grades the solution, a wrong-q1 variant and an answer holding markup once,
records 200 students from them (every one with six answers to review), then
starts the real command (``python -m grader serve``) and times requests over
HTTP with one keep-alive client, interleaved so that machine noise hits each
alike:

  static   /static/review.js: the floor of a request through uvicorn, Starlette and the key guard
  review   /review on a different answer each time (all questions): the review page
  csv      /export.csv: the whole class's scores (reads and re-scores every report)
  summary  /: the class summary with reviews applied
then, saving one review per student back to back:
  save     POST /review: save a review and get the redirect to the next answer
  review while saving   the page that redirect leads to, while the server rewrites the reviewed
           students' feedback.html and results.json in the background

Usage: ``.venv/bin/python benchmarks/bench_serve.py [--rounds 200]``. Prints median and p95 per kind and
the review page's median as a multiple of the static floor.

Load (``--load 2000 --clients 8``): after the rounds, that many requests from that many concurrent
keep-alive clients (threads, loopback; each client a fixed share, each request bounded by a 60 s
timeout), alternating the class summary and the review page (a different answer each time). Prints
errors (any status but 200, any exception) and the median and p99 latency of each page under that load.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from helpers import ASSIGNMENT, TEST_OPTIONS  # noqa: E402
from serve_helpers import graded_variants, record_class  # noqa: E402
from grader.grading.pipeline import start_warm_process  # noqa: E402

STUDENTS = 200


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(client, method, path, **kwargs):
    start = time.perf_counter()
    response = client.request(method, path, **kwargs)
    elapsed = time.perf_counter() - start
    assert response.status_code in (200, 303), (path, response.status_code, response.text[:300])
    return elapsed, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--load", type=int, default=0, help="requests of the load test (0: none)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the load test")
    arguments = parser.parse_args()
    rounds = arguments.rounds
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        with start_warm_process(ASSIGNMENT, TEST_OPTIONS) as warm:
            variants = graded_variants(warm, folder)
        variants.pop("stub")  # every student answers: 6 answers each
        record_class(folder / "class", variants, STUDENTS)
        # The server's stderr goes to a file: a pipe nobody reads would stop the server once full.
        server_log = open(folder / "serve.log", "w+")
        process = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--out", str(folder / "class"),
                                    "--no-browser"], stdout=subprocess.PIPE, stderr=server_log, text=True,
                                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
        try:
            process.stdout.readline()
            url = process.stdout.readline().strip()  # http://127.0.0.1:PORT/KEY/: every path is under the key
            origin = url.split("/", 3)
            origin = "/".join(origin[:3])
            with httpx.Client(base_url=url, follow_redirects=False, timeout=120) as client:
                first = client.get("/review?status=all").text
                total = re.search(r"of ([\d,]+) reviewed", first).group(1)
                csrf = re.search(r'name="csrf" value="([^"]+)"', first).group(1)
                students = sorted({m for m in re.findall(r'href="/[^"/]+/([^"/]+)/feedback.html"',
                                                         client.get("/students").text)})
                for path in ("/", "/export.csv", "/review", "/static/review.js"):  # warm caches and imports
                    client.get(path)
                times = {kind: [] for kind in ("static", "review", "csv", "summary", "save", "review while saving")}
                # Reading first: no review is saved, so nothing is written to the folder meanwhile.
                for n in range(rounds):
                    student, question = students[n % len(students)], f"q{n // len(students) % 6 + 1}"
                    times["static"].append(timed(client, "GET", "/static/review.js")[0])
                    times["review"].append(timed(client, "GET", f"/review?status=all&student={student}"
                                                                f"&answer={question}")[0])
                    if n % 10 == 0:
                        times["csv"].append(timed(client, "GET", "/export.csv")[0])
                        times["summary"].append(timed(client, "GET", "/")[0])
                # Then a review saved per student, each followed by the next answer's page, as a reviewer
                # goes; the server rewrites the reviewed students' files in the background meanwhile.
                for student in students[:rounds]:
                    elapsed, response = timed(client, "POST", "/review", data={
                        "csrf": csrf, "student": student, "answer": "q5", "based_on": "", "score": "0.5",
                        "comment": "benchmark", "question": "", "status": "awaiting"})
                    times["save"].append(elapsed)
                    times["review while saving"].append(timed(client, "GET", origin + response.headers["location"])[0])
                summary_size = len(client.get("/").content)
            load = under_load(url, students, arguments.load, arguments.clients) if arguments.load else None
        finally:
            process.send_signal(signal.SIGINT)
            stopping = time.perf_counter()
            process.wait(timeout=600)
            stopped = time.perf_counter() - stopping
            server_log.seek(0)
            logged = server_log.read()
            server_log.close()
    if "Traceback" in logged:
        print(f"the server logged errors:\n{logged[-3000:]}", file=sys.stderr)
    print(f"{STUDENTS} students, {total} written answers in the queue; {rounds} rounds "
          f"(csv and summary every 10th), then a save per student")
    for kind, values in times.items():
        print(f"  {kind:20s} median {statistics.median(values) * 1000:8.1f} ms   p95 {percentile(values, 0.95) * 1000:8.1f} ms"
              f"   (n={len(values)})")
    print(f"  summary page {summary_size / 1024:.0f} KiB; Ctrl-C to exit {stopped:.1f} s (files still to rewrite "
          "are listed for the next start)")
    ratio = statistics.median(times["review"]) / statistics.median(times["static"])
    print(f"review page median = {ratio:.1f} x the static floor")
    if load:
        latencies, errors, wall = load
        print(f"load: {arguments.load} requests from {arguments.clients} concurrent clients in {wall:.1f} s, "
              f"{len(errors)} errors{': ' + '; '.join(errors[:5]) if errors else ''}")
        for kind, values in latencies.items():
            print(f"  {kind:20s} median {statistics.median(values) * 1000:8.1f} ms   p99 "
                  f"{percentile(values, 0.99) * 1000:8.1f} ms   (n={len(values)})")


def under_load(url: str, students: list[str], requests: int, clients: int):
    """``requests`` from ``clients`` concurrent keep-alive clients, each its share in turn: the summary, then
    the review page on the next answer. Returns (latencies by page, errors, wall time)."""
    def client_share(number: int):
        latencies, errors = {"summary (load)": [], "review (load)": []}, []
        with httpx.Client(base_url=url, timeout=60) as client:
            for n in range(number, requests, clients):
                if n % 2 == 0:
                    kind, path = "summary (load)", "/"
                else:
                    student = students[(n // 2) % len(students)]
                    kind, path = "review (load)", f"/review?status=all&student={student}&answer=q{n % 6 + 1}"
                start = time.perf_counter()
                try:
                    response = client.get(path)
                    elapsed = time.perf_counter() - start
                    if response.status_code != 200:
                        errors.append(f"{path}: {response.status_code}")
                    latencies[kind].append(elapsed)
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {type(exc).__name__}")
        return latencies, errors

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        shares = list(pool.map(client_share, range(clients)))
    wall = time.perf_counter() - start
    latencies = {kind: [v for share, _ in shares for v in share[kind]] for kind in shares[0][0]}
    return latencies, [e for _, errors in shares for e in errors], wall


if __name__ == "__main__":
    main()

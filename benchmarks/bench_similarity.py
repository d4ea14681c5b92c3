"""grader similarity on a generated class of 500 notebooks: time and peak memory, beside a same-run baseline.

The class is tests/similarity_class.py's (independent notebooks written differently, planted pairs, stub-only
and solution copies), recorded in a gradebook as graded. Prints:
- the time of ``find_similar`` (read the notebooks, split, fingerprint, index, compare) and of writing the
  record and the pages, and its peak memory (tracemalloc's peak of Python allocations, and the process's
  peak resident size);
- the baseline: every pair compared directly over the same whole-notebook fingerprint sets (the quadratic
  pass the index avoids), and the ratio;
- that every planted pair was found.

    .venv/bin/python benchmarks/bench_similarity.py [--students 500]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from helpers import ASSIGNMENT, SOLUTION  # noqa: E402
from similarity_class import make_class  # noqa: E402
from grader.outputs import save_files  # noqa: E402
from grader.similarity.pages import write_similarity_pages  # noqa: E402
from grader.similarity import find_similar  # noqa: E402
from grader.similarity.compare import NOTEBOOK  # noqa: E402
from grader.similarity.record import similarity_csv, similarity_json  # noqa: E402


def stages(folder: Path) -> dict[str, float]:
    """Seconds of each stage of find_similar, run one by one."""
    from grader.similarity import notebook_documents, notebook_parts, read_class, reference_documents
    from grader.similarity.compare import compare_class

    times, start = {}, time.perf_counter()
    notebooks, _ = read_class(folder)
    times["read"], start = time.perf_counter() - start, time.perf_counter()
    stub, solution, provided = reference_documents(ASSIGNMENT)
    documents = {sid: notebook_documents(*notebook_parts(nb), ASSIGNMENT, provided) for sid, nb in notebooks.items()}
    times["split and fingerprint"], start = time.perf_counter() - start, time.perf_counter()
    compare_class(documents, stub, solution)
    times["index and compare"] = time.perf_counter() - start
    return times


def all_pairs(result) -> float:
    """Seconds to intersect every pair's whole-notebook fingerprint sets (no index)."""
    sets = [set().union(*(set(d.fingerprints) for d in docs.values())) for docs in result.comparison.documents.values()]
    start = time.perf_counter()
    for i, first in enumerate(sets):
        for second in sets[i + 1:]:
            len(first & second)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        made = make_class(SOLUTION, folder, independent=args.students - 10)
        print(f"generated {args.students} notebooks in {time.perf_counter() - start:.1f} s")
        find_similar(folder, ASSIGNMENT)  # imports and the stub once, as a warm command would have them
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        start = time.perf_counter()
        result = find_similar(folder, ASSIGNMENT)
        compared = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        result = find_similar(folder, ASSIGNMENT)
        untraced = time.perf_counter() - start
        start = time.perf_counter()
        out = folder / "similarity"
        save_files({"similarity.json": similarity_json(result), "similarity.csv": similarity_csv(result)}, out)
        pages = write_similarity_pages(result, out)
        written = time.perf_counter() - start
        baseline = all_pairs(result)
        parts = stages(folder)
        found = {frozenset((p.first, p.second)) for p in result.comparison.pairs}
        missing = [kind for kind, a, b, _ in made.planted if frozenset((a, b)) not in found]
        students = len(result.comparison.students)
        print(f"compared {students} notebooks: {untraced:.2f} s (under tracemalloc {compared:.2f} s), "
              f"{len(result.comparison.pairs)} pairs, {len(result.comparison.solution_matches)} similar to the "
              f"solution; planted pairs missed: {missing or 'none'}")
        print(f"peak memory: {peak / 2**20:.1f} MiB of Python allocations; process peak resident "
              f"{rss_after / 1024:.0f} MiB (was {rss_before / 1024:.0f} MiB before the traced run)")
        print(f"record and {len(pages)} pages written in {written:.2f} s")
        notebook_pairs = sum(1 for p in result.comparison.pairs if p.scope == NOTEBOOK)
        print("stages: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items()))
        print(f"baseline, every pair intersected over the whole notebook only ({students * (students - 1) // 2} "
              f"pairs): {baseline:.2f} s, {baseline / parts['index and compare']:.1f}x the index over all "
              f"{len({p.scope for p in result.comparison.pairs} | {NOTEBOOK})}+ scopes "
              f"({notebook_pairs} notebook pairs reported)")


if __name__ == "__main__":
    main()

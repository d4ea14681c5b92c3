"""``grader similarity --out DIR``: which submissions graded into DIR are similar, per question and over the
whole notebook; writes DIR/similarity/ (index.html, pairs/, similarity.json, similarity.csv).

``grader.cli.commands`` lists it; the comparison itself is ``grader.similarity``.
"""
from __future__ import annotations

from grader.cli.assignment import assignment_from


def run_similarity(args) -> int:
    # Imported here: only this command needs the comparison and its pages.
    from grader.classroom.gradebook import Gradebook
    from grader.outputs import save_files
    from grader.similarity.pages import write_similarity_pages
    from grader.similarity import find_similar
    from grader.similarity.record import similarity_csv, similarity_json

    with Gradebook(args.out, create=False) as gradebook:
        assignment = assignment_from(args, recorded=gradebook.assignment_folder())
    result = find_similar(args.out, assignment)
    folder = args.out / "similarity"
    save_files({"similarity.json": similarity_json(result), "similarity.csv": similarity_csv(result)}, folder)
    write_similarity_pages(result, folder)
    comparison = result.comparison
    left_out = f", {len(result.skipped)} left out (see the page)" if result.skipped else ""
    print(f"compared {len(comparison.students)} notebooks in {result.seconds:.1f} s: {len(comparison.pairs)} "
          f"similar pairs, {len(comparison.solution_matches)} similar to the released solution{left_out}")
    print(f"wrote {folder / 'index.html'}, similarity.json and similarity.csv")
    return 0

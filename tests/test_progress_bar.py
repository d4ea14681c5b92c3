"""grader grade's progress bar (rich, on stderr): lines above it as they are, the count at the end."""
from __future__ import annotations

from grader.classroom.batch import progress_bar


def test_the_bar_counts_notebooks_and_prints_lines_verbatim_above_it(capsys):
    with progress_bar(3, True) as advance:
        for student in ("alice", "[bold]mallory[/bold]", "bob"):
            advance.write(f"{student}: 14 / 14")
            advance()
    err = capsys.readouterr().err
    assert "[bold]mallory[/bold]: 14 / 14" in err, "a student's id is printed as it is, never as markup"
    assert "3/3" in err and "notebooks" in err


def test_no_bar_prints_nothing(capsys):
    with progress_bar(2, False) as advance:
        advance()
        advance()
    assert capsys.readouterr().err == ""

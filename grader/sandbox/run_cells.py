"""Running a submission's code cells, in order, in a fresh student process.

Every cell runs even after one fails, as the contract says. A cell that
raises or passes its time limit is recorded and the next one runs. A cell
that kills its process or ignores the time limit cannot be stepped past in
place, so the process is replaced and the notebook replayed without it
(the same code gives the same state: seeds are fixed).
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.assignments.manifest import Limits
from grader.core.deadline import BUDGET_RAN_OUT, Deadline
from grader.core.errors import NotImplementedYet, StudentCodeError, StudentCrashed, StudentTimeout, error_from_wire
from grader.core.records import CellFailure
from grader.sandbox.student_process import StudentProcess
from grader.sandbox.warm_process import WarmProcess
from grader.sandbox.memory import out_of_memory_cause
from grader.sandbox.output import CAP_BYTES
from grader.assignments.read_notebook import Submission

NOTEBOOK_SEED = 0


@dataclass(frozen=True)
class Execution:
    """The process holding the notebook's state, the cells that failed, and what the runtime noted."""

    process: StudentProcess
    failures: tuple[CellFailure, ...]
    notes: tuple[str, ...]


def execute_cells(warm: WarmProcess, submission: Submission, helpers: str | None, limits: Limits,
                  deadline: Deadline | None = None) -> Execution:
    """Run every code cell in a fresh notebook process whose runtime has ``helpers`` (a module's name).

    With a ``deadline``, a cell starts only while the budget lasts and may run only as long as it lasts;
    the cells after the budget ran out are recorded as not run (never replayed: there is no time)."""
    stopped: dict[int, CellFailure] = {}
    while True:
        process = warm.spawn(helpers or "", NOTEBOOK_SEED, limits.call)
        failures: list[CellFailure] = []
        notes: list = []
        replay = False
        for cell in submission.code_cells:
            if cell.number in stopped:
                failures.append(stopped[cell.number])
                continue
            if deadline is not None and deadline.low:
                failures.append(CellFailure(cell.number, "skipped", deadline.message))
                continue
            seconds = limits.cell if deadline is None else deadline.cap(limits.cell)
            try:
                reply = process.run_cell(cell.number, cell.source, seconds)
            except StudentTimeout:
                if deadline is not None and seconds < limits.cell:
                    # Stopped by the budget, not by the cell's own limit: no replay, nothing more runs.
                    process.kill()
                    failures.append(CellFailure(cell.number, "timeout", (
                        f"stopped after {seconds:.3g} s: {BUDGET_RAN_OUT} ({deadline.budget:g} s) ran out")))
                    failures += [CellFailure(c.number, "skipped", deadline.message)
                                 for c in submission.code_cells if c.number > cell.number]
                    return Execution(warm.spawn(helpers or "", NOTEBOOK_SEED, limits.call), tuple(failures),
                                     tuple(notes))
                stopped[cell.number] = CellFailure(cell.number, "timeout", (
                    f"did not finish within {limits.cell:g} s and was stopped; the cells after it ran without it"))
                replay = True
            except StudentCrashed:
                stopped[cell.number] = CellFailure(cell.number, "crashed", (
                    f"printed more than {CAP_BYTES >> 20} MiB, so its process was stopped; the cells after it ran "
                    "without it" if process.output and process.output.flooded else
                    f"ended the notebook's process ({out_of_memory_cause() or 'sys.exit, os._exit or a crash'}); "
                    "the cells after it ran without it"))
                replay = True
            if replay:
                process.kill()
                break
            if not reply["ok"]:
                failures.append(_failure(cell.number, reply.get("error"), seconds))
            notes += [f"cell {cell.number}: {note}" for note in reply.get("notes", [])[:20] if isinstance(note, str)]
        if not replay:
            return Execution(process, tuple(failures), tuple(notes))


def _failure(number: int, error, seconds: float) -> CellFailure:
    failed = error_from_wire(error, f"cell {number}", seconds)
    frames = failed.frames if isinstance(failed, StudentCodeError) else ()
    if isinstance(failed, StudentTimeout):
        return CellFailure(number, "timeout", f"did not finish within {seconds:g} s and was stopped", frames)
    kind = "not_implemented" if isinstance(failed, NotImplementedYet) else "raised"
    return CellFailure(number, kind, str(failed), frames)

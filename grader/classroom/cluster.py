"""Grading on a Dask distributed cluster (``grader grade --scheduler ADDRESS``).

Each Dask worker process runs the same ``grade_job`` as a local worker, with
its own warm process kept for the worker's life (grader/classroom/worker.py), so
student code runs in the same isolated children. Jobs carry the notebook's
bytes and the assignment's files (manifest, checks, modules; never the
solution), so workers need no shared file system, only the grader installed.
The driver keeps the gradebook: it submits a few jobs per worker thread at a
time and stores each grade as it arrives.

Start a cluster (one ``dask worker`` per machine; ``--nthreads 1``, since a
worker grades one notebook at a time, and ``--nworkers`` = its cores)::

    dask scheduler                                  # prints tcp://HOST:8786
    dask worker tcp://HOST:8786 --nworkers 2 --nthreads 1
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.classroom.assignment_shipping import ship
from grader.core.errors import ClusterError, IsolationUnavailable
from grader.grading.pipeline import unreadable_report
from grader.classroom.worker import Graded, grade_job

CONNECT_SECONDS = 30


def grade_on_cluster(jobs, assignment, options, address: str):
    """Yield a Graded for each job, in the order they finish."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ClusterError("grading on a cluster needs Dask: pip install 'nb-autograder[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); start it with "
                           "`dask scheduler` and workers with `dask worker ADDRESS`") from None
    try:
        threads = sum(client.nthreads().values())
        if not threads:
            raise ClusterError(f"the Dask scheduler at {address} has no workers; start some with "
                               f"`dask worker {address} --nthreads 1`")
        queue = iter(jobs)
        # Sent once to the cluster and shared by every job (Dask hashes it: one copy per worker).
        shipped = client.scatter(ship(assignment), broadcast=True)

        def submit(job):
            job_with_bytes = dataclasses.replace(job, content=Path(job.path).read_bytes() if Path(job.path).is_file() else b"")
            return client.submit(grade_job, job_with_bytes, shipped, options, pure=False,
                                 key=f"grade-{job.submission_id}-{job.sha256[:12]}")

        arriving = as_completed([submit(job) for _, job in zip(range(2 * threads), queue)])
        for future in arriving:
            try:
                graded = future.result()
            except IsolationUnavailable:
                raise  # the workers' platform, not this file: the batch stops with the reason
            except Exception as exc:  # noqa: BLE001 - a worker lost, a task that failed on the worker: retried by a rerun
                graded = _lost(future.key, jobs, assignment, exc)
            future.release()
            yield graded
            following = next(queue, None)
            if following is not None:
                arriving.add(submit(following))
    finally:
        client.close()


def _lost(key, jobs, assignment, exc) -> Graded:
    job = next(j for j in jobs if key == f"grade-{j.submission_id}-{j.sha256[:12]}")
    report = unreadable_report(job.path, job.submission_id, assignment,
                               f"the cluster could not grade this file ({type(exc).__name__}: {exc}); "
                               "run the grader again to retry")
    return Graded(job, report, {}, readable=False, complete=False)

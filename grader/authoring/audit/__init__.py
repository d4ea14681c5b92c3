"""``grader audit ASSIGNMENT_FOLDER``: points only for right behaviour, the grader audits its own checks.

Two kinds of notebook are made from the solution and graded like a class's submissions:

1. Do-nothing submissions (``grader/authoring/audit/nothing.py``): for each code question, the solution with that
   question's functions returning None, 0, zeros, their first argument or a constant, or raising; and
   the same for every question at once. None of them may earn a code point: a check that passes them
   gives points for no work.
2. Mutants (``grader/authoring/audit/mutants.py``): the solution changed at one place inside a solution region
   (an operator, a constant, a dimension, a removed statement...). A mutant that still earns all its
   question's code points survives: the checks cannot tell it from the solution. Each question's
   mutation score (killed over mutants, less those the instructor lists as equivalent in
   ``audit-equivalent.toml``) must reach the manifest's ``[audit] mutation_threshold``.

Everything is graded through ``grader.classroom.batch.grade_batch`` (``grader/authoring/audit/run.py``); the findings are
written as ``audit.json`` and ``audit.html`` and shown as a table (``grader/authoring/audit/report.py``).
"""
from grader.authoring.audit.regions import AuditError
from grader.authoring.audit.run import run_audit

__all__ = ["AuditError", "run_audit"]

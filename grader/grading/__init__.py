"""Grading one submission: read the notebook, run its cells in a student process, run the checks, score."""

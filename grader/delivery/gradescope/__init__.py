"""Gradescope: the autograder zip (``build``) and what its ``run_autograder`` does (``run``)."""

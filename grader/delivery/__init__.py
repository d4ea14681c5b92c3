"""Getting an assignment to students and graders: the release bundle, the student's self-check, Gradescope."""

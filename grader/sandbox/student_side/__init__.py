"""What runs inside the student's (untrusted) process: the forked child, the warm parent it is forked
from, and the isolation layers they enter. Nothing here imports the grader's side of the sandbox."""

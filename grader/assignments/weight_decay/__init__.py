"""The "Weight Decay" assignment (Dive into Deep Learning); contract in shared/assignment-contract.md."""
from pathlib import Path

from grader.assignment import Assignment, Question

ASSIGNMENT = Assignment(
    name="weight_decay",
    title="Weight Decay",
    version=1,
    questions=(
        Question("q1", "The L1 update", 3, ("l1_penalty", "l1_sgd_update")),
        Question("q2", "The Frobenius identity", 2, ("frobenius_sq",)),
        Question("q3", "The lambda sweep", 3, ("sweep", "best_lambda", "plot_sweep")),
        Question("q4", "The debugging case", 4, ("WeightDecayScratch", "train_scratch")),
        Question("q5", "Other ways to fight overfitting", 1),
        Question("q6", "Priors for L2 and L1", 1),
    ),
    checks_dir=Path(__file__).parent / "checks",
    child_helpers="grader.assignments.weight_decay.child_helpers",
)

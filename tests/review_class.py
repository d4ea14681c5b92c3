"""A class of 200 whose q5 answers vary as a real class's do: a dozen common answers, each written by many
students with small differences (case, spacing, punctuation, Markdown, a typo), and one student in four
writing their own. Made from three graded notebooks (every student answers all six questions: 1,200
written answers) for the rubric item and answer group tests."""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from helpers import ASSIGNMENT, FOLDER
from grader.classroom.gradebook import Gradebook
from grader.assignments.read_notebook import Answer

# The common answers and the rubric item (its key in solutions/weight_decay/rubric.toml) each deserves.
COMMON = {
    "Dropout and early stopping: dropout zeroes random units so none can rely on another, and early stopping "
    "ends training when the validation loss starts to rise.": 1,
    "Data augmentation makes more varied training examples from the ones we have, and dropout keeps units "
    "from co-adapting.": 1,
    "Early stopping. We stop training when validation loss goes up.": 2,
    "Dropout, because it randomly drops neurons during training.": 2,
    "Use an ensemble of models and average their predictions, it reduces variance.": 2,
    "Dropout, early stopping, data augmentation, batch norm.": 3,
    "Noise injection and label smoothing.": 3,
    "Get more training data and use a smaller model.": 4,
    "Weight decay with a larger lambda and fewer layers.": 4,
    "Max-norm constraints on the weights, and pruning the network after training.": 3,
    "Cross-validation to choose the hyperparameters, and dropout between the layers to regularise.": 2,
    "Batch normalisation adds noise from the mini-batch statistics which regularises the model; early "
    "stopping also helps by not training too long.": 1,
}
OWN_WORDS = ("I think the model overfits when it memorises the training set, so I would try",
             "In my experience with small datasets the best fix is", "One idea from the lecture is",
             "Honestly the simplest thing is", "Besides what the section covers, we could use")
OWN_METHODS = ("mixup between pairs of images", "stochastic depth in the residual blocks", "a smaller learning "
               "rate with cosine decay", "transfer learning from an ImageNet model", "gradient clipping",
               "Bayesian model averaging", "feature selection with mutual information", "k-fold cross-validation",
               "adversarial training", "knowledge distillation from a bigger teacher")


def _perturbed(text: str, rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 1:
        return text.lower()
    if kind == 2:
        return text.rstrip(".").replace(" ", "  ", 2)
    if kind == 3:
        first, _, rest = text.partition(" ")
        return f"**{first}** {rest}"
    if kind == 4:  # one typo: two letters of a long word swapped
        words = text.split(" ")
        at = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[at]
        words[at] = word[:2] + word[3] + word[2] + word[4:]
        return " ".join(words)
    if kind == 5:
        return text + "\n"
    return text


def q5_answers(count: int, seed: int = 24) -> list[tuple[str, int]]:
    """``count`` (answer, the key of the item it deserves), one in four in the student's own words (key 3)."""
    rng = random.Random(seed)
    common = list(COMMON.items())
    answers = []
    for n in range(count):
        if n % 4 == 3:
            methods = rng.sample(OWN_METHODS, 2)
            answers.append((f"{rng.choice(OWN_WORDS)} {methods[0]}, and maybe {methods[1]} (student {n}).", 3))
        else:
            text, key = common[rng.randrange(len(common))]
            answers.append((_perturbed(text, rng), key))
    return answers


def record_review_class(out: Path, variants: dict, students: int = 200) -> dict[str, int]:
    """Record ``students`` (s001...) cycling through ``variants`` (no stub: all answer every question),
    each with a q5 answer of ``q5_answers``; student id -> the key of the q5 item their answer deserves."""
    names = [name for name in variants if name != "stub"]
    deserved = {}
    with Gradebook(out) as gradebook:
        gradebook.use_assignment(ASSIGNMENT.name, FOLDER)
        for n, (text, key) in enumerate(q5_answers(students)):
            sid = f"s{n + 1:03d}"
            report = variants[names[n % len(names)]]
            cell = report.answers["q5"].cell
            report = dataclasses.replace(report, submission_id=sid,
                                         answers={**report.answers, "q5": Answer("q5", cell, text)})
            gradebook.record(report, report.sha256, "{}")
            deserved[sid] = key
    return deserved

"""Run in the notebook's process (shipped to students): q4's model and loss, so that q4 is graded with a correct
softmax and cross-entropy whatever q1 and q2 hold, and counts how often train_epoch asks for the loss."""
import torch
import torch.nn.functional as F


class GraderModel(torch.nn.Module):
    """Softmax regression on torch's softmax, keeping its last scores for the loss below."""

    def __init__(self, W, b):
        super().__init__()
        self.W, self.b, self.loss_calls = torch.nn.Parameter(W.clone()), torch.nn.Parameter(b.clone()), 0

    def forward(self, X):
        self.scores = X.reshape(len(X), -1) @ self.W + self.b
        return torch.softmax(self.scores, dim=1)


def use_grader_model(rt, W, b):
    """A GraderModel; the notebook's cross_entropy is, until restore_loss, the model's from its last scores."""
    model, saved = GraderModel(W, b), rt.namespace.get("cross_entropy")

    def cross_entropy(y_hat, y):
        model.loss_calls += 1
        return F.cross_entropy(model.scores, y)

    rt.namespace.update(cross_entropy=cross_entropy, _saved_cross_entropy=saved)
    return model


def restore_loss(rt):
    rt.namespace["cross_entropy"] = rt.namespace.pop("_saved_cross_entropy", None)


HELPERS = {"use_grader_model": use_grader_model, "restore_loss": restore_loss}

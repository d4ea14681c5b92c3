"""Run in the notebook's process (shipped to students): q4's model, with torch's softmax and a cross_entropy of
its own in place of the notebook's until restore_loss, so that q4 is graded whatever q1 and q2 hold."""
import torch
import torch.nn.functional as F


class GraderModel(torch.nn.Module):
    def __init__(self, W, b):
        super().__init__()
        self.W, self.b, self.loss_calls = torch.nn.Parameter(W.clone()), torch.nn.Parameter(b.clone()), 0

    def forward(self, X):
        self.scores = X.reshape(len(X), -1) @ self.W + self.b  # the loss below starts from these
        return torch.softmax(self.scores, dim=1)

    def loss(self, y_hat, y):
        self.loss_calls += 1
        return F.cross_entropy(self.scores, y)


def use_grader_model(rt, W, b):
    model = GraderModel(W, b)
    rt.namespace.update(cross_entropy=model.loss, _saved_cross_entropy=rt.namespace.get("cross_entropy"))
    return model


def restore_loss(rt):
    rt.namespace["cross_entropy"] = rt.namespace.pop("_saved_cross_entropy", None)


HELPERS = {"use_grader_model": use_grader_model, "restore_loss": restore_loss}

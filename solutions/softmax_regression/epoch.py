"""q4's scenario (public and hidden checks): one epoch of the notebook's train_epoch on the grader's model
(child_helpers.GraderModel) and random data, loss, calls of cross_entropy and parameters as the solution's."""
import torch

from grader.checks import Scenario


def one_epoch(student, n, batch_size, lr):
    X, y, W, b = torch.rand(n, 1, 3, 3), torch.randint(0, 4, (n,)), torch.randn(9, 4) * 0.1, torch.randn(4) * 0.1
    s = Scenario()
    model = s.helper("use_grader_model", W, b)
    data = s.probe("spy_data", X, y, X.flip(0), y.flip(0), batch_size=batch_size)
    loss = s.call("train_epoch", model, data, lr)
    s.helper("restore_loss")
    calls, parameters = s.probe("attribute", model, "loss_calls"), s.probe("parameters", model)
    s.compare(loss, f"train_epoch(model, data, {lr})", symptom="return the mean of the epoch's minibatch losses")
    s.compare(calls, "how often train_epoch called cross_entropy",
              symptom="call cross_entropy(model(X), y), your function of q2, once per minibatch")
    s.compare(parameters, "the parameters after the epoch", symptom="one step p -= lr * p.grad per minibatch of "
              "data.get_trainloader(), in order, gradients zeroed after it")
    s.run(student)

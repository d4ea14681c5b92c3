"""q3's scenario (public and hidden checks): the notebook's train_epochs on the grader's model (child_helpers:
the book's concise dropout MLP, never the notebook's DropoutMLP) and spy data, against the solution's from the
same seed, so both draw the same dropout masks."""
import torch

from grader.checks import Scenario

HISTORY = ("train_loss holds each epoch's mean minibatch cross-entropy (training mode) and val_loss the mean "
           "cross-entropy over all validation examples (eval mode) after the epoch, as Python floats, from plain SGD "
           "at lr, drawing no random numbers of its own")
MODES = ("each epoch trains in training mode (model.train()), one forward pass per training example, then computes "
         "the validation loss in eval mode (model.eval()) without gradients (inside torch.no_grad())")


def train_and_compare(student, epochs, lr, n_train, n_val, batch_size, dropout):
    X = torch.randn(n_train + n_val, 8)
    y = (X @ torch.randn(8, 3)).argmax(dim=1)
    s = Scenario()
    model = s.helper("counting_mlp", (8, 16, 12, 3), *dropout)
    data = s.probe("spy_data", X[:n_train], y[:n_train], X[n_train:], y[n_train:], batch_size=batch_size)
    history = s.call("train_epochs", model, data, epochs, lr)
    call = (f"train_epochs(model, data, {epochs}, {lr}): an MLP (8, 16, 12, 3) with dropout {dropout}, {n_train} "
            f"training and {n_val} validation examples in minibatches of {batch_size}")
    s.compare(history, call, symptom=HISTORY, extra_keys=True)
    s.compare(s.probe("attribute", model, "rows"), "the examples the model saw, by mode", symptom=MODES)
    s.compare(s.probe("loader_passes", data, "train"), "the passes over data.get_trainloader()",
              symptom="each epoch makes exactly one pass over data.get_trainloader()")
    s.compare(s.probe("parameters", model), "the parameters after training",
              symptom="one plain SGD step (no momentum, no weight decay) per training minibatch, gradients zeroed")
    s.compare(s.probe("next_draws"), "torch's next random numbers after train_epochs",
              symptom="train_epochs draws no random numbers and sets no seed of its own: the model's dropout is "
                      "the only randomness")
    s.run(student, rtol=1e-4, atol=1e-6)

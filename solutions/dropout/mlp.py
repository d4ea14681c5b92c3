"""q2's scenario (public and hidden checks): the notebook's DropoutMLP on torch's dropout (child_helpers), with
known weights written by shape (either layout), in each mode, against the solution's from the same draws."""
import torch

from grader.checks import CheckFailed, Scenario
from grader.core.errors import StudentRaised

SIZES = (6, 5, 4, 3)  # all different: shapes tell the layers apart
SHAPES = [(5, 6), (5,), (4, 5), (4,), (3, 4), (3,)]  # nn.Linear's layout; X @ W layouts are matched transposed
MODES = ("self.training tells the mode as in nn.Module: a new model trains (dropout on), eval() switches dropout "
         "off and train() back on")
TRAINING = ("in training mode forward applies dropout_layer with dropout1 to H1 and with dropout2 to H2, after their "
            "ReLU, never to the inputs or outputs (the checks use PyTorch's dropout as dropout_layer)")


def dropout_mlp(student, p1, p2, rows=8, gradients=False):
    s = Scenario()
    s.helper("use_torch_dropout")
    model = s.call("DropoutMLP", *SIZES, p1, p2)
    X = torch.randn(rows, SIZES[0])
    s.method(model, "forward", X)  # a lazily shaped layer gets its parameters at the first forward
    s.compare(s.probe("parameter_shapes_by_size", model), "the sizes of parameters()",
              symptom="parameters() yields the three layers' weights and biases and nothing else")
    s.probe("load_by_shape", model, [torch.randn(shape) for shape in SHAPES])
    for step, when in (("", "a new model"), ("eval", "eval()"), ("eval", "eval() again"), ("train", "train()")):
        if step:
            s.probe(step, model)
        s.probe("manual_seed", 0)  # the same masks, however many numbers the model's initialisation drew
        out = s.compare(s.method(model, "forward", X), f"forward(X) of DropoutMLP({', '.join(map(str, SIZES))}, {p1}, "
                        f"{p2}), {when} (X of shape {tuple(X.shape)}, known weights)",
                        inputs_unchanged=True, symptom=TRAINING if step != "eval" else "in eval mode forward is the plain MLP, no dropout")
        s.compare(s.probe("mode", model), f"the mode of {when}", symptom=MODES)
    if gradients:
        s.probe("backward", s.method(out, "sum"))
        s.compare(s.probe("gradients_by_shape", model, SHAPES), "each parameter's gradient of forward(X).sum()",
                  symptom="every layer must learn: no .detach() or .data in forward")
    try:
        s.run(student, rtol=1e-4, atol=1e-6)
    except StudentRaised as exc:
        if "training" not in str(exc):
            raise
        raise CheckFailed(MODES, expected="self.training: True, then False after eval()", got=f"raised {exc}",
                          input=s.shown(), where="DropoutMLP") from None

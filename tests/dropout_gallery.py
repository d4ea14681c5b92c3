"""Dropout submissions modelled on real mistakes (WRONG), on other valid ways to answer (RIGHT), and on
no real attempt at all (NO_ATTEMPT).

Each entry redefines names in a cell appended to the reference solution, as a student's later cell
would. A WRONG entry names the one question it breaks and a phrase the feedback must contain; a
RIGHT entry must earn every point; a NO_ATTEMPT entry (returning None, zeros, X, a constant...) must
earn nothing in its question and lose nothing elsewhere.

Written answers (q4-q7 markdown) are not covered here: an appended code cell cannot change them.
"""
from dataclasses import dataclass

from gallery import Right, Wrong  # the same kinds of entry as weight decay's gallery


@dataclass(frozen=True)
class NoAttempt:
    name: str
    question: str
    code: str


# q2 mistakes rebuild the reference model with its forward pass changed; each cell is self-contained.
_MLP = """
class DropoutMLP(nn.Module):
    def __init__(self, num_inputs, num_hiddens1, num_hiddens2, num_outputs, dropout1, dropout2):
        super().__init__()
        self.dropout1, self.dropout2 = dropout1, dropout2
        self.lin1 = nn.Linear(num_inputs, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, num_outputs)
        self.relu = nn.ReLU()
{init_extra}
    def forward(self, X):
{forward}
"""


def _mlp(forward: str, init_extra: str = "") -> str:
    return _MLP.format(forward=forward, init_extra=init_extra)


# q3 mistakes rebuild the reference loop with one thing changed.
_LOOP = """
def train_epochs(model, data, epochs, lr):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = {optimizer}
    history = {{"train_loss": [], "val_loss": []}}
    {before_loop}
    for _ in range(epochs):
        {train_mode}
        losses = []
        for X, y in {train_batches}:
            loss = loss_fn(model(X), y)
            {zero_grad}
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history["train_loss"].append({train_loss})
        {eval_mode}
        with torch.no_grad():
{validation}
    return history
"""
_VAL_ALL = """\
            batches = list(data.get_valloader())
            X_val = torch.cat([X for X, _ in batches])
            y_val = torch.cat([y for _, y in batches])
            history["val_loss"].append(loss_fn(model(X_val), y_val).item())"""


def _loop(optimizer="torch.optim.SGD(model.parameters(), lr=lr)", before_loop="pass", train_mode="model.train()",
          train_batches="data.get_trainloader()", zero_grad="optimizer.zero_grad()",
          train_loss="sum(losses) / len(losses)", eval_mode="model.eval()", validation=_VAL_ALL):
    return _LOOP.format(optimizer=optimizer, before_loop=before_loop, train_mode=train_mode,
                        train_batches=train_batches, zero_grad=zero_grad, train_loss=train_loss,
                        eval_mode=eval_mode, validation=validation)


WRONG = [
    # --- q1: the survivors' scale
    Wrong("q1_survivors_not_scaled", "q1", "the survivors are not scaled", """
def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    return (torch.rand(X.shape) > dropout).float() * X
"""),
    Wrong("q1_divides_by_p", "q1", "the survivors are divided by p", """
def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / dropout if dropout > 0 else X
"""),
    Wrong("q1_multiplies_by_keep_probability", "q1", "multiplied by (1 - p)", """
def dropout_layer(X, dropout):
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X * (1 - dropout)
"""),
    # --- q1: the mask
    Wrong("q1_mask_inverted", "q1", "the mask is inverted", """
def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) < dropout).float()
    return mask * X / (1.0 - dropout)
"""),
    Wrong("q1_randn_mask", "q1", "torch.randn", """
def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.randn(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)
"""),
    Wrong("q1_one_mask_for_the_batch", "q1", "every row of X (every example of the batch) has the same entries dropped", """
def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape[-1]) > dropout).float()
    return mask * X / (1.0 - dropout)
"""),
    Wrong("q1_reseeds_every_call", "q1", "drop exactly the same entries", """
def dropout_layer(X, dropout):
    torch.manual_seed(0)
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)
"""),
    # --- q1: edge cases and contract
    Wrong("q1_p_one_divides_by_zero", "q1", "divides by zero", """
def dropout_layer(X, dropout):
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)
"""),
    Wrong("q1_modifies_X_in_place", "q1", "modified its argument X in place", """
def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    X *= (torch.rand(X.shape) > dropout).float()
    X /= 1.0 - dropout
    return X
"""),
    Wrong("q1_returns_float32", "q1", "changed the dtype", """
def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return (mask * X / (1.0 - dropout)).float()
"""),
    Wrong("q1_through_numpy", "q1", "autograd found no gradient", """
import numpy as np

def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    mask = np.random.rand(*X.shape) > dropout
    return torch.from_numpy(X.detach().numpy() * mask / (1.0 - dropout)).to(X.dtype)
"""),
    # --- q2: where dropout goes
    Wrong("q2_dropout_still_on_in_eval", "q2", "dropout is still applied", _mlp("""\
        H1 = dropout_layer(self.relu(self.lin1(X)), self.dropout1)
        H2 = dropout_layer(self.relu(self.lin2(H1)), self.dropout2)
        return self.lin3(H2)""")),
    Wrong("q2_tests_self_train_method", "q2", "self.train is a method", _mlp("""\
        H1 = self.relu(self.lin1(X))
        if self.train:
            H1 = dropout_layer(H1, self.dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.train:
            H2 = dropout_layer(H2, self.dropout2)
        return self.lin3(H2)""")),
    Wrong("q2_dropout_before_each_layer", "q2", "applied to each hidden layer's input", _mlp("""\
        if self.training:
            X = dropout_layer(X, self.dropout1)
        H1 = self.relu(self.lin1(X))
        if self.training:
            H1 = dropout_layer(H1, self.dropout2)
        H2 = self.relu(self.lin2(H1))
        return self.lin3(H2)""")),
    Wrong("q2_dropout_on_the_output", "q2", "applied to the output layer", _mlp("""\
        H1 = self.relu(self.lin1(X))
        if self.training:
            H1 = dropout_layer(H1, self.dropout1)
        out = self.lin3(self.relu(self.lin2(H1)))
        if self.training:
            out = dropout_layer(out, self.dropout2)
        return out""")),
    Wrong("q2_probabilities_swapped", "q2", "the two dropout probabilities are swapped", _mlp("""\
        H1 = self.relu(self.lin1(X))
        if self.training:
            H1 = dropout_layer(H1, self.dropout2)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, self.dropout1)
        return self.lin3(H2)""")),
    Wrong("q2_keep_probability_passed", "q2", "keep probability", _mlp("""\
        H1 = self.relu(self.lin1(X))
        if self.training:
            H1 = dropout_layer(H1, 1 - self.dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, 1 - self.dropout2)
        return self.lin3(H2)""")),
    Wrong("q2_dropout_result_discarded", "q2", "no dropout is applied", _mlp("""\
        H1 = self.relu(self.lin1(X))
        if self.training:
            dropout_layer(H1, self.dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            dropout_layer(H2, self.dropout2)
        return self.lin3(H2)""")),
    Wrong("q2_scaled_at_test_time_instead", "q2", "multiplied by (1 - p)", _mlp("""\
        H1 = self.relu(self.lin1(X))
        if self.training:
            H1 = H1 * (torch.rand(H1.shape) > self.dropout1).float()
        else:
            H1 = H1 * (1 - self.dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = H2 * (torch.rand(H2.shape) > self.dropout2).float()
        else:
            H2 = H2 * (1 - self.dropout2)
        return self.lin3(H2)""")),
    Wrong("q2_no_relu", "q2", "no ReLU", _mlp("""\
        H1 = self.lin1(X)
        if self.training:
            H1 = dropout_layer(H1, self.dropout1)
        H2 = self.lin2(H1)
        if self.training:
            H2 = dropout_layer(H2, self.dropout2)
        return self.lin3(H2)""")),
    Wrong("q2_starts_in_eval_mode", "q2", "a new DropoutMLP is not in training mode", _mlp("""\
        H1 = self.relu(self.lin1(X))
        if self.training:
            H1 = dropout_layer(H1, self.dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, self.dropout2)
        return self.lin3(H2)""", init_extra="        self.eval()\n")),
    Wrong("q2_one_mask_for_the_batch", "q2", "every example of the batch gets the same dropout mask", _mlp("""\
        H1 = self.relu(self.lin1(X))
        if self.training:
            H1 = H1 * (torch.rand(H1.shape[1]) > self.dropout1).float() / (1 - self.dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = H2 * (torch.rand(H2.shape[1]) > self.dropout2).float() / (1 - self.dropout2)
        return self.lin3(H2)""")),
    # --- q3: modes
    Wrong("q3_validates_in_training_mode", "q3", "the validation loss was measured in training mode",
          _loop(eval_mode="pass")),
    Wrong("q3_train_mode_set_once", "q3", "training steps ran in eval mode",
          _loop(before_loop="model.train()", train_mode="pass")),
    # --- q3: the loop
    Wrong("q3_no_zero_grad", "q3", "gradients accumulate", _loop(zero_grad="pass")),
    Wrong("q3_momentum", "q3", "plain SGD", _loop(optimizer="torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)")),
    Wrong("q3_trains_on_validation_too", "q3", "gradient steps on validation data",
          _loop(train_batches="list(data.get_trainloader()) + list(data.get_valloader())")),
    # --- q3: what is reported
    Wrong("q3_last_batch_loss", "q3", "last minibatch's loss", _loop(train_loss="losses[-1]")),
    Wrong("q3_val_mean_of_batch_means", "q3", "averages the batch means", _loop(validation="""\
            values = [loss_fn(model(X), y).item() for X, y in data.get_valloader()]
            history["val_loss"].append(sum(values) / len(values))""")),
    Wrong("q3_history_holds_tensors", "q3", "not a finite Python float", _loop(validation="""\
            batches = list(data.get_valloader())
            X_val = torch.cat([X for X, _ in batches])
            y_val = torch.cat([y for _, y in batches])
            history["val_loss"].append(loss_fn(model(X_val), y_val))""")),
    # --- q3: randomness of its own, where no loss shows it (after the last mask is drawn)
    Wrong("q3_seeds_after_the_last_epoch", "q3", "sets no seed of its own", _loop(validation=_VAL_ALL + """
            if len(history["val_loss"]) == epochs:
                torch.manual_seed(0)  # reproducible runs after this one""")),
]

RIGHT = [
    # --- q1
    Right("q1_bernoulli_mask", """
def dropout_layer(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    mask = torch.bernoulli(torch.full_like(X, 1 - dropout))
    return mask * X / (1 - dropout)
"""),
    Right("q1_where_without_special_case", """
def dropout_layer(X, dropout):
    keep = torch.rand_like(X) > dropout
    return torch.where(keep, X / (1 - dropout), torch.zeros_like(X))
"""),
    Right("q1_bool_mask_and_clamped_division", """
def dropout_layer(X, dropout):
    keep = torch.rand(X.shape) >= dropout
    return X * keep / max(1.0 - dropout, 1e-12)
"""),
    # --- q2
    Right("q2_plain_class_scratch_parameters", """
class DropoutMLP:
    def __init__(self, num_inputs, num_hiddens1, num_hiddens2, num_outputs, dropout1, dropout2):
        self.dropout1, self.dropout2 = dropout1, dropout2
        sizes = [num_inputs, num_hiddens1, num_hiddens2, num_outputs]
        self.params = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            self.params += [(torch.randn(n_in, n_out) * 0.01).requires_grad_(), torch.zeros(n_out, requires_grad=True)]
        self.training = True

    def parameters(self):
        return self.params

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def forward(self, X):
        W1, b1, W2, b2, W3, b3 = self.params
        H1 = torch.relu(X @ W1 + b1)
        if self.training:
            H1 = dropout_layer(H1, self.dropout1)
        H2 = torch.relu(H1 @ W2 + b2)
        if self.training:
            H2 = dropout_layer(H2, self.dropout2)
        return H2 @ W3 + b3

    __call__ = forward
"""),
    Right("q2_nn_dropout_modules", """
class DropoutMLP(nn.Module):
    def __init__(self, num_inputs, num_hiddens1, num_hiddens2, num_outputs, dropout1, dropout2):
        super().__init__()
        self.hidden1 = nn.Sequential(nn.Linear(num_inputs, num_hiddens1), nn.ReLU(), nn.Dropout(dropout1))
        self.hidden2 = nn.Sequential(nn.Linear(num_hiddens1, num_hiddens2), nn.ReLU(), nn.Dropout(dropout2))
        self.out = nn.Linear(num_hiddens2, num_outputs)

    def forward(self, X):
        return self.out(self.hidden2(self.hidden1(X)))
"""),
    Right("q2_lazy_linear_as_in_the_book", """
class DropoutMLP(nn.Module):
    def __init__(self, num_inputs, num_hiddens1, num_hiddens2, num_outputs, dropout1, dropout2):
        super().__init__()
        self.dropout_1, self.dropout_2 = dropout1, dropout2
        self.lin1 = nn.LazyLinear(num_hiddens1)
        self.lin2 = nn.LazyLinear(num_hiddens2)
        self.lin3 = nn.LazyLinear(num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((X.shape[0], -1))))
        if self.training:
            H1 = dropout_layer(H1, self.dropout_1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, self.dropout_2)
        return self.lin3(H2)
"""),
    # Dropout before the ReLU is the same function: relu(m * z / (1 - p)) = m * relu(z) / (1 - p).
    Right("q2_dropout_before_the_relu", _mlp("""\
        Z1 = self.lin1(X)
        H1 = self.relu(dropout_layer(Z1, self.dropout1) if self.training else Z1)
        Z2 = self.lin2(H1)
        H2 = self.relu(dropout_layer(Z2, self.dropout2) if self.training else Z2)
        return self.lin3(H2)""")),
    Right("q2_functional_dropout", """
import torch.nn.functional as F

class DropoutMLP(nn.Module):
    def __init__(self, num_inputs, num_hiddens1, num_hiddens2, num_outputs, dropout1, dropout2):
        super().__init__()
        self.p = (dropout1, dropout2)
        self.layers = nn.ModuleList([nn.Linear(num_inputs, num_hiddens1), nn.Linear(num_hiddens1, num_hiddens2),
                                     nn.Linear(num_hiddens2, num_outputs)])

    def forward(self, X):
        for layer, p in zip(self.layers[:2], self.p):
            X = F.dropout(F.relu(layer(X)), p, training=self.training)
        return self.layers[2](X)
"""),
    # --- q3
    Right("q3_manual_sgd_update", """
def train_epochs(model, data, epochs, lr):
    params = list(model.parameters())
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        model.train()
        total, count = 0.0, 0
        for X, y in data.get_trainloader():
            loss = nn.functional.cross_entropy(model(X), y)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
            total += loss.item()
            count += 1
        history["train_loss"].append(total / count)
        model.eval()
        with torch.no_grad():
            total, n = 0.0, 0
            for X, y in data.get_valloader():
                total += nn.functional.cross_entropy(model(X), y, reduction="sum").item()
                n += len(y)
        history["val_loss"].append(total / n)
    return history
"""),
    Right("q3_train_flag_and_inference_mode", """
def train_epochs(model, data, epochs, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    train_loss, val_loss = [], []
    for epoch in range(epochs):
        model.train(True)
        batch_losses = []
        for X, y in data.get_trainloader():
            optimizer.zero_grad(set_to_none=False)
            loss = nn.functional.nll_loss(torch.log_softmax(model(X), dim=1), y)
            loss.backward()
            optimizer.step()
            batch_losses.append(float(loss))
        train_loss.append(sum(batch_losses) / len(batch_losses))
        model.train(False)
        with torch.inference_mode():
            Xs, ys = zip(*data.get_valloader())
            val_loss.append(float(nn.functional.cross_entropy(model(torch.cat(Xs)), torch.cat(ys))))
        model.train(True)
    return {"train_loss": train_loss, "val_loss": val_loss}
"""),
]

NO_ATTEMPT = [
    NoAttempt("q1_returns_none", "q1", """
def dropout_layer(X, dropout):
    return None
"""),
    NoAttempt("q1_returns_zeros", "q1", """
def dropout_layer(X, dropout):
    return torch.zeros_like(X)
"""),
    NoAttempt("q1_returns_X", "q1", """
def dropout_layer(X, dropout):
    return X
"""),
    NoAttempt("q1_returns_a_constant", "q1", """
def dropout_layer(X, dropout):
    return torch.full_like(X, 0.5)
"""),
    NoAttempt("q2_plain_mlp_without_dropout", "q2", _mlp("""\
        return self.lin3(self.relu(self.lin2(self.relu(self.lin1(X)))))""")),
    NoAttempt("q2_forward_returns_zeros", "q2", _mlp("""\
        return torch.zeros(X.shape[0], self.lin3.out_features)""")),
    NoAttempt("q3_returns_none", "q3", """
def train_epochs(model, data, epochs, lr):
    return None
"""),
    NoAttempt("q3_returns_constant_losses", "q3", """
def train_epochs(model, data, epochs, lr):
    return {"train_loss": [1.0 - 0.1 * e for e in range(epochs)], "val_loss": [1.0] * epochs}
"""),
]

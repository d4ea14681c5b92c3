"""Softmax regression submissions modelled on real mistakes (WRONG), on other valid ways to answer (RIGHT), and on
no real attempt at all (NO_ATTEMPT).

Written from the student contract (the instructions of solutions/softmax_regression/softmax_regression.ipynb),
not from the checks: each WRONG entry breaks one sentence of its question's instructions, and its symptom is
the phrase of that sentence (or of the mistake's own name) the feedback must contain.

Each entry redefines names in a cell added to the reference solution, as a student's later cell would. A
WRONG entry names the one question it breaks; a RIGHT entry must earn every point; a NO_ATTEMPT entry
(returning None, zeros, its input, a constant...) must earn nothing in its question and lose nothing
elsewhere. q4 is graded on the grader's model with a correct softmax and cross-entropy in place of the student's,
so a wrong softmax or cross_entropy costs points in q1 or q2 only. The test inserts each entry just before the
notebook's training demo, where a student's answers run.

The written answer (q5, markdown) is not covered here: an appended code cell cannot change it.
"""
from gallery import Right, Wrong  # the same kinds of entry as weight decay's gallery
from dropout_gallery import NoAttempt

# q4 mistakes rebuild the reference epoch with one thing changed; each cell is self-contained.
_EPOCH = """
def train_epoch(model, data, lr):
    losses = []
    for X, y in {batches}:
        loss = {loss}
        loss.backward()
        with torch.no_grad():
            for param in {params}:
                {update}
                {zero}
        losses.append(loss.item())
    return {result}
"""


def _epoch(batches="data.get_trainloader()", loss="cross_entropy(model(X), y)", params="model.parameters()",
           update="param -= lr * param.grad", zero="param.grad.zero_()", result="sum(losses) / len(losses)"):
    return _EPOCH.format(batches=batches, loss=loss, params=params, update=update, zero=zero, result=result)


WRONG = [
    # --- q1: "numerically stable ... never nan or inf; subtract each row's maximum"
    Wrong("q1_no_max_subtraction", "q1", "numerically stable", """
def softmax(X):
    X_exp = torch.exp(X)
    return X_exp / X_exp.sum(dim=1, keepdim=True)
"""),
    Wrong("q1_subtracts_the_global_maximum", "q1", "each row's maximum", """
def softmax(X):
    X_exp = torch.exp(X - X.max())
    return X_exp / X_exp.sum(dim=1, keepdim=True)
"""),
    # --- q1: "row i is the softmax of row i (the sum runs over the columns, dim=1)"
    Wrong("q1_normalises_columns", "q1", "dim=1", """
def softmax(X):
    X_exp = torch.exp(X - X.max(dim=0, keepdim=True).values)
    return X_exp / X_exp.sum(dim=0, keepdim=True)
"""),
    Wrong("q1_sum_without_keepdim", "q1", "keepdim", """
def softmax(X):
    X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return X_exp / X_exp.sum(dim=1)
"""),
    Wrong("q1_returns_log_probabilities", "q1", "sum to 1", """
def softmax(X):
    shifted = X - X.max(dim=1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
"""),
    # --- q1: "a new tensor of X's shape and dtype", "X itself is not modified", "differentiable"
    Wrong("q1_modifies_X_in_place", "q1", "modified", """
def softmax(X):
    X -= X.max(dim=1, keepdim=True).values
    X.exp_()
    X /= X.sum(dim=1, keepdim=True)
    return X
"""),
    Wrong("q1_returns_float32", "q1", "dtype", """
def softmax(X):
    X = X.float()
    X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return X_exp / X_exp.sum(dim=1, keepdim=True)
"""),
    Wrong("q1_detached_from_autograd", "q1", "could not differentiate softmax", """
def softmax(X):
    X = X.detach()
    X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return X_exp / X_exp.sum(dim=1, keepdim=True)
"""),
    # --- q2: "the mean over the n examples of -log y_hat[i, y[i]]"
    Wrong("q2_sum_instead_of_mean", "q2", "mean", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[torch.arange(len(y_hat)), y]).sum()
"""),
    Wrong("q2_missing_minus_sign", "q2", "minus", """
def cross_entropy(y_hat, y):
    return torch.log(y_hat[torch.arange(len(y_hat)), y]).mean()
"""),
    Wrong("q2_indexes_every_row_with_every_label", "q2", "y_hat[:, y]", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[:, y]).mean()
"""),
    Wrong("q2_averages_every_class", "q2", "true class", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat).mean()
"""),
    Wrong("q2_applies_softmax_again", "q2", "probabilities", """
def cross_entropy(y_hat, y):
    return nn.functional.cross_entropy(y_hat, y)
"""),
    # --- q2: "the other entries of y_hat do not enter the loss" (0 * log 0 is nan)
    Wrong("q2_one_hot_times_log", "q2", "nan", """
def cross_entropy(y_hat, y):
    one_hot = nn.functional.one_hot(y, y_hat.shape[1]).to(y_hat.dtype)
    return -(one_hot * torch.log(y_hat)).sum(dim=1).mean()
"""),
    # --- q2: "a 0-dimensional tensor ... of y_hat's dtype, not a Python float", "differentiable"
    Wrong("q2_no_mean_returns_a_vector", "q2", "shape", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[torch.arange(len(y_hat)), y])
"""),
    Wrong("q2_returns_python_float", "q2", "tensor", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[torch.arange(len(y_hat)), y]).mean().item()
"""),
    Wrong("q2_returns_float32", "q2", "dtype", """
def cross_entropy(y_hat, y):
    return -torch.log(y_hat[torch.arange(len(y_hat)), y].float()).mean()
"""),
    Wrong("q2_modifies_y_hat_in_place", "q2", "modified", """
def cross_entropy(y_hat, y):
    return -y_hat.log_()[torch.arange(len(y_hat)), y].mean()
"""),
    # --- q3: "the index of the largest entry of row i (argmax over dim=1)"
    Wrong("q3_argmax_over_columns", "q3", "dim=1", """
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=0) == y).float().mean().item()
"""),
    Wrong("q3_compares_the_largest_score", "q3", "index", """
def accuracy(y_hat, y):
    return (y_hat.max(dim=1).values == y).float().mean().item()
"""),
    # --- q3: "the number ... divided by n, as a Python float between 0 and 1 (not a tensor)"
    Wrong("q3_counts_instead_of_share", "q3", "divided by n", """
def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).sum())
"""),
    Wrong("q3_integer_division", "q3", "integer division", """
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=1) == y).sum().item() // len(y)
"""),
    Wrong("q3_error_rate", "q3", "error rate", """
def accuracy(y_hat, y):
    return (y_hat.argmax(dim=1) != y).float().mean().item()
"""),
    Wrong("q3_returns_a_tensor_as_the_book", "q3", "plain Python number", """
def accuracy(y_hat, y):
    preds = y_hat.argmax(dim=1).type(y.dtype)
    compare = (preds == y).type(torch.float32)
    return compare.mean()
"""),
    Wrong("q3_thresholds_at_one_half", "q3", "largest entry", """
def accuracy(y_hat, y):
    hits = [(y_hat[i, y[i]] > 0.5).item() for i in range(len(y))]
    return sum(hits) / len(y)
"""),
    # --- q4: step 3, the update
    Wrong("q4_gradient_never_zeroed", "q4", "zero", _epoch(zero="pass")),
    Wrong("q4_gradient_ascent", "q4", "p - lr", _epoch(update="param += lr * param.grad")),
    Wrong("q4_rebinds_instead_of_updating", "q4", "did not change", _epoch(update="param = param - lr * param.grad",
                                                                           zero="pass")),
    Wrong("q4_zeroes_before_the_step", "q4", "did not change", _epoch(update="param.grad.zero_()",
                                                                  zero="param -= lr * param.grad")),
    Wrong("q4_updates_only_W", "q4", "every parameter", _epoch(params="[model.W]")),
    Wrong("q4_update_with_autograd_on", "q4", "in-place operation", """
def train_epoch(model, data, lr):
    losses = []
    for X, y in data.get_trainloader():
        loss = cross_entropy(model(X), y)
        loss.backward()
        for param in model.parameters():
            param -= lr * param.grad
            param.grad.zero_()
        losses.append(loss.item())
    return sum(losses) / len(losses)
"""),
    # --- q4: step 2, the loss and the minibatches
    Wrong("q4_builtin_loss_on_probabilities", "q4", "cross_entropy(model(X), y), your function of q2", _epoch(
        loss="nn.functional.cross_entropy(model(X), y)")),
    Wrong("q4_own_loss_instead_of_cross_entropy", "q4", "once per minibatch", _epoch(
        loss="-torch.log(model(X)[torch.arange(len(y)), y]).mean()")),
    Wrong("q4_summed_minibatch_loss", "q4", "mean", _epoch(loss="cross_entropy(model(X), y) * len(y)")),
    Wrong("q4_trains_on_the_validation_data", "q4", "get_trainloader", _epoch(batches="data.get_valloader()")),
    # --- q4: step 4, what it returns
    Wrong("q4_returns_the_last_loss", "q4", "mean of the epoch's minibatch losses", _epoch(result="losses[-1]")),
    Wrong("q4_weights_losses_by_batch_size", "q4", "each minibatch counting once", """
def train_epoch(model, data, lr):
    total, count = 0.0, 0
    for X, y in data.get_trainloader():
        loss = cross_entropy(model(X), y)
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
                param.grad.zero_()
        total += loss.item() * len(y)
        count += len(y)
    return total / count
"""),
    Wrong("q4_returns_a_tensor", "q4", "plain Python number", """
def train_epoch(model, data, lr):
    losses = []
    for X, y in data.get_trainloader():
        loss = cross_entropy(model(X), y)
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
                param.grad.zero_()
        losses.append(loss.detach())
    return torch.stack(losses).mean()
"""),
]

RIGHT = [
    Right("logsumexp_gather_and_sum_over_len", """
def softmax(X):
    return torch.exp(X - torch.logsumexp(X, dim=1, keepdim=True))


def cross_entropy(y_hat, y):
    return -y_hat.gather(1, y.reshape(-1, 1)).log().mean()


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).sum()) / len(y)
"""),
    Right("torch_softmax_and_the_books_accuracy_as_float", """
def softmax(X):
    return torch.softmax(X, dim=1)


def cross_entropy(y_hat, y):
    picked = torch.stack([y_hat[i, y[i]] for i in range(len(y))])
    return torch.mean(-torch.log(picked))


def accuracy(y_hat, y):
    preds = y_hat.argmax(axis=1).type(y.dtype)
    compare = (preds == y).type(torch.float32)
    return float(compare.mean())
"""),
    Right("row_by_row_and_optimizer", """
def softmax(X):
    rows = []
    for row in X:
        e = (row - row.max()).exp()
        rows.append(e / e.sum())
    return torch.stack(rows)


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(y_hat.shape[0]), y]).sum() / y_hat.shape[0]


def accuracy(y_hat, y):
    right = 0
    for row, label in zip(y_hat, y):
        right += int(torch.argmax(row) == label)
    return right / len(y)


def train_epoch(model, data, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for X, y in data.get_trainloader():
        optimizer.zero_grad()
        loss = cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return sum(losses) / len(losses)
"""),
    Right("explicit_divisions_and_manual_sgd_with_none_grads", """
def softmax(X):
    m, _ = torch.max(X, 1, keepdim=True)
    e = torch.exp(X - m)
    return torch.div(e, torch.sum(e, 1, keepdim=True))


def cross_entropy(y_hat, y):
    return torch.nn.functional.nll_loss(torch.log(y_hat), y)


def accuracy(y_hat, y):
    return torch.eq(torch.argmax(y_hat, dim=1), y).double().mean().item()


def train_epoch(model, data, lr):
    total, batches = 0.0, 0
    for X, y in data.get_trainloader():
        loss = cross_entropy(model(X), y)
        loss.backward()
        for param in model.parameters():
            param.data.sub_(lr * param.grad)
            param.grad = None
        total += loss.item()
        batches += 1
    return total / batches
"""),
    Right("zero_grad_first_and_sgd_helper", """
def sgd(params, lr):
    with torch.no_grad():
        for param in params:
            param.sub_(param.grad, alpha=lr)


def train_epoch(model, data, lr):
    losses = []
    for X, y in data.get_trainloader():
        model.zero_grad()
        y_hat = model(X)
        loss = cross_entropy(y_hat, y)
        loss.backward()
        sgd(list(model.parameters()), lr)
        losses.append(loss.item())
    return float(torch.tensor(losses, dtype=torch.float64).mean())
"""),
]

NO_ATTEMPT = [
    NoAttempt("q1_returns_none", "q1", """
def softmax(X):
    return None
"""),
    NoAttempt("q1_returns_X", "q1", """
def softmax(X):
    return X
"""),
    NoAttempt("q1_returns_uniform_rows", "q1", """
def softmax(X):
    return torch.full_like(X, 1.0 / X.shape[1])
"""),
    NoAttempt("q2_returns_zero", "q2", """
def cross_entropy(y_hat, y):
    return torch.zeros((), dtype=y_hat.dtype, requires_grad=True)
"""),
    NoAttempt("q2_returns_log_of_the_class_count", "q2", """
def cross_entropy(y_hat, y):
    return torch.log(torch.tensor(float(y_hat.shape[1]), dtype=y_hat.dtype)) + 0 * y_hat.sum()
"""),
    NoAttempt("q3_returns_none", "q3", """
def accuracy(y_hat, y):
    return None
"""),
    NoAttempt("q3_returns_a_constant", "q3", """
def accuracy(y_hat, y):
    return 0.5
"""),
    NoAttempt("q4_returns_none", "q4", """
def train_epoch(model, data, lr):
    return None
"""),
    NoAttempt("q4_returns_log_ten_without_training", "q4", """
def train_epoch(model, data, lr):
    return 2.302585092994046
"""),
    NoAttempt("q4_computes_the_loss_but_never_steps", "q4", """
def train_epoch(model, data, lr):
    losses = [cross_entropy(model(X), y).item() for X, y in data.get_trainloader()]
    return sum(losses) / len(losses)
"""),
]

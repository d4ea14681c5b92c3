"""Submissions modelled on real mistakes (WRONG) and on other valid ways to answer (RIGHT).

Each entry redefines names in a cell appended to the reference solution, as a
student's later cell would. A WRONG entry names the one question it breaks
and a phrase the feedback must contain; a RIGHT entry must earn every point.

Written answers (q1-q6 markdown) are not covered here: an appended code cell
cannot change them, and the gallery test only appends code.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Wrong:
    name: str
    question: str
    symptom: str
    code: str


@dataclass(frozen=True)
class Right:
    name: str
    code: str


# q4 mistakes rebuild the reference model with one thing changed; each cell is self-contained.
_Q4_MODEL = """
class WeightDecayScratch(nn.Module):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__()
        self.lambd, self.lr = lambd, lr
        self.w = nn.Parameter({init})
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, X):
        return X @ self.w + self.b

    def penalty(self):
        return {penalty}

    def loss(self, y_hat, y):
        return {loss}

    def configure_optimizer(self):
        return {optimizer}
"""


def _q4_model(init="torch.normal(0, sigma, (num_inputs, 1))", penalty="self.lambd / 2 * (self.w ** 2).sum()",
              loss="nn.MSELoss()(y_hat, y) + self.penalty()",
              optimizer="torch.optim.SGD([self.w, self.b], lr=self.lr)"):
    return _Q4_MODEL.format(init=init, penalty=penalty, loss=loss, optimizer=optimizer)


_TRAIN_SCRATCH = """
def train_scratch(model, data, epochs):
    optimizer = model.configure_optimizer()
    history = {{"train_loss": [], "val_loss": []}}
    for _ in range(epochs):
        objectives = []
        for X, y in {train_batches}:
            objective = model.loss(model(X), y)
            optimizer.zero_grad()
            objective.backward()
            optimizer.step()
            objectives.append(objective.item())
        history["train_loss"].append(sum(objectives) / len(objectives))
        with torch.no_grad():
{validation}
    return history
"""
_VAL_FULL = """\
            batches = list(data.get_valloader())
            X_val = torch.cat([X for X, _ in batches])
            y_val = torch.cat([y for _, y in batches])
            history["val_loss"].append(nn.MSELoss()(model(X_val), y_val).item())"""


def _train_scratch(train_batches="data.get_trainloader()", validation=_VAL_FULL):
    return _TRAIN_SCRATCH.format(train_batches=train_batches, validation=validation)


WRONG = [
    # --- q1, from the forum: the L1 term subtracted, and lambd * w in place of sign(w)
    Wrong("l1_penalty_subtracted", "q1", "pull weights toward zero", """
def l1_sgd_update(w, grad, lr, lambd):
    return w - lr * (grad - lambd * torch.sign(w))
"""),
    Wrong("l1_uses_lambd_times_w", "q1", "L2 gradient", """
def l1_sgd_update(w, grad, lr, lambd):
    return w - lr * (grad + lambd * w)
"""),
    # --- q1, other mistakes
    Wrong("l1_penalty_without_abs", "q1", "sum of |w_i| over all elements", """
def l1_penalty(w):
    return w.sum()
"""),
    Wrong("l1_penalty_via_item", "q1", "autograd could not differentiate l1_penalty", """
def l1_penalty(w):
    return torch.tensor(w.abs().sum().item(), dtype=w.dtype)
"""),
    Wrong("l1_sign_zero_as_plus_one", "q1", "torch.sign(0) = 0", """
def l1_sgd_update(w, grad, lr, lambd):
    return w - lr * (grad + lambd * torch.where(w >= 0, 1., -1.))
"""),
    Wrong("l1_update_returns_float64", "q1", "changed the dtype", """
def l1_sgd_update(w, grad, lr, lambd):
    return (w - lr * (grad + lambd * torch.sign(w))).double()
"""),
    Wrong("l1_lr_multiplies_only_grad", "q1", "lr multiplies only grad", """
def l1_sgd_update(w, grad, lr, lambd):
    return w - lr * grad - lambd * torch.sign(w)
"""),
    Wrong("l1_update_in_place", "q1", "modified its argument w in place", """
def l1_sgd_update(w, grad, lr, lambd):
    w -= lr * (grad + lambd * torch.sign(w))
    return w
"""),
    Wrong("l1_update_ignores_lambd", "q1", "the update ignores lambd", """
def l1_sgd_update(w, grad, lr, lambd):
    return w - lr * grad
"""),
    # --- q2
    Wrong("frobenius_not_squared", "q2", "not its square", """
def frobenius_sq(W):
    return torch.linalg.norm(W)
"""),
    Wrong("frobenius_trace_without_transpose", "q2", "unless W is symmetric", """
def frobenius_sq(W):
    return torch.trace(W @ W)
"""),
    Wrong("frobenius_modifies_input", "q2", "modified its argument W in place", """
def frobenius_sq(W):
    W.mul_(W)
    return W.sum()
"""),
    Wrong("frobenius_via_item", "q2", "autograd could not differentiate frobenius_sq", """
def frobenius_sq(W):
    return torch.tensor(torch.trace(W.T @ W).item(), dtype=W.dtype)
"""),
    # --- q3: sweep
    Wrong("sweep_calls_train_fn_twice", "q3", "exactly once for each lambda", """
def sweep(lambdas, train_fn):
    return [{"lambd": l, "train_loss": train_fn(l)["train_loss"], "val_loss": train_fn(l)["val_loss"],
             "w_norm": train_fn(l)["w_norm"]} for l in lambdas]
"""),
    Wrong("sweep_sorts_lambdas", "q3", "in the given order", """
def sweep(lambdas, train_fn):
    return [{"lambd": l, **train_fn(l)} for l in sorted(lambdas)]
"""),
    Wrong("sweep_drops_lambd", "q3", "each result must hold lambd", """
def sweep(lambdas, train_fn):
    return [train_fn(l) for l in lambdas]
"""),
    # --- q3: best_lambda
    Wrong("best_lambda_by_train_loss", "q3", "chose by training loss", """
def best_lambda(results):
    return min(results, key=lambda r: r["train_loss"])["lambd"]
"""),
    Wrong("best_lambda_plain_min_picks_nan", "q3", "NaN must be ignored", """
def best_lambda(results):
    return min(results, key=lambda r: (r["val_loss"], -r["lambd"]))["lambd"]
"""),
    Wrong("best_lambda_tie_prefers_smaller", "q3", "on an exact tie", """
import math

def best_lambda(results):
    finite = [r for r in results if not math.isnan(r["val_loss"])]
    return min(finite, key=lambda r: r["val_loss"])["lambd"]
"""),
    Wrong("best_lambda_returns_float", "q3", "the lambd value itself, as given", """
import math

def best_lambda(results):
    finite = [r for r in results if not math.isnan(r["val_loss"])]
    return float(min(finite, key=lambda r: (r["val_loss"], -r["lambd"]))["lambd"])
"""),
    # --- q3: plot_sweep
    Wrong("plot_without_log_scale", "q3", "log scale", """
def plot_sweep(results):
    lambdas = [r["lambd"] for r in results]
    fig, ax = plt.subplots()
    ax.plot(lambdas, [r["train_loss"] for r in results], label="train loss")
    ax.plot(lambdas, [r["val_loss"] for r in results], label="validation loss")
    ax.set_xlabel("lambda")
    ax.set_ylabel("loss")
    ax.legend()
    return fig
"""),
    Wrong("plot_without_line_labels", "q3", "two labelled lines are needed", """
def plot_sweep(results):
    lambdas = [r["lambd"] for r in results]
    fig, ax = plt.subplots()
    ax.plot(lambdas, [r["train_loss"] for r in results])
    ax.plot(lambdas, [r["val_loss"] for r in results])
    ax.set_xlabel("lambda")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    return fig
"""),
    Wrong("plot_without_legend", "q3", "the legend must name both lines", """
def plot_sweep(results):
    lambdas = [r["lambd"] for r in results]
    fig, ax = plt.subplots()
    ax.plot(lambdas, [r["train_loss"] for r in results], label="train loss")
    ax.plot(lambdas, [r["val_loss"] for r in results], label="validation loss")
    ax.set_xlabel("lambda")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    return fig
"""),
    Wrong("plot_without_axis_labels", "q3", "label both axes", """
def plot_sweep(results):
    lambdas = [r["lambd"] for r in results]
    fig, ax = plt.subplots()
    ax.plot(lambdas, [r["train_loss"] for r in results], label="train loss")
    ax.plot(lambdas, [r["val_loss"] for r in results], label="validation loss")
    ax.set_yscale("log")
    ax.legend()
    return fig
"""),
    Wrong("plot_returns_none", "q3", "must return a matplotlib Figure", """
def plot_sweep(results):
    lambdas = [r["lambd"] for r in results]
    plt.plot(lambdas, [r["train_loss"] for r in results], label="train loss")
    plt.plot(lambdas, [r["val_loss"] for r in results], label="validation loss")
    plt.xlabel("lambda")
    plt.ylabel("loss")
    plt.yscale("log")
    plt.legend()
    plt.show()
"""),
    # --- q4, from the forum and its fixes
    Wrong("q4_norm_not_squared", "q4", "the norm is not squared", _q4_model(
        penalty="self.lambd / 2 * torch.linalg.norm(self.w)")),
    Wrong("q4_penalises_bias", "q4", "the penalty includes the bias", _q4_model(
        penalty="self.lambd / 2 * ((self.w ** 2).sum() + (self.b ** 2).sum())")),
    Wrong("q4_val_loss_with_penalty", "q4", "val_loss includes the penalty", _train_scratch(validation="""\
            batches = list(data.get_valloader())
            X_val = torch.cat([X for X, _ in batches])
            y_val = torch.cat([y for _, y in batches])
            history["val_loss"].append(model.loss(model(X_val), y_val).item())""")),
    Wrong("q4_lazylinear_init_discarded", "q4", "the manual init was discarded", """
class WeightDecayScratch(nn.Module):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__()
        self.lambd, self.lr = lambd, lr
        self.net = nn.LazyLinear(1)
        self.net.weight.data.normal_(0, sigma)
        self.net.bias.data.fill_(0)

    def forward(self, X):
        return self.net(X)

    def penalty(self):
        return self.lambd / 2 * (self.net.weight ** 2).sum()

    def loss(self, y_hat, y):
        return nn.MSELoss()(y_hat, y) + self.penalty()

    def configure_optimizer(self):
        return torch.optim.SGD([self.net.weight, self.net.bias], lr=self.lr)
"""),
    Wrong("q4_init_std_one", "q4", "standard deviation 1", _q4_model(init="torch.randn(num_inputs, 1)")),
    Wrong("q4_penalty_from_data", "q4", "compute it from the parameters themselves", _q4_model(
        penalty="self.lambd / 2 * (self.w.data ** 2).sum()")),
    Wrong("q4_optimizer_weight_decay_too", "q4", "the weights decay twice", _q4_model(
        optimizer="torch.optim.SGD([self.w, self.b], lr=self.lr, weight_decay=self.lambd)")),
    Wrong("q4_sgd_with_momentum", "q4", "no momentum", _q4_model(
        optimizer="torch.optim.SGD([self.w, self.b], lr=self.lr, momentum=0.9)")),
    Wrong("q4_loss_half_mse", "q4", "half the squared error", _q4_model(
        loss="((y_hat - y) ** 2).mean() / 2 + self.penalty()")),
    Wrong("q4_loss_without_penalty", "q4", "loss leaves out the penalty", _q4_model(
        loss="nn.MSELoss()(y_hat, y)")),
    Wrong("q4_optimizer_without_bias", "q4", "exactly the weights and the bias", _q4_model(
        optimizer="torch.optim.SGD([self.w], lr=self.lr)")),
    Wrong("q4_val_loss_mean_of_batch_means", "q4", "averages the batch means", _train_scratch(validation="""\
            mses = [nn.MSELoss()(model(X), y).item() for X, y in data.get_valloader()]
            history["val_loss"].append(sum(mses) / len(mses))""")),
    Wrong("q4_trains_on_validation_too", "q4", "gradient steps on validation data", _train_scratch(
        train_batches="list(data.get_trainloader()) + list(data.get_valloader())")),
    Wrong("weight_decay_on_the_weight_group_only", "q4", "decay twice", """
class WeightDecayScratch(nn.Module):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__()
        self.lambd, self.lr = lambd, lr
        self.w = nn.Parameter(torch.normal(0, sigma, (num_inputs, 1)))
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, X):
        return X @ self.w + self.b

    def penalty(self):
        return self.lambd / 2 * (self.w ** 2).sum()

    def loss(self, y_hat, y):
        return nn.MSELoss()(y_hat, y) + self.penalty()

    def configure_optimizer(self):
        return torch.optim.SGD([{"params": [self.w], "weight_decay": self.lambd}, {"params": [self.b]}], lr=self.lr)
"""),
    Wrong("best_lambda_returns_a_tensor", "q3", "return a plain Python number", """
def best_lambda(results):
    vals = torch.tensor([r["val_loss"] for r in results])
    lams = torch.tensor([float(r["lambd"]) for r in results])
    ok = ~vals.isnan()
    return lams[vals == vals[ok].min()]
"""),
    Wrong("best_lambda_returns_numpy", "q3", "returned a numpy.float64 object; return a plain Python number", """
import numpy as np
def best_lambda(results):
    vals = np.array([r["val_loss"] for r in results])
    lams = np.array([float(r["lambd"]) for r in results])
    return lams[np.nanargmin(vals)]
"""),
    Wrong("history_holds_tensors", "q4", "not a Python float: append loss.item()", """
def train_scratch(model, data, epochs):
    optimizer = model.configure_optimizer()
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        objectives = []
        for X, y in data.get_trainloader():
            objective = model.loss(model(X), y)
            optimizer.zero_grad()
            objective.backward()
            optimizer.step()
            objectives.append(objective.detach())
        history["train_loss"].append(sum(objectives) / len(objectives))
        with torch.no_grad():
            batches = list(data.get_valloader())
            X_val = torch.cat([X for X, _ in batches])
            y_val = torch.cat([y for _, y in batches])
            history["val_loss"].append(nn.MSELoss()(model(X_val), y_val))
    return history
"""),
    Wrong("forward_drops_the_column", "q4", "must return a tensor of shape (n, 1)", """
_Fixed = WeightDecayScratch
class WeightDecayScratch(_Fixed):
    def forward(self, X):
        return (X @ self.w + self.b).squeeze(-1)
"""),
]

RIGHT = [
    # --- q1
    Right("l1_penalty_via_linalg_norm", """
def l1_penalty(w):
    return torch.linalg.vector_norm(w, ord=1)
"""),
    Right("l1_penalty_torch_sum_abs", """
def l1_penalty(w):
    return torch.sum(torch.abs(w))
"""),
    Right("l1_update_expanded", """
def l1_sgd_update(w, grad, lr, lambd):
    return w - lr * grad - lr * lambd * w.sign()
"""),
    Right("l1_update_clone_then_sub_", """
def l1_sgd_update(w, grad, lr, lambd):
    new = w.clone()
    new.sub_(lr * (grad + lambd * torch.sign(w)))
    return new
"""),
    # --- q2
    Right("frobenius_trace_w_wt", """
def frobenius_sq(W):
    return torch.trace(W @ W.T)
"""),
    Right("frobenius_elementwise_product", """
def frobenius_sq(W):
    return (W * W).sum()
"""),
    Right("frobenius_linalg_norm_squared", """
def frobenius_sq(W):
    return torch.linalg.norm(W, 'fro') ** 2
"""),
    Right("frobenius_einsum", """
def frobenius_sq(W):
    return torch.einsum('ij,ij->', W, W)
"""),
    # --- q3
    Right("sweep_comprehension_with_unpacking", """
def sweep(lambdas, train_fn):
    return [{**train_fn(l), 'lambd': l} for l in lambdas]
"""),
    Right("best_lambda_sorted_filtered", """
import math

def best_lambda(results):
    finite = filter(lambda r: not math.isnan(r['val_loss']), results)
    return sorted(finite, key=lambda r: (r['val_loss'], -r['lambd']))[0]['lambd']
"""),
    Right("best_lambda_max_of_negated", """
import math

def best_lambda(results):
    finite = [r for r in results if r['val_loss'] == r['val_loss']]
    return max(finite, key=lambda r: (-r['val_loss'], r['lambd']))['lambd']
"""),
    Right("plot_semilogy_figure_legend", """
def plot_sweep(results):
    lambdas = [r['lambd'] for r in results]
    fig, ax = plt.subplots()
    ax.semilogy(lambdas, [r['train_loss'] for r in results], label='Training loss')
    ax.semilogy(lambdas, [r['val_loss'] for r in results], label='Validation loss')
    ax.set_xlabel('$\\\\lambda$')
    ax.set_ylabel('MSE')
    fig.legend()
    return fig
"""),
    # --- q4
    Right("q4_nn_linear_initialised_in_init", """
class WeightDecayScratch(nn.Module):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__()
        self.lambd, self.lr = lambd, lr
        self.linear = nn.Linear(num_inputs, 1)
        nn.init.normal_(self.linear.weight, 0, sigma)
        nn.init.zeros_(self.linear.bias)

    def forward(self, X):
        return self.linear(X)

    def penalty(self):
        return self.lambd / 2 * (self.linear.weight ** 2).sum()

    def loss(self, y_hat, y):
        return nn.MSELoss()(y_hat, y) + self.penalty()

    def configure_optimizer(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)
"""),
    Right("q4_lazylinear_initialised_after_materialising", """
class WeightDecayScratch(nn.Module):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__()
        self.lambd, self.lr = lambd, lr
        self.net = nn.LazyLinear(1)
        self.net(torch.zeros(1, num_inputs))  # materialise first, then initialise
        with torch.no_grad():
            self.net.weight.normal_(0, sigma)
            self.net.bias.zero_()

    def forward(self, X):
        return self.net(X)

    def penalty(self):
        return self.lambd / 2 * self.net.weight.pow(2).sum()

    def loss(self, y_hat, y):
        return nn.MSELoss()(y_hat, y) + self.penalty()

    def configure_optimizer(self):
        return torch.optim.SGD(self.net.parameters(), lr=self.lr)
"""),
    Right("q4_sgd_param_groups", _q4_model(
        optimizer="torch.optim.SGD([{'params': [self.w]}, {'params': [self.b], 'lr': self.lr}], lr=self.lr)")),
    Right("q4_custom_plain_sgd_optimizer", """
class PlainSGD(torch.optim.Optimizer):
    def __init__(self, params, lr):
        super().__init__(params, {'lr': lr})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group['lr'])
""" + _q4_model(optimizer="PlainSGD([self.w, self.b], lr=self.lr)")),
    Right("q4_val_mse_total_over_count", _train_scratch(validation="""\
            total, count = 0.0, 0
            for X, y in data.get_valloader():
                total += ((model(X) - y) ** 2).sum().item()
                count += y.numel()
            history["val_loss"].append(total / count)""")),
]

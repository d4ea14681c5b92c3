"""A generated class for ``grader similarity``'s tests: independent correct notebooks written differently,
plus planted pairs. Nothing is graded or run: the notebooks are recorded in a gradebook as graded.

Independence is made, not assumed: each function is assembled from independent choices (the approach,
how each step is spelled, helper variables, loop or comprehension, statement order, names, comments),
so two students agree on a whole function only by the chance that students do; written answers are
assembled from ideas, each with several phrasings and synonyms, in a random order and number.
"""
from __future__ import annotations

import builtins
import copy
import dataclasses
import hashlib
import io
import keyword
import random
import re
import tokenize
from pathlib import Path

import nbformat

from grader.classroom.gradebook import Gradebook
from grader.core.records import GradeReport
from grader.delivery.stub import make_stub

ASSIGNMENT_FOLDER = Path(__file__).resolve().parents[1] / "solutions" / "weight_decay"
NAMES = ["x", "v", "vec", "weights", "t", "tensor", "params", "theta", "arr", "inp", "w_in", "data_w", "vals"]
RESULTS = ["results", "rows", "out", "records", "table", "summary", "collected", "res", "runs", "entries"]
ITEMS = ["r", "row", "item", "entry", "rec", "d", "run", "res_i", "one", "elem"]
LOOP = ["lambd", "lam", "l", "reg", "lmbda", "strength", "penalty_weight", "lmb"]
COMMENTS = ["# compute it", "# main step", "# TODO check", "# done", "# as in the book", "# tested by hand",
            "# simple version", "# see lecture", "# works", "# hmm", "# vectorised", ""]


HABITS = {
    "sweep": ["lambdas = list(lambdas)", "assert callable(train_fn)", "print(\"sweeping\", len(lambdas), \"values\")",
              "if len(lambdas) == 0:\n        return []", "n_runs = len(lambdas)", "keys = (\"train_loss\", \"val_loss\", \"w_norm\")",
              "verbose = False", "assert all(l >= 0 for l in lambdas), \"negative lambda\""],
    "best": ["results = list(results)", "assert isinstance(results, list)", "if not results:\n        raise ValueError(\"empty\")",
             "n = len(results)", "debug = False", "print(\"choosing among\", len(results))", "tie_rule = \"larger\""],
    "plot": ["plt.close(\"all\")", "results = sorted(results, key=lambda r: r[\"lambd\"])", "n_points = len(results)",
             "assert results, \"nothing to plot\"", "plt.rcParams[\"figure.dpi\"] = 100", "style = \"seaborn\"",
             "colors = [\"tab:blue\", \"tab:orange\"]"],
    "train": ["model.train()", "n_batches = 0", "torch.manual_seed(0)", "assert epochs > 0", "print(\"training for\", epochs)",
              "best_val = float(\"inf\")", "steps = 0", "device = torch.device(\"cpu\")"],
    "init": ["self.name = \"wd\"", "self.history = []", "assert lambd >= 0", "self.steps = 0", "self.sigma = sigma",
             "self.initialised = True"],
    "update": ["assert w.shape == grad.shape", "w = w.detach()", "grad = grad.detach()", "eps = 0.0",
               "lr = float(lr)", "lambd = float(lambd)"],
}


def habits(rng, kind: str, indent: str = "    ") -> str:
    """A student's own habits at the start of a function body: 0-3 statements of their choosing."""
    chosen = rng.sample(HABITS[kind], rng.randint(0, 3))
    return "".join(indent + line.replace("\n    ", "\n" + indent) + "\n" for line in chosen)


def _pick(rng, options):
    return rng.choice(options)


def _comment(rng):
    c = _pick(rng, COMMENTS)
    return f"  {c}" if c and rng.random() < 0.3 else ""


def q1_code(rng) -> str:
    v = _pick(rng, NAMES)
    penalty = _pick(rng, [
        f"    return {v}.abs().sum()",
        f"    return torch.abs({v}).sum()",
        f"    return torch.sum(torch.abs({v}))",
        f"    total = torch.abs({v})\n    return total.sum()",
        f"    return torch.linalg.vector_norm({v}.flatten(), ord=1)",
        f"    return {v}.norm(p=1)",
        f"    s = 0\n    for e in {v}.flatten():\n        s = s + e.abs()\n    return torch.as_tensor(s)",
    ])
    g, step = _pick(rng, ["grad", "g", "gradient", "dl"]), _pick(rng, ["lr", "eta", "rate", "alpha"])
    update = _pick(rng, [
        f"    return {v} - {step} * ({g} + lambd * torch.sign({v}))",
        f"    sub = lambd * {v}.sign()\n    return {v} - {step} * {g} - {step} * sub",
        f"    direction = {g} + lambd * torch.sign({v})\n    new = {v} - {step} * direction\n    return new",
        f"    s = torch.sign({v})\n    return {v}.clone() - {step} * ({g} + lambd * s)",
        f"    return torch.sub({v}, {step} * torch.add({g}, torch.sign({v}), alpha=lambd))",
        f"    out = {v}.detach().clone()\n    out -= {step} * {g}\n    out -= {step} * lambd * torch.sign({v})\n    return out",
    ])
    first = f'def l1_penalty({v}):\n    """The L1 norm of ``w``: sum of |w_i| over all elements, as a 0-dim tensor."""\n{penalty}{_comment(rng)}\n'
    second = (f'def l1_sgd_update({v}, {g}, {step}, lambd):\n    """One SGD step on ``loss + lambd * ||w||_1``; '
              f'``grad`` is the gradient of ``loss`` alone."""\n{habits(rng, "update").replace("w.shape", v + ".shape").replace("w = w.", v + " = " + v + ".").replace("grad", g).replace("lr = float(lr)", step + " = float(" + step + ")")}{update}\n')
    return first + "\n\n" + second


def q2_code(rng) -> str:
    m = _pick(rng, ["W", "M", "A", "mat", "weights"])
    body = _pick(rng, [f"    return torch.trace({m}.T @ {m})", f"    return ({m}.t() @ {m}).trace()",
                       f"    g = torch.matmul({m}.transpose(0, 1), {m})\n    return torch.trace(g)",
                       f"    return torch.diagonal({m}.T.mm({m})).sum()",
                       f"    prod = {m}.mT @ {m}\n    return prod.diag().sum()"])
    return f'def frobenius_sq({m}):\n    """The squared Frobenius norm of the 2-D tensor ``W``, as trace(W^T W)."""\n{body}\n'


def q3_code(rng) -> str:
    res, it, lam = _pick(rng, RESULTS), _pick(rng, ITEMS), _pick(rng, LOOP)
    o = _pick(rng, ["out", "stats", "metrics", "m", "result", "info", "r_dict"])
    keys = ["train_loss", "val_loss", "w_norm"]
    rng.shuffle(keys)
    entry = _pick(rng, [
        "{" + f'"lambd": {lam}, ' + ", ".join(f'"{k}": {o}["{k}"]' for k in keys) + "}",
        "dict(lambd=" + lam + ", " + ", ".join(f'{k}={o}["{k}"]' for k in keys) + ")",
        "{" + f'"lambd": {lam}, **{{k: {o}[k] for k in {tuple(keys)!r}}}' + "}",
    ])
    sweep = _pick(rng, [
        f"    {res} = []\n    for {lam} in lambdas:\n        {o} = train_fn({lam})\n        {res}.append({entry})\n    return {res}",
        f"    def one({lam}):\n        {o} = train_fn({lam})\n        return {entry}\n\n    return [one({lam}) for {lam} in lambdas]",
        f"    {res} = [None] * len(lambdas)\n    for i, {lam} in enumerate(lambdas):\n        {o} = train_fn({lam})\n        {res}[i] = {entry}\n    return {res}",
        f"    {res} = []\n    i = 0\n    while i < len(lambdas):\n        {lam} = lambdas[i]\n        {o} = train_fn({lam})\n        {res}.append({entry})\n        i += 1\n    return {res}",
    ])
    nan = _pick(rng, [f'math.isnan({it}["val_loss"])', f'{it}["val_loss"] != {it}["val_loss"]',
                      f'not math.isfinite({it}["val_loss"])'])
    imp = "    import math\n" if "math." in nan else ""
    best = _pick(rng, [
        f'{imp}    ok = [{it} for {it} in results if not {nan}]\n    if not ok:\n        raise ValueError("no finite loss")\n'
        f'    return min(ok, key=lambda {it}: ({it}["val_loss"], -{it}["lambd"]))["lambd"]',
        f'{imp}    best = None\n    for {it} in results:\n        if {nan}:\n            continue\n'
        f'        if best is None or {it}["val_loss"] < best["val_loss"] or ({it}["val_loss"] == best["val_loss"] and {it}["lambd"] > best["lambd"]):\n'
        f'            best = {it}\n    if best is None:\n        raise ValueError("all NaN")\n    return best["lambd"]',
        f'{imp}    ranked = sorted((r for r in results if not {nan.replace(it, "r")}), key=lambda q: (q["val_loss"], -q["lambd"]))\n'
        f'    if len(ranked) == 0:\n        raise ValueError("nothing to choose from")\n    return ranked[0]["lambd"]',
        f'{imp}    lowest = float("inf")\n    chosen = None\n    for {it} in results:\n        if {nan}:\n            continue\n'
        f'        loss = {it}["val_loss"]\n        if loss < lowest or (loss == lowest and {it}["lambd"] > chosen):\n'
        f'            lowest, chosen = loss, {it}["lambd"]\n    if chosen is None:\n        raise ValueError("no valid run")\n    return chosen',
    ])
    xs = _pick(rng, ["lambdas", "xs", "lams", "x_vals", "grid"])
    fig, ax = _pick(rng, [("fig", "ax"), ("figure", "axes"), ("f", "a"), ("fig", "axis")])
    train_style = _pick(rng, ["label=", "marker='o', label="])
    val_style = _pick(rng, ["label=", "linestyle='--', label="])
    train_label = _pick(rng, ["train", "training loss", "train loss", "Train"])
    val_label = _pick(rng, ["validation", "val loss", "validation loss", "Val"])
    lines = [f'    {ax}.plot({xs}, [r["train_loss"] for r in results], {train_style}"{train_label}")',
             f'    {ax}.plot({xs}, [r["val_loss"] for r in results], {val_style}"{val_label}")']
    rng.shuffle(lines)
    extra = [f'    {ax}.set_xlabel("{_pick(rng, ["lambda", "λ", "regularization strength"])}")',
             f'    {ax}.set_ylabel("{_pick(rng, ["loss", "MSE", "mean squared error"])}")', f"    {ax}.set_yscale('log')"]
    rng.shuffle(extra)
    if rng.random() < 0.5:
        extra.append(f"    {ax}.legend()")
    if rng.random() < 0.4:
        extra.append(f'    {ax}.set_title("{_pick(rng, ["Sweep", "Loss vs lambda", "weight decay sweep"])}")')
    if rng.random() < 0.3:
        extra.append(f"    {fig}.tight_layout()")
    make = _pick(rng, [f"    {fig}, {ax} = plt.subplots()", f"    {fig}, {ax} = plt.subplots(figsize=(6, 4))",
                       f"    {fig} = plt.figure()\n    {ax} = {fig}.add_subplot(1, 1, 1)"])
    plot = f'    {xs} = [r["lambd"] for r in results]\n{make}\n' + "\n".join(lines + extra) + f"\n    return {fig}"
    functions = [
        f'def sweep(lambdas, train_fn):\n    """Train once per lambda, in order; one result dict per lambda."""\n{habits(rng, "sweep")}{sweep}\n',
        f'def best_lambda(results):\n    """The lambda with the smallest validation loss (the larger one on a tie; NaN never)."""\n{habits(rng, "best")}{best}\n',
        f'def plot_sweep(results):\n    """Training and validation loss against lambda, on a log loss axis; returns the Figure."""\n{habits(rng, "plot")}{plot}\n']
    return "\n\n".join(functions)


def q4_code(rng) -> str:
    w, b = _pick(rng, [("w", "b"), ("weight", "bias"), ("W", "b0"), ("coef", "intercept")])
    manual = rng.random() < 0.5
    if manual:
        init = _pick(rng, [f"        self.{w} = nn.Parameter(torch.normal(0, sigma, (num_inputs, 1)))\n        self.{b} = nn.Parameter(torch.zeros(1))",
                           f"        self.{w} = nn.Parameter(torch.randn(num_inputs, 1) * sigma)\n        self.{b} = nn.Parameter(torch.zeros(1))",
                           f"        {w} = torch.empty(num_inputs, 1)\n        nn.init.normal_({w}, 0.0, sigma)\n        self.{w} = nn.Parameter({w})\n        self.{b} = nn.Parameter(torch.tensor([0.0]))"])
        fwd = _pick(rng, [f"X @ self.{w} + self.{b}", f"torch.matmul(X, self.{w}) + self.{b}", f"X.mm(self.{w}).add(self.{b})"])
        wref, params = f"self.{w}", _pick(rng, [f"[self.{w}, self.{b}]", "self.parameters()", f"(self.{w}, self.{b})"])
    else:
        net = _pick(rng, ["net", "linear", "layer", "fc"])
        init = _pick(rng, [f"        self.{net} = nn.Linear(num_inputs, 1)\n        with torch.no_grad():\n            self.{net}.weight.normal_(0, sigma)\n            self.{net}.bias.zero_()",
                           f"        self.{net} = nn.Linear(num_inputs, 1)\n        nn.init.normal_(self.{net}.weight, mean=0.0, std=sigma)\n        nn.init.zeros_(self.{net}.bias)",
                           f"        self.{net} = nn.Linear(num_inputs, 1)\n        self.{net}.weight.data.normal_(0, sigma)\n        self.{net}.bias.data.fill_(0)"])
        fwd, wref = f"self.{net}(X)", f"self.{net}.weight"
        params = _pick(rng, ["self.parameters()", f"self.{net}.parameters()", f"[self.{net}.weight, self.{net}.bias]"])
    pen = _pick(rng, [f"self.lambd / 2 * ({wref} ** 2).sum()", f"0.5 * self.lambd * torch.sum({wref} * {wref})",
                      f"self.lambd * {wref}.pow(2).sum() / 2", f"self.lambd / 2 * torch.linalg.norm({wref}) ** 2",
                      f"(self.lambd / 2) * {wref}.square().sum()"])
    model_cls = (f'class WeightDecayScratch(nn.Module):\n    """{_pick(rng, ["Linear regression with L2 weight decay.", "Fixed version of the forum code.", "Scratch weight decay, fixed."])}"""\n\n'
                 f"    def __init__(self, num_inputs, lambd, lr, sigma=0.01):\n        super().__init__()\n"
                 f"        self.num_inputs, self.lambd, self.lr = num_inputs, lambd, lr\n{habits(rng, 'init', '        ')}{init}\n\n"
                 f"    def forward(self, X):\n        return {fwd}\n\n"
                 f"    def penalty(self):\n        return {pen}{_comment(rng)}\n\n"
                 f"    def loss(self, y_hat, y):\n        return {_pick(rng, ['nn.MSELoss()(y_hat, y)', 'nn.functional.mse_loss(y_hat, y)', '((y_hat - y) ** 2).mean()'])} + self.penalty()\n\n"
                 f"    def configure_optimizer(self):\n        return torch.optim.SGD({params}, lr=self.lr)\n")
    opt, hist, ep = _pick(rng, ["optimizer", "opt", "sgd", "optim"]), _pick(rng, ["history", "hist", "log", "h"]), _pick(rng, ["epoch", "_", "e", "ep"])
    step = [f"{opt}.zero_grad()", "l.backward()", f"{opt}.step()"]
    mean = _pick(rng, ["sum({0}) / len({0})", "float(np.mean({0}))", "torch.tensor({0}).mean().item()", "statistics.fmean({0})"])
    imports = "import numpy as np\n\n\n" if "np." in mean else "import statistics\n\n\n" if "statistics" in mean else ""
    tl = _pick(rng, ["losses", "batch_losses", "epoch_losses", "tl"])
    val = _pick(rng, [
        f"            Xv = torch.cat([X for X, _ in data.get_valloader()])\n            yv = torch.cat([y for _, y in data.get_valloader()])\n            {hist}['val_loss'].append(nn.MSELoss()(model(Xv), yv).item())",
        f"            se, n = 0.0, 0\n            for X, y in data.get_valloader():\n                se += ((model(X) - y) ** 2).sum().item()\n                n += len(y)\n            {hist}['val_loss'].append(se / n)",
        f"            pairs = list(data.get_valloader())\n            pred = torch.cat([model(X) for X, _ in pairs])\n            true = torch.cat([y for _, y in pairs])\n            {hist}['val_loss'].append(float(((pred - true) ** 2).mean()))",
    ])
    hist_init = _pick(rng, ['{"train_loss": [], "val_loss": []}', "dict(train_loss=[], val_loss=[])"])
    train = (f"def train_scratch(model, data, epochs):\n{habits(rng, 'train')}    {opt} = model.configure_optimizer()\n"
             f"    {hist} = {hist_init}\n"
             f"    for {ep} in range(epochs):\n        {tl} = []\n        for X, y in data.get_trainloader():\n"
             f"            l = model.loss(model(X), y)\n            " + "\n            ".join(step) +
             f"\n            {tl}.append(l.item())\n        {hist}['train_loss'].append({mean.format(tl)})\n"
             f"        with torch.no_grad():\n{val}\n    return {hist}\n")
    return imports + model_cls + "\n\n" + train


IDEAS = {
    "q1": [["the {l1|L1|lasso} {penalty|term|regulariser} adds {lambda|λ} times the sign of each weight to the gradient",
            "{its|the} gradient {contribution|part} is {lambda sign(w)|λ·sign(w)}, a {constant|fixed|same-size} push"],
           ["the {step|update} {becomes|is} w minus eta times {grad|the gradient} plus lambda sign w",
            "{so|hence|thus} w {gets|is} {updated|moved} by -eta (g + lambda sign(w))"],
           ["{l2|L2|ridge} {shrinks|scales down|pulls in} weights {in proportion|proportionally} to their size",
            "with {the|an} {l2|squared} penalty the pull {fades|weakens|gets smaller} near zero"],
           ["{l1|L1} {drives|sets|pushes} {small|tiny|little} weights to exactly zero {giving|making|producing} sparse {models|solutions}",
            "{sparsity|sparse weights} {comes|follows|results} from the {constant|fixed-size} {pull|push|step}"],
           ["at zero the sign is zero {so|and} {the weight|it} {stays|remains|is kept} {put|there|at zero}",
            "{sign(0)=0|the subgradient at zero} {means|says} a zero weight {stays|is not moved}"]],
    "q5": [["{early stopping|stopping early}: {watch|monitor|track} {the validation loss|validation error} and {stop|halt} when it {rises|goes up|increases}",
            "{keep|save} the {best|lowest-validation} {epoch|checkpoint} {instead of|rather than} training {to the end|forever}"],
           ["{dropout|random dropout} {randomly|stochastically} {zeroes|drops|removes} {units|activations|neurons} {during|in} training",
            "{noise injection|adding noise} to {inputs|weights|labels} {regularises|acts as a regulariser}"],
           ["{data augmentation|augmenting the data} {with|using} {flips|crops|rotations} {enlarges|grows|expands} the {training set|data}",
            "{transform|augment} {examples|samples} to {make|create|get} more {training data|samples} {for free|cheaply}"],
           ["{ensembles|bagging|model averaging} {reduce|lower|cut} {variance|overfitting}",
            "{average|combine} {several|many|multiple} {models|networks} {to|and} {reduce|lower} variance"],
           ["{batch normalization|batch norm} {also|sometimes} {has|gives} a {regularising|mild regularization} effect",
            "{label smoothing|smoothing the labels} {stops|prevents|keeps} the model {from being|becoming} {overconfident|too confident}"]],
}
FILLERS = ["I think", "In short", "Basically", "Note that", "Also", "Finally", "Overall", "First", "Then", ""]


def _fill(rng, template: str) -> str:
    return re.sub(r"\{([^{}]*)\}", lambda m: rng.choice(m.group(1).split("|")), template)


def answer(rng, qid: str) -> str:
    ideas = rng.sample(IDEAS[qid], rng.randint(3, len(IDEAS[qid])))
    sentences = []
    for idea in ideas:
        text = _fill(rng, rng.choice(idea))
        filler = rng.choice(FILLERS)
        sentences.append((f"{filler}, {text}" if filler else text[0].upper() + text[1:]) + ".")
    return " ".join(sentences)


SYNONYMS = {"weights": "parameters", "weight": "parameter", "reduce": "decrease", "training": "learning",
            "zero": "0", "constant": "fixed", "sparse": "sparser", "randomly": "at random", "monitor": "check",
            "stop": "end", "model": "network", "models": "networks", "variance": "the variance", "gradient": "derivative"}


def paraphrase(text: str) -> str:
    """A light paraphrase: a few words swapped for synonyms, the first two sentences swapped round."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if i % 6 == 3 and word.lower().strip(".,") in SYNONYMS:
            words[i] = word.replace(word.strip(".,"), SYNONYMS[word.lower().strip(".,")])
    sentences = re.split(r"(?<=\.) ", " ".join(words))
    if len(sentences) > 1:
        sentences[0], sentences[1] = sentences[1], sentences[0]
    return " ".join(sentences)


def renamed(code: str, seed: int) -> str:
    """``code`` with every name the student chose (not the assignment's names, not attributes) renamed and
    the comments replaced: what a student does to hide a copy."""
    keep = set(keyword.kwlist) | set(dir(builtins))
    keep |= {"torch", "nn", "plt", "np", "math", "statistics", "self", "l1_penalty", "l1_sgd_update", "frobenius_sq",
             "sweep", "best_lambda", "plot_sweep", "WeightDecayScratch", "train_scratch", "X", "y", "data", "model",
             "epochs", "results", "lambdas", "train_fn", "num_inputs", "lambd", "lr", "sigma", "y_hat"}
    rng = random.Random(seed)
    mapping: dict[str, str] = {}
    previous, result = "", []
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        string = tok.string
        if tok.type == tokenize.NAME and string not in keep and previous != ".":
            string = mapping.setdefault(string, f"{rng.choice(['tmp', 'my', 'val', 'q', 'z'])}_{len(mapping)}")
        elif tok.type == tokenize.COMMENT:
            string = rng.choice(["# my own approach", "# careful here", "# step", "# from scratch"])
        result.append((tok.type, string))
        previous = tok.string
    text = tokenize.untokenize(result)
    return "# written by me\n" + text


@dataclasses.dataclass(frozen=True)
class GeneratedClass:
    """ids of the independent students, the planted pairs as (kind, first, second, question), the stub-only
    ids, and the two who handed in the released solution."""

    independent: tuple[str, ...]
    planted: tuple[tuple[str, str, str, str], ...]
    stub_only: tuple[str, ...]
    solution_copies: tuple[str, ...]


def _cells_by_question(notebook) -> dict:
    where = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            for qid, name in (("q1", "def l1_penalty"), ("q2", "def frobenius_sq"), ("q3", "def sweep"),
                              ("q4", "class WeightDecayScratch")):
                if name in cell.source:
                    where[qid] = index
        elif cell.cell_type == "markdown" and cell.source.lstrip().startswith("<!-- answer "):
            where[cell.source.split()[2] + "_answer"] = index
    return where


def student_notebook(stub, seed: int):
    rng = random.Random(seed)
    notebook = copy.deepcopy(stub)
    where = _cells_by_question(notebook)
    for qid, make in (("q1", q1_code), ("q2", q2_code), ("q3", q3_code), ("q4", q4_code)):
        notebook.cells[where[qid]].source = make(rng)
    for qid in ("q1", "q5"):
        notebook.cells[where[qid + "_answer"]].source = f"<!-- answer {qid} -->\n{answer(rng, qid)}"
    for qid in ("q2", "q3", "q4", "q6"):
        notebook.cells[where[qid + "_answer"]].source = f"<!-- answer {qid} -->\n{_fill(rng, 'My answer: {see|as} the {code|plot} {shows|says}.')}"
    return notebook


def make_class(solution_path, folder, independent: int = 40, seed: int = 25) -> GeneratedClass:
    """Write the class's notebooks under ``folder``/notebooks and record them in ``folder``'s gradebook."""
    solution = nbformat.read(solution_path, as_version=4)
    stub = make_stub(solution)
    notebooks = {f"s{n:03d}": student_notebook(stub, seed * 1000 + n) for n in range(independent)}
    planted = []

    def plant(kind, source, question, change):
        copy_id = f"{kind}-of-{source}"
        notebooks[copy_id] = change(copy.deepcopy(notebooks[source]))
        planted.append((kind, source, copy_id, question))

    where = _cells_by_question(stub)
    plant("verbatim", "s001", "q3", lambda nb: nb)

    def rename(nb):
        for qid in ("q1", "q3", "q4"):
            nb.cells[where[qid]].source = renamed(nb.cells[where[qid]].source, seed)
        return nb
    plant("renamed", "s002", "q4", rename)

    def reorder(nb):
        q3, q4 = nb.cells[where["q3"]], nb.cells[where["q4"]]
        functions = re.split(r"\n\n\n(?=def )", q3.source)
        parts = [nbformat.v4.new_code_cell(f) for f in reversed(functions)]
        nb.cells[where["q3"]] = nbformat.v4.new_markdown_cell("(moved below)")
        nb.cells[where["q4"]: where["q4"] + 1] = parts + [q4]
        return nb
    plant("reordered", "s003", "q3", reorder)

    def one_question(nb):
        other = student_notebook(stub, seed * 1000 + 999)
        other.cells[where["q4"]].source = nb.cells[where["q4"]].source
        return other
    plant("one-question", "s004", "q4", one_question)

    def paraphrased(nb):
        other = student_notebook(stub, seed * 1000 + 998)
        text = nb.cells[where["q5_answer"]].source.split("\n", 1)[1]
        other.cells[where["q5_answer"]].source = f"<!-- answer q5 -->\n{paraphrase(text)}"
        return other
    plant("paraphrased", "s005", "q5", paraphrased)
    stub_only = ("stub-a", "stub-b", "stub-c")
    for sid in stub_only:
        notebooks[sid] = copy.deepcopy(stub)
    solution_copies = ("solution-a", "solution-b")
    for sid in solution_copies:
        notebooks[sid] = copy.deepcopy(solution)
    record_notebooks(folder, notebooks)
    return GeneratedClass(tuple(f"s{n:03d}" for n in range(independent)), tuple(planted),
                          stub_only, solution_copies)


def record_notebooks(folder, notebooks: dict) -> None:
    """Each notebook written to folder/notebooks/ID.ipynb and recorded in folder's gradebook as graded (with
    the repository's weight-decay assignment, which ``solution_path`` of ``make_class`` must belong to)."""
    (folder / "notebooks").mkdir(parents=True, exist_ok=True)
    with Gradebook(folder) as gradebook:
        gradebook.use_assignment("weight_decay", ASSIGNMENT_FOLDER)
        for sid, notebook in notebooks.items():
            path = folder / "notebooks" / f"{sid}.ipynb"
            nbformat.write(notebook, path)
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            report = GradeReport(submission_id=sid, source=str(path), assignment="weight_decay",
                                 assignment_version="test", sha256=sha, questions=())
            gradebook.record(report, sha, "{}")

"""The red-team suite: every attack notebook is graded in one batch per assignment, at full isolation.

Each attack replaces the q1 cell of an assignment's solution. For weight decay it
defines (or breaks) q1's functions itself; for dropout the same attack cell is
followed by a ``dropout_layer`` that calls the attack's ``l1_penalty``, so its
payload runs wherever q1's checks call the student (the file attacks, which try
the notebook reader, run once, with weight decay).

For each attack: q1 (the attacked question) earns nothing, the other
questions keep the points the reference solution earns (unless the attack
wrecks its own process by design), and the batch finishes. For the batch:
no secret appears in any output, nothing outside the scratch changed, no
listener was reached, no student process is left, and every page is free of
script and terminal escapes. A control batch graded without isolation shows
that the detectors do fire when the protection is absent.

``RED_TEAM_LEVEL=partial`` runs the same suite expecting reduced isolation (tests/security/
test_denied_kernel_features.py runs it so, with namespaces and Landlock denied): every result then
says which layers keep hidden files unreadable, and none was readable.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import html5lib
import nbformat
import pytest

from attacks import ATTACKS, FILE_ATTACKS, Attack, FileAttack
from grader.assignments.manifest import Limits, load_assignment
from grader.classroom.batch import BatchSettings, grade_batch
from grader.grading.pipeline import GradeOptions
from grader.sandbox.student_side.isolation import FIRST_STUDENT_UID

pytestmark = pytest.mark.security

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "weight_decay" / "weight_decay.ipynb"
ASSIGNMENT = load_assignment(ROOT / "solutions" / "weight_decay")
# What each assignment's q1 cell gets after the attack's code, so that q1's checks run its payload.
TARGETS = {"weight_decay": "", "dropout": "\n\ndef dropout_layer(X, dropout):\n    return l1_penalty(X)\n"}

LIMITS = Limits(cell=5.0, call=1.5)
PLACEHOLDERS = ("TOKEN", "SECRET_FILE", "OUT", "SUBS", "MARK", "PORT", "UNIX_SOCKET", "GRADER_PID")
PROTECTED_TREES = ("grader", "solutions", "exercises", "tests")
LEVEL = os.environ.get("RED_TEAM_LEVEL", "full")  # the level every result must report


def assert_expected_isolation(isolation: dict) -> None:
    assert isolation["level"] == LEVEL, isolation
    assert not isolation["hidden_readable"] and isolation["hidden_protected_by"], isolation


def fill(code: str, values: dict) -> str:
    for name in PLACEHOLDERS:
        code = code.replace("{%s!r}" % name, repr(values[name])).replace("{%s}" % name, str(values[name]))
    return code


class Listeners:
    """TCP and UDP on loopback, and a Unix socket anyone may connect to; records what reaches them."""

    def __init__(self, unix_path: Path):
        self.received: list = []
        self.open = True
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(str(unix_path))
        os.chmod(unix_path, 0o777)
        self.unix.listen()
        for sock in (self.tcp, self.udp, self.unix):
            sock.settimeout(0.2)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock):
        while self.open:
            try:
                if sock.type == socket.SOCK_DGRAM:
                    self.received.append(sock.recv(65536))
                else:
                    conn, _ = sock.accept()
                    self.received.append(conn.recv(65536) or b"<connected>")
                    conn.close()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return

    def close(self):
        self.open = False
        for sock in (self.tcp, self.udp, self.unix):
            sock.close()


def tree_digest(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def student_processes(home: Path) -> list[str]:
    """Processes of student uids whose working folder is under ``home`` (other graders may be running)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            cwd = ""
        if uid >= FIRST_STUDENT_UID and cwd.startswith(str(home)):
            found.append(f"pid {entry.name} uid {uid} in {cwd}")
    return found


def question_scores(results: dict, code_only: bool = False) -> dict[str, float]:
    """Points per question, a written answer awaiting review (a test without a status) counted at full marks;
    ``code_only`` leaves out written answers (an attack in code cannot touch them)."""
    totals: dict[str, float] = {}
    for test in results["tests"]:
        if code_only and ": written answer" in test["name"]:
            continue
        qid = test["tags"][0]
        points = test["score"] if "status" in test else test["max_score"]
        totals[qid] = round(totals.get(qid, 0.0) + points, 6)
    return totals


def hidden_secrets(assignment=ASSIGNMENT) -> list[str]:
    """Lines of the hidden checks found nowhere a student may look (public checks, notebooks, other code)."""
    hidden = assignment.checks_dir / "hidden"
    public_text = "\n".join(p.read_text() for p in [*ROOT.joinpath("grader").rglob("*.py"),
                                                      *(assignment.checks_dir / "public").glob("*.py"),
                                                      *assignment.folder.glob("*.py")])
    public_text += assignment.solution.read_text() + assignment.exercise.read_text()
    lines = {line.strip() for p in hidden.glob("*.py") for line in p.read_text().splitlines()}
    return sorted(line for line in lines if len(line) >= 30 and line not in public_text)


@dataclass
class Batch:
    out: Path
    token: str
    exit_code: int
    log: list
    listeners: Listeners
    marks: Path
    protected_before: dict
    protected_after: dict
    left_over: list
    control_scores: dict
    assignment: object

    def results(self, name: str) -> dict:
        return json.loads((self.out / name / "results.json").read_text())

    def submission_folders(self) -> list[Path]:
        return [p for p in self.out.iterdir() if p.is_dir()]

    def all_output_text(self) -> str:
        """Every file the batch wrote: results, feedback pages, the class summary and the gradebook."""
        return "\n".join(p.read_text(errors="replace") for p in self.out.rglob("*") if p.is_file())


def _file_attack_notebooks(subs: Path, base: dict) -> None:
    raw = SOLUTION.read_text()
    (subs / "truncated.ipynb").write_text(raw[: len(raw) // 2])
    (subs / "deeply-nested.ipynb").write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000 + ', "nbformat": 4}')
    data = json.loads(raw)
    text = json.dumps(data, indent=1)
    q1 = next(c for c in data["cells"] if c.get("id") == "q1-code")
    marker = f'"id": "{q1["id"]}",'
    assert marker in text
    (subs / "duplicate-keys.ipynb").write_text(text.replace(marker, marker + ' "source": "l1_penalty = None",', 1))
    huge = copy.deepcopy(base)
    next(c for c in reversed(huge.cells) if c.cell_type == "code").outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * (25 << 20))]
    nbformat.write(huge, subs / "huge-outputs.ipynb")
    claiming = _broken_q1(base)
    for cell in claiming.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="All tests passed: 14/14\n" * 40_000)]
            cell.execution_count = 1
    nbformat.write(claiming, subs / "moderate-outputs-claiming-success.ipynb")
    os.symlink(SOLUTION, subs / "symlink-to-the-solution.ipynb")
    impersonating = _broken_q1(base)
    impersonating.metadata["grader"] = {"assignment": "weight_decay", "score": 14, "isolation": "none",
                                        "hidden": False, "visibility": "visible"}
    for cell in impersonating.cells:
        cell.metadata["nbgrader"] = {"grade": True, "points": 100, "locked": True, "solution": False,
                                     "grade_id": cell.get("id", "x"), "checksum": "0" * 32}
    nbformat.write(impersonating, subs / "impersonated-grader-metadata.ipynb")
    nbformat.write(base, subs / ("terminal-escape-\x1b[2J-in-file-name.ipynb"))


def _broken_q1(base):
    broken = copy.deepcopy(base)
    next(c for c in broken.cells if c.get("id") == "q1-code").source = (
        "def l1_penalty(w):\n    return 'forged'\n\ndef l1_sgd_update(w, grad, lr, lambd):\n    return 'forged'\n")
    return broken


def grade_attacks(base: Path, attacks, isolation: str, assignment=ASSIGNMENT) -> Batch:
    token = "TOKEN" + secrets.token_hex(16)
    subs, out, marks = base / "submissions", base / "out", base / "marks"
    for folder in (subs, out, marks):
        folder.mkdir()
        os.chmod(folder, 0o777)  # only the isolation may stop writes here, not file modes
    secret_file = base / "host-secrets" / "api-key.txt"
    secret_file.parent.mkdir()
    secret_file.write_text(f"api_key={token}\n")
    os.chmod(secret_file.parent, 0o755)
    os.chmod(secret_file, 0o644)
    listeners = Listeners(base / "listener.sock")
    values = {"TOKEN": token, "SECRET_FILE": str(secret_file), "OUT": str(out), "SUBS": str(subs),
              "MARK": str(marks / "pwned-"), "PORT": listeners.port, "UNIX_SOCKET": str(base / "listener.sock"),
              "GRADER_PID": os.getpid()}
    notebook = nbformat.read(assignment.solution, as_version=4)
    nbformat.write(notebook, subs / "control.ipynb")
    for attack in attacks:
        if isinstance(attack, Attack):
            variant = copy.deepcopy(notebook)
            next(c for c in variant.cells if c.get("id") == "q1-code").source = \
                fill(attack.code, values) + TARGETS[assignment.name]
            nbformat.write(variant, subs / f"{attack.name}.ipynb")
    if any(isinstance(a, FileAttack) for a in attacks):
        _file_attack_notebooks(subs, notebook)
    protected_before = {tree: tree_digest(ROOT / tree) for tree in PROTECTED_TREES}
    os.environ["GRADER_TEST_SECRET"] = token
    log: list[str] = []
    home = base / "grader-tmp"
    if LEVEL != "full":
        # Without Landlock the child keeps no right to pass file modes: its scratch must be reachable by its
        # own uid, as under /tmp on Gradescope (pytest's base folder is root's alone).
        home = Path(tempfile.mkdtemp(prefix="red-team-grader-"))
        os.chmod(home, 0o755)
    home.mkdir(exist_ok=True)
    # The batch's workers put their warm processes and scratch folders here (TMPDIR reaches the workers).
    os.environ["TMPDIR"] = str(home)
    tempfile.tempdir = None
    try:
        exit_code = grade_batch([subs], out, assignment,
                                GradeOptions(limits=LIMITS, isolation=isolation,
                                             require_isolation=LEVEL if isolation == "auto" else "process"),
                                BatchSettings(workers=2, progress=False), log=lambda line, **_: log.append(line))
    finally:
        del os.environ["GRADER_TEST_SECRET"], os.environ["TMPDIR"]
        tempfile.tempdir = None
        listeners.close()
    control = json.loads((out / "control" / "results.json").read_text())
    batch = Batch(out, token, exit_code, log, listeners, marks, protected_before,
                 {tree: tree_digest(ROOT / tree) for tree in PROTECTED_TREES}, student_processes(home),
                 question_scores(control), assignment)
    if LEVEL != "full":
        shutil.rmtree(home, ignore_errors=True)  # outside pytest's folder: not removed with it
    return batch


_BATCHES: dict[str, Batch] = {}


def _batch_for(name: str, tmp_path_factory) -> Batch:
    """Each assignment's batch, graded once for the module (the file attacks go with weight decay's)."""
    if name not in _BATCHES:
        attacks = ATTACKS + FILE_ATTACKS if name == "weight_decay" else ATTACKS
        _BATCHES[name] = grade_attacks(tmp_path_factory.mktemp(f"red-team-{name}"), attacks, isolation="auto",
                                       assignment=load_assignment(ROOT / "solutions" / name))
    return _BATCHES[name]


@pytest.fixture(scope="module", params=sorted(TARGETS))
def batch(request, tmp_path_factory):
    return _batch_for(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def weight_decay_batch(tmp_path_factory):
    return _batch_for("weight_decay", tmp_path_factory)


def test_the_batch_ran_at_full_isolation(batch):
    """The suite fails, not skips, where CI lacks the isolation: require_isolation='full' raises then."""
    isolation = batch.results("control")["extra_data"]["isolation"]
    assert_expected_isolation(isolation)
    assert batch.control_scores and sum(batch.control_scores.values()) == pytest.approx(
        sum(q.points for q in batch.assignment.questions), abs=0.01)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_attack_earns_nothing_and_costs_nothing_else(batch, attack):
    results = batch.results(attack.name)
    scores = question_scores(results)
    earned = [(t["name"], t["score"]) for t in results["tests"] if t["tags"] == ["q1"] and t["score"] > 0]
    assert question_scores(results, code_only=True)["q1"] == 0, earned
    assert_expected_isolation(results["extra_data"]["isolation"])
    # Without a PID namespace, kill(-1) reaches the notebook's own process (its uid's only other process): it
    # sabotages itself, as SECURITY.md's "Not covered" allows; the grader and other notebooks are other uids.
    self_sabotage = LEVEL != "full" and attack.name == "signals-to-the-grader"
    if not attack.sabotage and not self_sabotage:
        others = {q: s for q, s in scores.items() if q != "q1"}
        expected = {q: s for q, s in batch.control_scores.items() if q != "q1"}
        assert others == expected


@pytest.mark.parametrize("attack", FILE_ATTACKS, ids=lambda a: a.name)
def test_malicious_file_is_refused_or_graded_on_its_code(weight_decay_batch, attack):
    batch = weight_decay_batch
    prefix = attack.name.split("\x1b")[0] + ("_" if "\x1b" in attack.name else "")
    candidates = [p for p in batch.submission_folders() if p.name == attack.name or "\x1b" in attack.name
                  and p.name.startswith(prefix)]
    assert len(candidates) == 1, [p.name for p in batch.submission_folders()]
    folder = candidates[0]
    results = json.loads((folder / "results.json").read_text())
    if not attack.graded:
        assert results["score"] == 0 and results["tests"] == []
        assert "could not be graded" in results["output"]
        return
    scores = question_scores(results)
    if attack.q1_zero:
        assert question_scores(results, code_only=True)["q1"] == 0
    assert {q: s for q, s in scores.items() if q != "q1" or not attack.q1_zero} == \
        {q: s for q, s in batch.control_scores.items() if q != "q1" or not attack.q1_zero}


def test_no_secret_reaches_any_output(batch):
    text = batch.all_output_text() + "\n".join(batch.log)
    assert batch.token not in text
    leaked = [line for line in hidden_secrets(batch.assignment) if line in text]
    assert not leaked, leaked[:5]
    # /etc/passwd is readable by every user: only Landlock keeps it from the child, so below full it may show.
    markers = ('"nbformat_minor"', "ref: refs/heads", "[core]") + (("root:x:0:0",) if LEVEL == "full" else ())
    for marker in markers:
        assert marker not in text, marker


def test_nothing_outside_the_scratch_changed(batch):
    assert batch.protected_after == batch.protected_before
    assert list(batch.marks.iterdir()) == []
    expected = {"results.json", "feedback.html"}
    for folder in batch.submission_folders():
        assert {p.name for p in folder.iterdir()} == expected, folder
    assert {p.name for p in batch.out.iterdir() if p.is_file()} <= {"index.html", "gradebook.sqlite",
                                                                   "gradebook.sqlite-wal", "gradebook.sqlite-shm"}
    assert not Path("/autograder/results/results.json").exists()


def test_no_listener_was_reached(batch):
    assert batch.listeners.received == []


def test_no_student_process_is_left(batch):
    assert batch.left_over == []


def test_every_notebook_got_a_result_and_the_batch_finished(batch):
    names = {p.name for p in batch.submission_folders()}
    assert {a.name for a in ATTACKS} <= names
    files = len(FILE_ATTACKS) if batch.assignment.name == "weight_decay" else 0
    assert len(names) == 1 + len(ATTACKS) + files
    # Files that could not be graded (the file attacks) make the exit code 1; every other notebook grades.
    assert batch.exit_code == (1 if files else 0)


def test_pages_carry_no_script_and_no_terminal_escapes(batch):
    for page in batch.out.glob("*/feedback.html"):
        source = page.read_text()
        assert "\x1b" not in source and "\x9b" not in source, page
        tree = html5lib.parse(source, namespaceHTMLElements=False)
        assert tree.findall(".//script") == [], page
        for element in tree.iter():
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (page, name)
                assert not value.strip().lower().startswith("javascript:"), (page, value)
    injected = (batch.out / "script-injection-in-feedback" / "feedback.html").read_text()
    assert "&lt;script&gt;alert(&#39;msg&#39;)&lt;/script&gt;" in injected  # shown, as text
    escaped = (batch.out / "terminal-escape-injection" / "feedback.html").read_text()
    assert "\\x1b[2J" in escaped  # shown as visible text
    assert all("\x1b" not in line and "\x9b" not in line for line in batch.log)


def test_flooding_output_is_cut_and_said(batch):
    page = (batch.out / "huge-stdout" / "feedback.html").read_text()
    assert "printed more than 8 MiB, so its process was stopped" in page


def test_without_isolation_the_detectors_fire(tmp_path):
    """The control: the same reading attacks, graded as plain processes, do leak, so the checks above
    would catch a hole."""
    leaking = [a for a in ATTACKS if a.name in ("secret-files-on-disk", "read-hidden-checks-from-disk")]
    control = grade_attacks(tmp_path, leaking, isolation="none")
    text = control.all_output_text()
    assert control.token in text
    assert any(line in text for line in hidden_secrets())

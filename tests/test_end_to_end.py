"""End to end, for each assignment folder, through the CLI in separate processes as its users run it:

- an instructor grades a class (the solution, the stub, one wrong submission, and the solution importing a
  library the warm process never imported) with ``--require-isolation full``: results.json, a feedback page
  with every question, the class summary;
- the Gradescope zip, unpacked and run as Gradescope runs it, gives the solution every point;
- a student's self-check in the release bundle passes every public check on the solution;
- an unprivileged user grades the same class at full isolation, with the same scores.

As root, the unprivileged user is a throwaway system account (``useradd``, removed afterwards) reached
through ``setpriv``. This environment's interpreter lives under ``/root`` (mode 700), which that account
cannot execute, so it gets a venv of the system's ``pythonX.Y`` (same version, same ABI) whose
site-packages holds a ``.pth`` line naming this environment's site-packages; PYTHONPATH names the
checkout, as for the grader's own warm process. Not as root, the same commands run as the current user.
"""
from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

import dropout_gallery
import gallery
from batch_helpers import question_scores, results, run_cli
from helpers import ROOT, appended
from grader.assignments.manifest import Assignment, load_assignment
from grader.delivery.written_outline import written_outline
from grader.sandbox.warm_process import clean_environment
from grader.sandbox.student_side.isolation import FULL, LAYERS
from test_gradescope import run_autograder

pytestmark = pytest.mark.e2e

# Each assignment with one of its gallery's wrong submissions (it loses points in its question only).
WRONG = {"weight_decay": next(c for c in gallery.WRONG if c.name == "l1_penalty_without_abs"),
         "dropout": next(c for c in dropout_gallery.WRONG if c.name == "q1_survivors_not_scaled")}
# The solution importing an installed library that the grader's warm process never imports: the child reads it
# under Landlock, from wherever the environment's packages are (a .pth file's folder, for the unprivileged account).
LAZY_IMPORT = "import jinja2\nprint(jinja2.__name__)\n"
STUDENTS = ("solution", "stub", "wrong", "lazy_import")
WRITTEN = re.compile(r"^[^:]+: written answer")
TIMEOUT = 600


def grade_args(course: "Course", submissions: Path, out: Path) -> list[str]:
    return ["grade", str(submissions), "--out", str(out), "--assignment", str(course.assignment.folder),
            "--require-isolation", "full", "--workers", "1"]


def cell_errors(result: dict) -> list[str]:
    return [line for line in result["output"].splitlines() if re.match(r"Cell \d+: ", line)]


def code_points(result: dict) -> float:
    return round(sum(t["score"] for t in result["tests"] if not WRITTEN.match(t["name"])), 4)


@dataclass
class Course:
    """One assignment, and its class graded by the instructor (as this test's user)."""

    assignment: Assignment
    submissions: Path  # one notebook per student: solution.ipynb, stub.ipynb...
    out: Path
    graded: subprocess.CompletedProcess

    @property
    def name(self) -> str:
        return self.assignment.name


@pytest.fixture(scope="module", params=sorted(WRONG))
def course(request, tmp_path_factory) -> Course:
    name = request.param
    assignment = load_assignment(ROOT / "solutions" / name)
    work = tmp_path_factory.mktemp(f"e2e-{name}")
    submissions = work / "submissions"
    submissions.mkdir()
    solution = nbformat.read(assignment.solution, as_version=4)
    nbformat.write(solution, submissions / "solution.ipynb")
    shutil.copy(assignment.exercise, submissions / "stub.ipynb")
    nbformat.write(appended(solution, WRONG[name].code), submissions / "wrong.ipynb")
    nbformat.write(appended(solution, LAZY_IMPORT), submissions / "lazy_import.ipynb")
    course = Course(assignment, submissions, work / "graded", None)
    course.graded = run_cli(*grade_args(course, submissions, course.out), cwd=work, timeout=TIMEOUT)
    return course


def test_class_graded_at_full_isolation(course):
    assert course.graded.returncode == 0, course.graded.stdout + course.graded.stderr
    graded = results(course.out)
    assert set(graded) == set(STUDENTS)
    total = course.assignment.total_points
    solution, stub, wrong, lazy_import = (graded[s] for s in STUDENTS)
    written = written_outline(course.assignment).written_points
    for result in (solution, lazy_import):
        # Every code point; the written answers await review (no status until a person reads them).
        assert result["score"] == round(total - written, 2) and result["extra_data"]["max_score"] == total
        assert all(t.get("status", "passed") == "passed" for t in result["tests"]) and not cell_errors(result), \
            cell_errors(result)
    assert code_points(stub) == 0, [t["name"] for t in stub["tests"] if t["score"]]
    case = WRONG[course.name]
    lost = {q: s for q, s in question_scores(wrong).items() if s != question_scores(solution)[q]}
    assert list(lost) == [case.question] and wrong["score"] < total, lost
    assert any(case.symptom in t["output"] for t in wrong["tests"] if t.get("status") == "failed")
    for student, result in graded.items():
        isolation = result["extra_data"]["isolation"]
        assert isolation["level"] == FULL and set(isolation["entered"]) == set(LAYERS), (student, isolation)
        page = (course.out / student / "feedback.html").read_text()
        for question in course.assignment.questions:
            assert f'<details class="question" id="{question.id}"' in page, (student, question.id)
        assert "isolation level: full" in page


def test_class_summary(course):
    page = (course.out / "index.html").read_text()
    assert f"{len(STUDENTS)} graded" in page
    # The summary names students by their mistakes, with links to their feedback; the solution made none.
    mistakes = page.split('<section id="mistakes">')[1].split("</section>")[0]
    assert 'href="stub/feedback.html#' in mistakes and 'href="wrong/feedback.html#' in mistakes
    assert "solution/feedback.html" not in mistakes


def test_gradescope_zip_gives_the_solution_every_point(course, tmp_path):
    autograder_zip = tmp_path / "autograder.zip"
    built = run_cli("gradescope", "build", course.name, "--out", autograder_zip, cwd=tmp_path, timeout=TIMEOUT)
    assert built.returncode == 0, built.stderr
    notebook = course.assignment.notebook
    process, result = run_autograder(autograder_zip, tmp_path,
                                     [(notebook, (course.submissions / "solution.ipynb").read_bytes())])
    assert process.returncode == 0, process.stderr
    # The autograder holds the code points; written answers are graded by people in Gradescope.
    assert result["score"] == round(written_outline(course.assignment).code_points, 2)
    assert all(t["status"] == "passed" for t in result["tests"])
    assert (tmp_path / "autograder-outline.txt").is_file()
    assert result["extra_data"]["isolation"]["level"] == FULL


def test_self_check_in_the_release_bundle_passes_every_public_check(course, tmp_path):
    # Not ``--out NAME`` from tmp_path: ``python -m`` puts the working folder on sys.path, where a folder of
    # the assignment's name would shadow the assignment's package (README's layout: release/NAME).
    bundle = tmp_path / "release" / course.name
    released = run_cli("release", course.name, "--out", bundle, cwd=tmp_path, timeout=TIMEOUT)
    assert released.returncode == 0, released.stderr
    assert not (bundle / "checks" / "hidden").exists()
    notebook = course.assignment.notebook
    shutil.copy(course.submissions / "solution.ipynb", bundle / notebook)
    checked = run_cli("check", notebook, "--strict", cwd=bundle, timeout=TIMEOUT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    found = re.search(r"Public checks: (\d+) of (\d+) passed, ([\d.]+) of ([\d.]+) points", checked.stdout)
    assert found, checked.stdout
    passed, public, earned, possible = found.groups()
    assert int(public) > 0 and passed == public and earned == possible
    assert (bundle / "feedback.html").exists()


# --- the same grading as an unprivileged user -------------------------------------------------------------------


@dataclass
class Account:
    """Who runs the unprivileged commands: the command prefix that becomes them, their python, and a folder
    they own for submissions and output."""

    name: str
    uid: int
    gid: int
    prefix: tuple[str, ...]
    python: str
    home: Path

    @property
    def tmp(self) -> Path:
        """The account's TMPDIR (torch leaves a cache folder, torchinductor_USER, in the grader's)."""
        return self.home / "tmp"

    def run(self, *args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
        env = env or {"PATH": "/usr/bin:/bin", "HOME": str(self.home), "TMPDIR": str(self.tmp), "LANG": "C.UTF-8",
                      "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
        return subprocess.run([*self.prefix, self.python, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=TIMEOUT)

    def give(self, path: Path) -> None:
        """Make ``path`` (and everything in it) the account's."""
        for item in [path, *path.rglob("*")]:
            os.chown(item, self.uid, self.gid, follow_symlinks=False)


def _venv_reaching_this_environment(folder: Path) -> str:
    """A venv of the system's python of this version whose site-packages names this environment's: the
    account can execute it, and it imports the same torch (same CPython ABI)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system_python = shutil.which(f"python{version}", path="/usr/local/bin:/usr/bin:/bin")
    if system_python is None:
        pytest.fail(f"no system python{version} for the unprivileged account (this one is {sys.executable})")
    subprocess.run([system_python, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = str(folder / "bin" / "python")
    theirs = json.loads(subprocess.run(
        [python, "-c", "import json, site, sysconfig; "
                       "print(json.dumps([site.getsitepackages()[0], sysconfig.get_config_var('SOABI')]))"],
        capture_output=True, text=True, check=True, timeout=60).stdout)
    assert theirs[1] == sysconfig.get_config_var("SOABI"), f"{system_python} has another ABI: {theirs[1]}"
    ours = [p for p in site.getsitepackages() if os.path.isdir(p)]
    Path(theirs[0], "grader-environment.pth").write_text("".join(f"{p}\n" for p in ours))
    return python


def _processes_of(uid: int, wait: float = 10.0) -> dict[int, str]:
    """pid: state and command line of the processes running as ``uid`` once ``wait`` seconds have passed
    or none is left (a process killed as its grader exits is a zombie for a moment, until init reaps it)."""
    deadline = time.monotonic() + wait
    while True:
        found = {}
        for entry in Path("/proc").iterdir():
            try:
                status = (entry / "status").read_text() if entry.name.isdigit() else ""
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                if fields and int(fields["Uid"].split()[0]) == uid:
                    command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    found[int(entry.name)] = f"{fields['State'].strip()} {command[:200]}"
            except (OSError, KeyError, ValueError):
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _owned_by(uid: int, folder: Path) -> list[Path]:
    """The entries of ``folder`` that ``uid`` owns (others come and go meanwhile: /tmp is shared)."""
    owned = []
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.lstat().st_uid == uid:
                owned.append(path)
    return owned


def _grader_leftovers(account: Account) -> list[str]:
    """What the account's graders left in its TMPDIR (their warm processes' folders), torch's caches aside."""
    return sorted(p.name for p in account.tmp.iterdir() if not p.name.startswith("torchinductor_"))


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    if os.getuid() != 0:
        account = Account(pwd.getpwuid(os.getuid()).pw_name, os.getuid(), os.getgid(), (), sys.executable,
                          tmp_path_factory.mktemp("unprivileged"))
        account.tmp.mkdir()
        yield account
        assert not _grader_leftovers(account), _grader_leftovers(account)
        return
    base = Path(tempfile.mkdtemp(prefix="grader-e2e-"))  # not under pytest's folder: root's, mode 700
    name = f"grader-e2e-{os.getpid()}"
    created = False
    problems = []
    try:
        os.chmod(base, 0o755)
        python = _venv_reaching_this_environment(base / "venv")
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                       check=True, capture_output=True, timeout=60)
        created = True
        entry = pwd.getpwnam(name)
        if shutil.which("setpriv"):
            prefix = ("setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups", "--")
        else:
            prefix = ("runuser", "-u", name, "--")
        home = base / "home"
        account = Account(name, entry.pw_uid, entry.pw_gid, prefix, python, home)
        account.tmp.mkdir(parents=True)
        account.give(home)
        yield account
        if _grader_leftovers(account):
            problems.append(f"the grader left {_grader_leftovers(account)} in {account.tmp}")
        left = _processes_of(entry.pw_uid)
        if left:
            problems.append(f"processes of {name} still running: {left}")
        stray = _owned_by(entry.pw_uid, Path(tempfile.gettempdir()))
        if stray:
            problems.append(f"files of {name} left in {tempfile.gettempdir()}: {stray}")
            for path in stray:
                shutil.rmtree(path, ignore_errors=True)
        for pid in left:  # started by this test, as the throwaway account: ended by their ids
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    finally:
        if created:
            removed = subprocess.run(["userdel", name], capture_output=True, text=True, timeout=60)
            if removed.returncode != 0:
                problems.append(f"userdel {name}: {removed.stderr.strip()}")
            for database in ("passwd", "group"):
                if subprocess.run(["getent", database, name], capture_output=True).returncode == 0:
                    problems.append(f"{name} is still in {database}")
        shutil.rmtree(base, ignore_errors=True)
    assert not problems, problems


@pytest.fixture(scope="module", autouse=True)
def leaves_the_repository_as_it_was():
    def status():
        return subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=all"],
                              capture_output=True, text=True, timeout=60).stdout
    before = status() if shutil.which("git") and (ROOT / ".git").exists() else None
    yield
    if before is not None:
        assert status() == before, "the end-to-end tests left files in the repository"


def test_the_account_is_unprivileged_and_imports_torch_in_the_grader_s_clean_environment(account):
    """The warm process is started with sys.executable and grader/sandbox/warm_process.py's clean environment."""
    probe = ("import json, os, sys, torch, grader\n"
             "caps = next(l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff:'))\n"
             "print(json.dumps({'uid': os.getuid(), 'euid': os.geteuid(), 'caps': caps, 'torch': torch.__version__,"
             " 'grader': grader.__file__, 'executable': sys.executable}))")
    env = clean_environment(str(account.home))
    ran = account.run("-c", probe, cwd=account.home, env=env)
    assert ran.returncode == 0, ran.stderr
    facts = json.loads(ran.stdout)
    assert facts["uid"] == facts["euid"] == account.uid and int(facts["caps"], 16) == 0
    if os.getuid() == 0:
        assert account.uid != 0 and facts["executable"] == account.python
    import torch

    assert facts["torch"] == torch.__version__
    assert Path(facts["grader"]).resolve().is_relative_to(ROOT)


def test_unprivileged_user_grades_the_class_the_same_at_full_isolation(course, account):
    folder = account.home / course.name
    folder.mkdir()
    shutil.copytree(course.submissions, folder / "submissions")
    # The account grades its own copy of the assignment, as an instructor grades a course's folder: while a
    # grader runs as root (another test worker), the checkout's solutions/ and tests/ are closed to other users.
    assignment = shutil.copytree(course.assignment.folder, folder / "assignment" / course.assignment.folder.name)
    account.give(folder)
    out = folder / "graded"
    args = grade_args(course, folder / "submissions", out)
    args[args.index(str(course.assignment.folder))] = str(assignment)
    graded = account.run("-m", "grader", *args, cwd=folder)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    theirs, ours = results(out), results(course.out)
    assert set(theirs) == set(ours) == set(STUDENTS)
    for student in STUDENTS:
        assert theirs[student]["score"] == ours[student]["score"], student
        assert question_scores(theirs[student]) == question_scores(ours[student]), student
        assert ([(t["name"], t.get("status")) for t in theirs[student]["tests"]]
                == [(t["name"], t.get("status")) for t in ours[student]["tests"]]), student
        isolation = theirs[student]["extra_data"]["isolation"]
        assert isolation["level"] == FULL and set(isolation["entered"]) == set(LAYERS), (student, isolation)
        assert (out / student / "feedback.html").stat().st_uid == account.uid
    assert theirs["solution"]["score"] == ours["solution"]["score"] > 0
    assert not cell_errors(theirs["lazy_import"]), cell_errors(theirs["lazy_import"])
    assert (out / "index.html").exists() and (out / "gradebook.sqlite").stat().st_uid == account.uid

"""`grader check` and `grader.check()`: a student's public checks, as a student runs them from the release bundle."""
import json
import os
import pty
import shutil
import subprocess
import sys

import nbformat
import pytest

from helpers import ROOT, SOLUTION, appended

pytestmark = pytest.mark.e2e

ENV = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="160")
# A student's exception message that tries to clear the screen, recolour and fake a verdict.
EVIL = "\x1b[2J\x1b[1;32mPASS all tests passed\x07\rOK"


def student_copy(bundle, tmp_path, notebook=None):
    """The bundle as a student has it, with their notebook in place of the stub (if given)."""
    folder = tmp_path / "homework"
    shutil.copytree(bundle, folder)
    if notebook is not None:
        nbformat.write(notebook, folder / "weight_decay.ipynb")
    return folder


def check(folder, *args):
    return subprocess.run([sys.executable, "-m", "grader", "check", "weight_decay.ipynb", *args], cwd=folder, env=ENV,
                          capture_output=True, text=True, timeout=600)


def check_on_a_tty(folder, *args) -> tuple[int, str]:
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "grader", "check", "weight_decay.ipynb", *args], cwd=folder,
                               env=ENV, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the pty reports EIO once the child has closed it
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return process.wait(timeout=600), b"".join(chunks).decode()


def test_stub_in_the_bundle_plain_text_and_honest(bundle, tmp_path):
    folder = student_copy(bundle, tmp_path)
    result = check(folder)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\x1b" not in out, "plain text when stdout is not a terminal"
    assert "FAIL   q1  l1_penalty sums absolute values  0.00 / 0.28" in out
    assert ("not implemented yet: l1_penalty(tensor shape (4,) float32 [1, -2, 0, 3.5]) still raises "
            "NotImplementedError") in out
    assert "Public checks: 0 of 7 passed, 0.00 of 2.36 points." in out
    assert "Still to be judged after you submit: 11.64 of 14 points (43 hidden checks" in out
    page = (folder / "feedback.html").read_text()
    assert 'id="pending"' in page and "11.64 of 14 points are still to be judged" in page
    assert check(folder, "--strict").returncode == 1


def test_solution_passes_every_public_check_but_is_not_told_all_passed(bundle, tmp_path):
    folder = student_copy(bundle, tmp_path, nbformat.read(SOLUTION, as_version=4))
    result = check(folder, "--strict", "--feedback", tmp_path / "mine.html")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Public checks: 7 of 7 passed, 2.36 of 2.36 points." in result.stdout
    assert "all tests passed" not in result.stdout.lower() and "Still to be judged" in result.stdout
    assert (tmp_path / "mine.html").exists() and not (folder / "feedback.html").exists()


def test_terminal_table_in_colour_with_student_control_sequences_neutralised(bundle, tmp_path):
    notebook = appended(nbformat.read(SOLUTION, as_version=4),
                        f"def l1_penalty(w):\n    raise ValueError({EVIL!r})\n")
    folder = student_copy(bundle, tmp_path, notebook)
    status, out = check_on_a_tty(folder, "--strict")
    assert status == 1
    assert "\x1b[" in out and "┃" in out, "a coloured rich table on a terminal"
    assert "\x1b[2J" not in out and "\x07" not in out and "\r" not in out.replace("\r\n", "\n")
    assert "\\x1b[2J\\x1b[1;32mPASS all tests passed\\x07\\x0dOK" in out
    plain = check(folder).stdout
    assert "raised ValueError: \\x1b[2J\\x1b[1;32mPASS all tests passed\\x07\\x0dOK" in plain and "\x1b" not in plain


def test_one_line_in_a_notebook_shows_the_same_result(bundle, tmp_path):
    """What Jupyter displays for `check()` as a cell's last expression: IPython's formatter on the result."""
    folder = student_copy(bundle, tmp_path)
    code = ("import json; from IPython.core.formatters import DisplayFormatter; from grader import check; "
            "data, _ = DisplayFormatter().format(check()); print(json.dumps(data))")
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, env=ENV, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    html, text = shown["text/html"], shown["text/plain"]
    assert "<table>" in html and html.count('<tr class="check failed">') == 7
    assert html.count('<tr class="check pending">') == 10  # q1-q4: code and written parts
    assert "Public checks: 0 of 7 passed, 0.00 of 2.36 points." in html
    assert "Still to be judged after you submit: 11.64 of 14 points" in html and "Still to be judged" in text
    assert (folder / "feedback.html").exists()


def test_unreadable_notebook_and_stale_checks_are_clear_errors(bundle, tmp_path):
    folder = student_copy(bundle, tmp_path)
    (folder / "weight_decay.ipynb").write_bytes(SOLUTION.read_bytes()[:3000])
    result = check(folder)
    assert result.returncode == 2 and result.stderr.startswith("grader: ") and "ends early" in result.stderr
    (folder / "checks/manifest.json").write_text('{"assignment": "weight_decay"')
    shutil.copy(SOLUTION, folder / "weight_decay.ipynb")
    result = check(folder)
    assert result.returncode == 2 and "unreadable" in result.stderr and "get the checks folder again" in result.stderr


def test_a_bundles_check_reads_the_shipped_reference_values_and_trains_nothing(bundle, tmp_path):
    """The reference sweep the child helpers table at import ships in checks/reference-values/: with an empty cache
    and the bundle's reference trainer made to raise, the warm process starts and the solution passes every public
    check (nothing trained, nothing written); without the shipped values the same check has to train, and fails."""
    folder = student_copy(bundle, tmp_path, nbformat.read(SOLUTION, as_version=4))
    shipped = folder / "checks" / "reference-values"
    assert [p.name.rsplit("-", 1)[0] for p in shipped.glob("*.bin")] == ["weight_decay.reference.reference_sweep"]
    reference = folder / "reference.py"
    trainer = "def train(lambd, data, w0, b0, lr=LR, epochs=EPOCHS):\n"
    assert trainer in reference.read_text()
    reference.write_text(reference.read_text().replace(trainer, trainer + "    raise RuntimeError('trained in the bundle')\n"))
    cache = tmp_path / "empty-cache"
    env = dict(ENV, GRADER_CACHE_DIR=str(cache))
    command = [sys.executable, "-m", "grader", "check", "weight_decay.ipynb"]
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Public checks: 7 of 7 passed" in result.stdout and not cache.exists()
    shutil.rmtree(shipped)
    trained = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert trained.returncode != 0 and "trained in the bundle" in trained.stderr

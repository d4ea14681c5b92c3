"""setup.sh's torch install: when PyTorch's CPU index fails, it says which index, version and Python it tried,
falls back to PyPI, and when that fails too says what to do. Run with stand-ins for apt-get, python3 and
pip (setup.sh itself installs from the internet), which record what they were asked."""
from __future__ import annotations

import os
import subprocess
import zipfile

import pytest

from helpers import ASSIGNMENT
from grader.delivery.gradescope.build import build_autograder_zip

PYTHON3 = r"""#!/bin/sh
# python3 -m venv DIR: a venv whose pip records its arguments and fails as FAIL_WHEN says.
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  cat > "$3/bin/pip" <<'PIP'
#!/bin/sh
echo "pip $*" >> "$PIP_LOG"
case "$*" in
  *"$FAIL_WHEN"*) echo "ERROR: Could not find a version that satisfies the requirement" >&2; exit 1 ;;
esac
exit 0
PIP
  printf '#!/bin/sh\necho 3.12\n' > "$3/bin/python"
  chmod +x "$3/bin/pip" "$3/bin/python"
fi
"""


def run_setup(tmp_path, fail_when: str):
    root = tmp_path / "autograder"
    out = tmp_path / "autograder.zip"
    build_autograder_zip(ASSIGNMENT, out)
    with zipfile.ZipFile(out) as archive:
        archive.extractall(root / "source")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    (fake / "python3").write_text(PYTHON3)
    for tool in fake.iterdir():
        tool.chmod(0o755)
    log = tmp_path / "pip.log"
    env = {"PATH": f"{fake}:/usr/bin:/bin", "AUTOGRADER_ROOT": str(root), "PIP_LOG": str(log),
           "FAIL_WHEN": fail_when, "LANG": "C.UTF-8"}
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=120)
    return done, log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def pinned():
    import torch

    return f"torch=={torch.__version__.split('+')[0]}"


def test_the_cpu_index_failing_falls_back_to_pypi_and_says_so(tmp_path, pinned):
    done, pip = run_setup(tmp_path, fail_when="--index-url")
    assert done.returncode == 0, done.stderr
    assert (f"could not install {pinned} for Python 3.12 from PyTorch's CPU index "
            "(https://download.pytorch.org/whl/cpu); trying PyPI") in done.stderr
    assert f"pip install --index-url https://download.pytorch.org/whl/cpu {pinned}" in pip
    assert f"pip install {pinned}" in pip  # PyPI
    assert any(line.endswith("grader-src") for line in pip)  # and the grader after it


def test_no_torch_anywhere_names_both_places_and_what_to_do(tmp_path, pinned):
    done, pip = run_setup(tmp_path, fail_when=pinned)
    assert done.returncode == 1
    assert f"{pinned} for Python 3.12 is neither on https://download.pytorch.org/whl/cpu nor on PyPI" in done.stderr
    assert "Ubuntu 22.04 or 24.04" in done.stderr
    assert not any(line.endswith("grader-src") for line in pip)  # stopped there


def test_the_cpu_index_working_is_all_it_takes(tmp_path, pinned):
    done, pip = run_setup(tmp_path, fail_when="no-such-argument")
    assert done.returncode == 0, done.stderr
    assert [line for line in pip if "torch" in line] == [
        f"pip install --index-url https://download.pytorch.org/whl/cpu {pinned}"]
    assert "trying PyPI" not in done.stderr and os.path.isdir(tmp_path / "autograder" / "venv")

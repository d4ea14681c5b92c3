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


# --- torchvision paired with the installed torch ([packages] install lists it, as d2l needs) ---------------
PYTHON3_WITH_TORCH = PYTHON3.replace(
    r"""printf '#!/bin/sh\necho 3.12\n'""",
    r"""printf '#!/bin/sh\ncase "$*" in *importlib.metadata*) echo "$TORCH_INSTALLED" ;; *) echo 3.12 ;; esac\n'""")
assert PYTHON3_WITH_TORCH != PYTHON3


def run_setup_declaring(tmp_path, fail_when: str, install: list[str]):
    """setup.sh of a copy of the assignment whose manifest declares d2l with ``install``, with stand-ins
    (pip records its arguments; the venv's torch is 2.13.0+cpu)."""
    import shutil

    from grader.assignments.manifest import load_assignment

    folder = tmp_path / "weight_decay"
    shutil.copytree(ASSIGNMENT.folder, folder)
    manifest = folder / "assignment.toml"
    text = manifest.read_text()
    packages = (f'[packages]\nimports = ["d2l.torch"]\ninstall = {install!r}\ninstall_no_deps = ["d2l==1.0.3"]\n\n'
                .replace("'", '"'))
    manifest.write_text(text.replace("[limits]", packages + "[limits]") if "[limits]" in text else text + "\n" + packages)
    root = tmp_path / "autograder"
    out = tmp_path / "autograder.zip"
    build_autograder_zip(load_assignment(folder), out)
    with zipfile.ZipFile(out) as archive:
        archive.extractall(root / "source")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    (fake / "python3").write_text(PYTHON3_WITH_TORCH)
    for tool in fake.iterdir():
        tool.chmod(0o755)
    log = tmp_path / "pip.log"
    env = {"PATH": f"{fake}:/usr/bin:/bin", "AUTOGRADER_ROOT": str(root), "PIP_LOG": str(log),
           "FAIL_WHEN": fail_when, "LANG": "C.UTF-8", "TORCH_INSTALLED": "2.13.0+cpu"}
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=120)
    return done, log.read_text().splitlines() if log.exists() else []


def test_torchvision_is_the_one_built_for_the_installed_torch_from_its_index(tmp_path):
    done, pip = run_setup_declaring(tmp_path, "no-such-argument", ["pandas", "scipy", "torchvision"])
    assert done.returncode == 0, done.stderr
    # The others under the grader's constraints from PyPI; torchvision from PyTorch's CPU index, where torch
    # came from, beside the installed torch's version (so pip picks the torchvision built for it).
    assert any(line.endswith("constraints.txt pandas scipy") for line in pip), pip
    assert "pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 torchvision" in pip, pip
    assert not any(line.endswith(" torchvision") and "--index-url" not in line for line in pip), pip
    assert pip[-1] == "pip install --no-deps d2l==1.0.3"


def test_torch_from_pypi_takes_torchvision_from_pypi_too(tmp_path):
    done, pip = run_setup_declaring(tmp_path, "--index-url", ["pandas", "torchvision==0.28.0"])
    assert done.returncode == 0, done.stderr
    assert "pip install torch==2.13.0 torchvision==0.28.0" in pip, pip


def test_no_torchvision_for_the_torch_says_which_torch_and_where(tmp_path):
    done, pip = run_setup_declaring(tmp_path, "torch==2.13.0 torchvision", ["torchvision"])
    assert done.returncode == 1
    assert ("could not install torchvision built for torch 2.13.0 from https://download.pytorch.org/whl/cpu: "
            "pin in the manifest's [packages] install the release made for torch 2.13.0") in done.stderr, done.stderr
    assert not any("d2l" in line for line in pip)  # stopped there

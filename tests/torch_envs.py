"""Python environments with another torch than the project's, and the packages an assignment declares, for
tests that grade notebooks importing them (d2l's ``from d2l import torch as d2l`` imports torchvision).

An environment is built the way the Gradescope zip's setup.sh builds /autograder/venv, from this machine's
package index: a venv, torch (with the torchvision built for it, or without), the grader's dependencies
(pyproject's, torch's range among them) under constraints pinning that torch, so pip proves the range
admits it, then the manifest's
``[packages] install`` under the same constraints and ``install_no_deps`` with ``--no-deps``. The grader
itself is not installed: tests run this checkout's ``grader`` on ``PYTHONPATH``, as
benchmarks/bench_single.py does, so a cached environment never grades with stale code.

Built once per recipe and kept outside the repository, in ``$GRADER_TEST_ENVS`` (default
``~/.cache/nb-autograder/test-envs``), under a name hashing the recipe (torch requirements, the grader's
dependencies, the packages): a second run, or another checkout, reuses it; a changed recipe builds anew.
A lock keeps two test runs from building the same one at once; a half-built environment is never used.
``.ci/run`` may build them before the tests (``python tests/torch_envs.py``) to keep the build out of a
test's time.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]

# What README's "Packages the notebooks import" declares for d2l (torchvision comes with the torch).
D2L_INSTALL = ("pandas", "requests", "scipy", "torchvision")
D2L_NO_DEPS = ("d2l==1.0.3",)


@dataclass(frozen=True)
class Recipe:
    """torch: the requirements installed first, in one pip call (``torch==X`` and the ``torchvision==Y``
    built for it, or only torch); install, install_no_deps: an assignment's ``[packages]``."""

    name: str
    torch: tuple[str, ...]
    install: tuple[str, ...] = D2L_INSTALL
    install_no_deps: tuple[str, ...] = D2L_NO_DEPS

    def key(self) -> str:
        recipe = {"python": sys.version_info[:2], "torch": self.torch, "install": self.install,
                  "no_deps": self.install_no_deps, "grader": _grader_dependencies(),
                  "constraints": _constraints_without_torch()}
        return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]


# torch 2.14.1 and torchvision 0.29.1 are built for each other (pip takes both from this machine's disk: a
# CUDA build, which runs on the CPU). The project's own torch 2.13.0 is a local CPU build that no
# torchvision on PyPI was built for: PyPI's torchvision 0.28.0 installs beside it and fails to import.
PAIRED = Recipe("paired", ("torch==2.14.1", "torchvision==0.29.1"))
MISMATCHED = Recipe("mismatched", ("torch==2.13.0",))
RECIPES = (PAIRED, MISMATCHED)


def envs_root() -> Path:
    return Path(os.environ.get("GRADER_TEST_ENVS") or Path.home() / ".cache" / "nb-autograder" / "test-envs")


def _constraints_without_torch() -> list[str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#") and not line.startswith("torch")]


def _grader_dependencies() -> list[str]:
    return list(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def python_of(recipe: Recipe, log=None) -> Path:
    """The interpreter of ``recipe``'s environment, built first if it is not there yet (minutes)."""
    root = envs_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{recipe.name}-{recipe.key()}"
    with open(root / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "built.json").is_file():
            _build(recipe, target, log or sys.stderr)
            _remove_superseded(recipe, target)
    return target / "bin" / "python"


def _remove_superseded(recipe: Recipe, kept: Path) -> None:
    """Other builds of the recipe (the grader's dependencies changed, say), each several GB, unless one is being built."""
    for other in kept.parent.glob(f"{recipe.name}-*"):
        if other == kept or not other.is_dir():
            continue
        with open(other.parent / f"{other.name}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(other, ignore_errors=True)


def _build(recipe: Recipe, target: Path, log) -> None:
    shutil.rmtree(target, ignore_errors=True)
    began = time.monotonic()
    python = target / "bin" / "python"

    def pip(*args):
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise RuntimeError(f"building the {recipe.name} test environment: pip install {' '.join(args)} failed:\n"
                               f"{done.stderr[-3000:]}")

    print(f"building the {recipe.name} test environment in {target} ...", file=log, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, timeout=300)
    pip(*recipe.torch)
    version = subprocess.run([str(python), "-c", "import torch; print(torch.__version__.split('+')[0])"],
                             capture_output=True, text=True, check=True, timeout=300).stdout.strip()
    constraints = target / "constraints.txt"
    constraints.write_text("\n".join([f"torch=={version}", *_constraints_without_torch()]) + "\n")
    pip("-c", str(constraints), *_grader_dependencies())  # torch's among them: pip refuses a torch outside its range
    if recipe.install:
        pip("-c", str(constraints), *recipe.install)
    if recipe.install_no_deps:
        pip("--no-deps", *recipe.install_no_deps)
    seconds = round(time.monotonic() - began, 1)
    (target / "built.json").write_text(json.dumps({"recipe": recipe.name, "torch": version, "seconds": seconds}))
    print(f"built the {recipe.name} test environment in {seconds} s", file=log, flush=True)


if __name__ == "__main__":
    # Build (or find) every environment, e.g. in CI before the tests: python tests/torch_envs.py
    for each in RECIPES:
        print(python_of(each, sys.stdout))

"""The grader's own files for the Gradescope zip, from a source checkout or from the installed package.

``setup.sh`` installs the grader from ``grader-src/`` in the zip: the ``grader`` package as this process
imports it, and a ``pyproject.toml``. In a checkout that is the checkout's own (with its README and
``constraints.txt``); from an installed wheel, one written from the installed distribution's metadata
(name, version, Python and dependencies, the ``grader`` command, package data), and constraints
pinning torch to the version installed here: the zip installs the same grader either way.
"""
from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import grader

DISTRIBUTION = "nb-autograder"
_PACKAGE_DATA = ["*.ini", "*.j2", "*.css", "*.js", "*.json"]


def _skipped(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix == ".pyc"


def package_dir() -> Path:
    return Path(grader.__file__).resolve().parent


def _checkout() -> Path | None:
    root = package_dir().parent
    return root if (root / "pyproject.toml").is_file() and (root / "constraints.txt").is_file() else None


def engine_entries() -> dict[str, bytes]:
    """``grader-src/...`` and ``constraints.txt`` entries of the zip."""
    package = package_dir()
    entries = {f"grader-src/grader/{path.relative_to(package).as_posix()}": path.read_bytes()
               for path in sorted(package.rglob("*")) if path.is_file() and not _skipped(path.relative_to(package))}
    root = _checkout()
    if root is not None:
        entries["constraints.txt"] = (root / "constraints.txt").read_bytes()
        for name in ("pyproject.toml", "README.md"):
            entries[f"grader-src/{name}"] = (root / name).read_bytes()
        return entries
    entries["grader-src/pyproject.toml"] = installed_pyproject().encode()
    entries["constraints.txt"] = installed_constraints().encode()
    return entries


def installed_pyproject() -> str:
    """A pyproject.toml that installs the grader as installed here (runtime dependencies, no extras)."""
    meta = metadata.metadata(DISTRIBUTION)
    requires = [r for r in (metadata.requires(DISTRIBUTION) or []) if not re.search(r"extra\s*==", r)]
    lines = ["[build-system]", 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', "",
             "[project]", f"name = {json.dumps(meta['Name'])}", f"version = {json.dumps(meta['Version'])}"]
    if meta["Requires-Python"]:
        lines.append(f"requires-python = {json.dumps(meta['Requires-Python'])}")
    lines += ["dependencies = [", *[f"    {json.dumps(r)}," for r in requires], "]", "",
              "[project.scripts]", 'grader = "grader.cli.main:main"', "",
              "[tool.setuptools.packages.find]", 'include = ["grader*"]', "",
              "[tool.setuptools.package-data]", f'"*" = {json.dumps(_PACKAGE_DATA)}', ""]
    return "\n".join(lines)


def installed_constraints() -> str:
    """torch pinned to the version installed here (without a local tag such as ``+cpu``)."""
    try:
        torch = metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError:
        return "# torch is not installed where the zip was built: setup.sh installs the newest CPU wheel\n"
    return f"# The torch the grader was installed with where the zip was built.\ntorch=={torch}\n"

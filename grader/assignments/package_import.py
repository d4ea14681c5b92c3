"""An assignment folder importable as a package, in the grader's process and in the warm process.

Kept apart from ``grader.assignments.manifest`` so the warm process registers the
package without reading manifests. The package is registered, not put on
``sys.path``: two assignments never see each other's modules, and a folder
registered again at another version (an instructor edited it) is imported
afresh, its old modules dropped from ``sys.modules``.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

from grader.core.errors import AssignmentError

_MARK = "__grader_assignment__"


def register_package(name: str, folder: Path, version: str) -> None:
    """Make ``folder`` the package ``name``: ``import name.module`` loads ``folder/module.py``."""
    location = str(Path(folder).resolve())
    current = sys.modules.get(name)
    if current is not None and getattr(current, _MARK, None) == (location, version):
        return
    if current is None and _is_a_module(name):
        raise AssignmentError(f"the assignment name {name!r} is also the name of an installed Python module, "
                              "which its checks could not import past; rename the assignment (name = ... in "
                              "assignment.toml)")
    if current is not None and getattr(current, _MARK, None) is None:
        raise AssignmentError(f"the assignment name {name!r} is already the name of a module in use; rename the "
                              "assignment (name = ... in assignment.toml)")
    forget_modules(name)
    package = types.ModuleType(name, f"The assignment folder {location}.")
    package.__path__ = [location]
    package.__file__ = None
    package.__package__ = name
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [location]
    package.__spec__ = spec
    setattr(package, _MARK, (location, version))
    sys.modules[name] = package


def _is_a_module(name: str) -> bool:
    """Whether ``name`` imports as a real module or package here. A bare folder of that name (say the
    assignment's release folder in the working folder) is only a namespace package: no clash."""
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.origin not in (None, "namespace")


def forget_modules(prefix: str) -> None:
    """Drop ``prefix`` and its submodules from ``sys.modules`` (they are imported afresh next time)."""
    for module in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[module]

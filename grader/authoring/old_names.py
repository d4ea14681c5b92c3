"""The modules an assignment folder imports by a name from before ``grader/`` was in packages by layer.

They still import (``grader/moved_modules.py`` serves every old name, with a DeprecationWarning), but that
warning is recorded, not printed, inside the grader's own pytest session; ``grader validate`` lists them
instead, with the new spelling, so an instructor can update the folder before the old names go.
"""
from __future__ import annotations

import ast
from pathlib import Path

from grader.moved_modules import MOVED


def old_module_names(folder: Path) -> list[tuple[str, int, str, str]]:
    """``(file relative to folder, line, old name, new name)`` for each import of a moved module."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError):
            continue  # validate reports files that do not parse
        for node in ast.walk(tree):
            names: list[str] = []
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif node.module and not node.level:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                if name in MOVED:
                    found.append((path.relative_to(folder).as_posix(), node.lineno, name, MOVED[name]))
    return found

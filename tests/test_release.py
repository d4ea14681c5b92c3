"""`grader release`: the student bundle has the stub, the public checks and a README, and nothing secret.

"Secret" is every line of the solution's marked regions and every line of the
hidden checks (the rubric of the written answers among them), less the lines
students get anyway: the provided cells and the forum code, the public checks
and the modules the manifest ships (the reference task is in the notebook too).
A wheel built from the repository (what `pip install` gives a student) holds
no assignment at all.
"""
import pytest
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat

from helpers import ASSIGNMENT, ROOT, SOLUTION
from grader.assignments import markers
from grader.checks.hidden_shares import collect_hidden_shares

pytestmark = pytest.mark.e2e

HIDDEN = ASSIGNMENT.checks_dir / "hidden"
PUBLIC = ASSIGNMENT.checks_dir / "public"
PUBLIC_MODULES = [ASSIGNMENT.folder / name for name in ASSIGNMENT.public_modules]
SHORT = 12  # shorter lines (`return w`, `)`) say nothing about a solution


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def solution_region_lines() -> tuple[set[str], set[str]]:
    """(lines inside BEGIN/END SOLUTION, lines students get anyway: outside the regions, and `#> ` forum code)."""
    secret, shipped, region = set(), set(), False
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        for line in cell.source.split("\n"):
            text = line.strip()
            if text in (markers.BEGIN_SOLUTION, markers.END_SOLUTION):
                region = text == markers.BEGIN_SOLUTION
            elif region and markers.STUB_LINE.match(line):
                shipped.add(markers.STUB_LINE.match(line).group(2).strip())
            elif region:
                secret.add(text)
            else:
                shipped.add(text)
    shipped |= {line.strip() for path in PUBLIC_MODULES for line in path.read_text().splitlines()}
    return secret - shipped, shipped


def hidden_check_lines() -> set[str]:
    """Hidden checks' lines, less those found in what students get anyway (public checks, provided cells)."""
    _, provided = solution_region_lines()
    shipped = "\n".join([*(path.read_text() for path in PUBLIC.glob("*.py")), *provided])
    lines = {line.strip() for path in HIDDEN.glob("*.py") for line in path.read_text().splitlines()}
    return {line for line in lines if line not in shipped}


def texts_of(folder: Path) -> dict[str, str]:
    """Every file's text; a notebook as its cells' sources (its JSON would escape quotes)."""
    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            texts[str(path)] = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


def leaks(folder: Path, secrets: set[str]) -> list[tuple[str, str]]:
    found = []
    for name, text in texts_of(folder).items():
        lines = {line.strip() for line in text.splitlines()}
        found += [(name, s) for s in secrets if len(s) >= SHORT and (s in lines or s in text)]
    return found


def test_bundle_holds_stub_public_checks_readme(tmp_path):
    result = cli("release", "weight_decay", "--out", tmp_path / "bundle", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    bundle = tmp_path / "bundle"
    files = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    # The solution's outputs the public checks compare with (the bundle holds no solution to run).
    outputs = [f for f in files if f.startswith("checks/solution-outputs/")]
    assert outputs and all(f.endswith((".bin", "signatures.json")) for f in outputs)
    # The reference values the public modules computed (the child helpers' reference sweep): `grader check` trains none.
    values = [f for f in files if f.startswith("checks/reference-values/")]
    assert [f.rsplit("-", 1)[0] for f in values] == ["checks/reference-values/weight_decay.reference.reference_sweep"]
    outputs += values
    assert [f for f in files if f not in outputs] == [
        "README.md", "assignment.toml", "checks/manifest.json",
        *sorted(f"checks/public/{p.name}" for p in PUBLIC.glob("*.py")), "child_helpers.py", "reference.py",
        "weight_decay.ipynb"]
    assert (bundle / "weight_decay.ipynb").read_text() == (ROOT / "exercises/weight_decay/weight_decay.ipynb").read_text()
    readme = (bundle / "README.md").read_text()
    assert "grader check weight_decay.ipynb" in readme and 'from grader import check; check("weight_decay.ipynb")' in readme
    manifest = json.loads((bundle / "checks/manifest.json").read_text())
    assert manifest["assignment"] == "weight_decay" and manifest["version"] == ASSIGNMENT.version
    shares = {s.question: s.checks for s in collect_hidden_shares(ASSIGNMENT)}
    assert {s["question"]: s["checks"] for s in manifest["hidden"]} == shares
    assert set(shares) == {"q1", "q2", "q3", "q4", "q5", "q6"}


def test_bundle_leaks_no_solution_line_and_no_hidden_check_line(tmp_path):
    assert cli("release", "weight_decay", "--out", tmp_path / "bundle", cwd=tmp_path).returncode == 0
    solution, _ = solution_region_lines()
    hidden = hidden_check_lines()
    secrets = {s for s in solution | hidden if len(s) >= SHORT}
    assert len({s for s in solution if len(s) >= SHORT}) > 30 and len({s for s in hidden if len(s) >= SHORT}) > 200
    assert leaks(tmp_path / "bundle", secrets) == []
    # The scan finds a leak when there is one: plant a rubric line and a solution line.
    planted = tmp_path / "planted"
    shutil.copytree(tmp_path / "bundle", planted)
    rubric = next(s for s in hidden if s.startswith('"q6"'))
    solution_line = next(s for s in sorted(solution) if len(s) >= 20)
    with open(planted / "checks/public/test_q1_l1.py", "a") as handle:
        handle.write(f"\n# {rubric}\n")
    notebook = nbformat.read(planted / "weight_decay.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(f"    {solution_line}"))
    nbformat.write(notebook, planted / "weight_decay.ipynb")
    assert {s for _, s in leaks(planted, secrets)} == {rubric, solution_line}


def test_release_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "old.txt").write_text("left over")
    result = cli("release", "weight_decay", "--out", tmp_path, cwd=tmp_path)
    assert result.returncode == 2 and "is not empty" in result.stderr


def test_wheel_ships_the_engine_and_no_assignment(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "grader", source / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                             "-q", "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "unpacked")
    assert "grader/delivery/gradescope/files/run_autograder.j2" in names and "grader/delivery/templates/student_readme.md.j2" in names
    assert "grader/authoring/templates/new/assignment.toml.j2" in names  # what grader new scaffolds
    assert not [n for n in names if "weight_decay" in n or n.startswith("solutions/")]
    # Nor under another name: no file of the wheel is a hidden check, and the written answers' rubric is nowhere.
    hidden_sources = {p.read_bytes() for p in HIDDEN.glob("*.py")}
    assert not [p for p in (tmp_path / "unpacked").rglob("*") if p.is_file() and p.read_bytes() in hidden_sources]
    rubric = {line.strip() for line in (HIDDEN / "test_written.py").read_text().splitlines()
              if line.strip().startswith('"q')}
    assert len(rubric) == 6 and leaks(tmp_path / "unpacked", rubric) == []

"""docs/checks-reference.md is generated from grader.checks' docstrings and must be up to date; every public
name has a docstring with an example."""
import inspect

import grader.checks as checks
from grader.checks import reference_page


def test_the_reference_page_is_up_to_date():
    assert reference_page.PAGE.read_text(encoding="utf-8") == reference_page.render(), \
        "run: python -m grader.checks.reference_page"


def test_every_public_name_and_method_has_a_docstring_with_an_example():
    missing = []
    for name in checks.__all__:
        obj = getattr(checks, name)
        members = [(name, obj)] + [(f"{name}.{m}", f) for m, f in inspect.getmembers(obj, inspect.isfunction)
                                   if inspect.isclass(obj) and not m.startswith("_")
                                   and obj.__module__.startswith("grader.checks.against")]
        missing += [label for label, member in members if "Example" not in (member.__doc__ or "")]
    assert not missing, missing

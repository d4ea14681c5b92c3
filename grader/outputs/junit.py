"""JUnit XML for CI: one ``testsuite`` per submission, one ``testcase`` per check.

Per check, not per input: a parametrized check's cases are folded into one testcase, as in results.json
and the feedback page (``grader/outputs/check_groups.py``); it fails when any input failed, its text
says how many and shows the first. Names and order are results.json's tests'.

A failed check is a ``<failure>`` whose message is the check's feedback; a
check whose own code raised is an ``<error>`` (the check is broken, not the
student's code); a check not judged yet (a written answer awaiting review, the hidden checks'
pending share in a self-check) is ``<skipped>``; a notebook that could not be
read is one ``<error>``. Shape: the common JUnit schema that CI report
readers (GitHub Actions reporters, GitLab, Jenkins) accept.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.outputs.check_groups import group_checks
from grader.outputs.evidence import group_output
from grader.outputs.rounding import rounded_points
from grader.core.records import ERROR, FAILED, PASSED, GradeReport

# Characters XML 1.0 cannot carry at all; student text may hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _testsuite(report: GradeReport) -> ET.Element:
    suite = ET.Element("testsuite", name=_xml_text(f"{report.assignment}.{report.submission_id}"),
                       time=f"{sum(report.timings.values()):.3f}")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if report.error:
        case = ET.SubElement(suite, "testcase", classname=_xml_text(report.submission_id), name="read the notebook")
        ET.SubElement(case, "error", message=_xml_text(report.error), type="NotGraded").text = _xml_text(report.error)
        counts.update(tests=1, errors=1)
    groups = [g for question in report.questions for g in group_checks(question.checks)]
    scores, maxes = rounded_points([g.score for g in groups], [g.max_score for g in groups])
    for group, score, most in zip(groups, scores, maxes):
        case = ET.SubElement(suite, "testcase", name=_xml_text(f"{group.question}: {group.name}"),
                             classname=_xml_text(f"{report.assignment}.{report.submission_id}.{group.question}"),
                             time="0")
        counts["tests"] += 1
        points = f"{score:.2f} of {most:.2f} points"
        status = group.status
        if status == ERROR:
            counts["errors"] += 1
            error = next(c.outcome.error for c in group.cases if c.outcome.status == ERROR)
            ET.SubElement(case, "error", message=_xml_text(error), type="CheckError").text = \
                _xml_text(f"{error}\n({points} held)")
        elif status == FAILED:
            counts["failures"] += 1
            output = group_output(group)
            first = (output or "the check failed").split("\n", 1)[0]
            ET.SubElement(case, "failure", message=_xml_text(first), type="CheckFailed").text = \
                _xml_text(f"{output}\n({points})")
        elif status != PASSED:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=_xml_text(f"{status}: {group.shown.message} ({points})"))
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def junit_xml(reports) -> str:
    root = ET.Element("testsuites", name="grader")
    suites = [_testsuite(r) for r in reports]
    root.extend(suites)
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(reports, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(reports), encoding="utf-8")

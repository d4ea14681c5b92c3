"""Modules that moved, by their old names: an old import still works and warns with the new spelling.

Assignment folders written before the packages by layer import, say,
``grader.errors`` or ``grader.results``; they get the module itself (the same object as its new name,
so isinstance checks and monkeypatching hold) and a DeprecationWarning naming where it lives now.
One finder serves every old name: no stub files at the old paths.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    'grader.answer_groups': 'grader.scoring.answer_groups',
    'grader.assignment': 'grader.assignments.manifest',
    'grader.assignment_imports': 'grader.assignments.package_import',
    'grader.assignment_shipping': 'grader.classroom.assignment_shipping',
    'grader.audit': 'grader.authoring.audit',
    'grader.audit.code_points': 'grader.authoring.audit.code_points',
    'grader.audit.equivalent': 'grader.authoring.audit.equivalent',
    'grader.audit.mistakes': 'grader.authoring.audit.mistakes',
    'grader.audit.mutants': 'grader.authoring.audit.mutants',
    'grader.audit.nothing': 'grader.authoring.audit.nothing',
    'grader.audit.regions': 'grader.authoring.audit.regions',
    'grader.audit.report': 'grader.authoring.audit.report',
    'grader.audit.run': 'grader.authoring.audit.run',
    'grader.batch': 'grader.classroom.batch',
    'grader.check_weights': 'grader.checks.weights',
    'grader.checkout': 'grader.authoring.checkout',
    'grader.checks.bundled_outputs': 'grader.grading.bundled_outputs',
    'grader.class_cli': 'grader.cli.grade',
    'grader.cli_assignment': 'grader.cli.assignment',
    'grader.cli_authoring': 'grader.cli.authoring',
    'grader.cli_delivery': 'grader.cli.delivery',
    'grader.cli_similarity': 'grader.cli.similarity',
    'grader.cluster': 'grader.classroom.cluster',
    'grader.deadline': 'grader.core.deadline',
    'grader.errors': 'grader.core.errors',
    'grader.execution': 'grader.sandbox.run_cells',
    'grader.export': 'grader.classroom.export',
    'grader.gradebook': 'grader.classroom.gradebook',
    'grader.gradescope': 'grader.delivery.gradescope',
    'grader.gradescope.build': 'grader.delivery.gradescope.build',
    'grader.gradescope.engine': 'grader.delivery.gradescope.engine',
    'grader.gradescope.files': 'grader.delivery.gradescope.files',
    'grader.gradescope.metadata': 'grader.delivery.gradescope.metadata',
    'grader.gradescope.results': 'grader.outputs.gradescope_results',
    'grader.gradescope.run': 'grader.delivery.gradescope.run',
    'grader.gradescope.watchdog': 'grader.delivery.gradescope.watchdog',
    'grader.hidden_shares': 'grader.checks.hidden_shares',
    'grader.markers': 'grader.assignments.markers',
    'grader.outputs.similarity_html': 'grader.similarity.pages',
    'grader.pipeline': 'grader.grading.pipeline',
    'grader.points_text': 'grader.core.points_text',
    'grader.release': 'grader.delivery.release',
    'grader.report_json': 'grader.classroom.stored_report',
    'grader.results': 'grader.core.records',
    'grader.review': 'grader.scoring.reviews',
    'grader.roster': 'grader.classroom.roster',
    'grader.rubric_items': 'grader.scoring.rubric_items',
    'grader.sandbox.child': 'grader.sandbox.student_side.child',
    'grader.sandbox.file_modes': 'grader.sandbox.student_side.file_modes',
    'grader.sandbox.hot_pages': 'grader.sandbox.student_side.hot_pages',
    'grader.sandbox.huge_pages': 'grader.sandbox.student_side.huge_pages',
    'grader.sandbox.isolation': 'grader.sandbox.student_side.isolation',
    'grader.sandbox.landlock': 'grader.sandbox.student_side.landlock',
    'grader.sandbox.namespaces': 'grader.sandbox.student_side.namespaces',
    'grader.sandbox.protocol': 'grader.sandbox.student_side.protocol',
    'grader.sandbox.scenario': 'grader.sandbox.student_side.scenario',
    'grader.sandbox.syscall_filter': 'grader.sandbox.student_side.syscall_filter',
    'grader.sandbox.warm': 'grader.sandbox.student_side.warm',
    'grader.scaffold': 'grader.authoring.scaffold',
    'grader.selfcheck': 'grader.delivery.selfcheck',
    'grader.serve.cli': 'grader.cli.serve',
    'grader.single_notebook': 'grader.grading.single_notebook',
    'grader.stub': 'grader.delivery.stub',
    'grader.stub_preprocessors': 'grader.delivery.stub_preprocessors',
    'grader.student_ids': 'grader.classroom.student_ids',
    'grader.submission': 'grader.assignments.read_notebook',
    'grader.templates.new': 'grader.authoring.templates.new',
    'grader.text': 'grader.core.text',
    'grader.validate': 'grader.authoring.validate',
    'grader.validate_checks': 'grader.authoring.validate_checks',
    'grader.worker': 'grader.classroom.worker',
    'grader.written_outline': 'grader.delivery.written_outline',
}


class _Alias(importlib.abc.Loader):
    def __init__(self, new: str):
        self.new = new

    def create_module(self, spec):
        warnings.warn(f"{spec.name} is now {self.new}: import it from there", DeprecationWarning, stacklevel=2)
        return importlib.import_module(self.new)

    def exec_module(self, module) -> None:
        pass


class MovedModules(importlib.abc.MetaPathFinder):
    """Finds an old module name only when nothing else did (it is last on sys.meta_path)."""

    def find_spec(self, fullname, path=None, target=None):
        new = MOVED.get(fullname)
        return importlib.util.spec_from_loader(fullname, _Alias(new)) if new else None


def install() -> None:
    if not any(isinstance(f, MovedModules) for f in sys.meta_path):
        sys.meta_path.append(MovedModules())

"""A student's notebook as an HTML fragment, rendered by nbconvert's HTMLExporter: safe, offline, math as MathML.

The exporter runs with our template (``templates/nbconvert/grader_notebook``,
built on nbconvert's ``lab`` cell markup, without its page head: no MathJax,
require.js or jQuery from a CDN, no widget scripts) and two changes of ours:

- ``StudentOutputSanitizer`` (nbconvert's ``SanitizeHTML``): drops outputs a
  page would have to run (``application/javascript``, widgets) and cleans
  ``text/html`` with ``safe_html.clean_student_html``; SVG is kept because the
  template shows it only as an ``<img>``, where its scripts never run.
- ``markdown2html`` renders math through ``safe_html.MathHoles`` (MathML,
  server-side) and cleans the student's HTML around it.

The whole output then passes ``safe_html.clean_rendered_html``; the page that
embeds the fragment also forbids scripts with its Content-Security-Policy.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import markupsafe
import nbformat

TEMPLATES = Path(__file__).with_name("templates") / "nbconvert"
# One output's text beyond this is cut, with a note: a loop that printed megabytes would make the page
# unusable and the feedback folder huge.
MAX_OUTPUT_CHARS = 20_000
_QUIET_LOG = logging.getLogger("grader.nbconvert")
_QUIET_LOG.setLevel(logging.ERROR)
_EXPORTING = threading.Lock()


@dataclass(frozen=True)
class NotebookView:
    """What a page shows of the graded notebook: ``html`` (a safe fragment) or, when it cannot be shown,
    ``missing`` saying why."""

    html: markupsafe.Markup | None = None
    missing: str = ""


def render_notebook(notebook: nbformat.NotebookNode) -> markupsafe.Markup:
    """``notebook`` (left unchanged: nbconvert works on a copy) as a safe, self-contained HTML fragment."""
    from grader.outputs.safe_html import MathHoles, clean_rendered_html

    holes = MathHoles()
    exporter = _exporter()
    with _EXPORTING:  # one exporter, built once (its templates compiled once), used by one page at a time
        exporter.holes = holes
        html, _ = exporter.from_notebook_node(notebook)
    # Formulas go in last: the final cleaning would strip MathML, so until then they are tokens.
    return markupsafe.Markup(holes.fill(clean_rendered_html(html)))  # noqa: S704 - cleaned just above


def notebook_view(source: str | Path, sha256: str, graded: bytes | None = None) -> NotebookView:
    """The graded notebook's view, from its file when the file is still the one that was graded.

    The grade report keeps the file's path and hash, not its cells' outputs; so outputs regenerated later
    (``grader export``, a review) render the file again when it is unchanged, and say that it is gone or
    changed otherwise, rather than show a notebook that is not the one graded.
    """
    if graded is not None:  # the bytes just graded (on a cluster worker, the driver's file is not here)
        return _view_of(graded, sha256, str(Path(source)))
    try:
        raw = Path(source).read_bytes()
    except OSError:
        return NotebookView(missing="The notebook file is no longer where it was graded from, so it is not "
                                    "shown here; your written answers and code above are from the graded file.")
    return _view_of(raw, sha256, str(Path(source)))


def _view_of(raw: bytes, sha256: str, source: str) -> NotebookView:
    if hashlib.sha256(raw).hexdigest() != sha256:
        return NotebookView(missing="The notebook file has changed since it was graded, so it is not shown "
                                    "here; your written answers and code above are from the graded file.")
    ahead = _RENDERED_AHEAD.pop((source, sha256), None)
    if ahead is not None:
        return ahead
    try:
        return NotebookView(html=render_notebook(nbformat.reads(raw.decode("utf-8"), as_version=4)))
    except Exception as error:  # noqa: BLE001 - the grade's files are written all the same, with this said
        return NotebookView(missing=f"The notebook could not be rendered here ({type(error).__name__}); "
                                    "your written answers and code above are from the graded file.")


# Views rendered while the notebook was being graded (one notebook from a cold start), by (file, sha256):
# the view depends on the file's bytes alone, which the hash pins. Each is taken by the page it was made for.
_RENDERED_AHEAD: dict[tuple[str, str], NotebookView] = {}


def render_ahead(source: str | Path) -> None:
    """Render the view of the notebook file ``source`` now, for the page written once it is graded
    (``notebook_view`` uses it while the file's hash is the same). Meant for a thread of its own while the
    notebook's cells and checks run: a first render pays nbconvert's import and template compilation."""
    path = Path(source)
    try:
        raw = path.read_bytes()
    except OSError:
        return  # said by notebook_view when the page is written
    sha256 = hashlib.sha256(raw).hexdigest()
    _RENDERED_AHEAD[(str(path), sha256)] = notebook_view(path, sha256)


def graded_notebook(report, graded: bytes | None = None) -> NotebookView | None:
    """The view of ``report``'s notebook for its feedback page, from ``graded`` (the bytes graded, when
    the caller holds them) or else its file; None for a file that could not be graded."""
    return None if report.error else notebook_view(report.source, report.sha256, graded)


def render_markdown(source: str, holes, attachments: dict | None = None) -> str:
    """A student's markdown as cleaned HTML (nbconvert's renderer; raw HTML through
    ``clean_student_html``), each formula held in ``holes`` (a ``safe_html.MathHoles``) for MathML;
    images only from the cell's own ``attachments``."""
    rendered, held = _markdown_rendered(source, json.dumps(attachments or {}, sort_keys=True))
    return holes.take_over(rendered, held)


@functools.lru_cache(maxsize=1024)
def _markdown_rendered(source: str, attachments: str):
    """A markdown cell rendered and cleaned, with the formulas it holds, kept: most of a render, and the
    cells a class was given (the instructions) are the same in every student's notebook. The formulas stay
    tokens of this rendering's own ``MathHoles``, which each page takes over into its own."""
    from grader.outputs.safe_html import MathHoles, clean_student_html

    holes = MathHoles()
    renderer_class, markdown_class = _markdown_classes()
    # escape=False: the student's raw HTML reaches clean_student_html, which keeps what is harmless
    # (a <br>, a <table>) and shows the rest as text, so a reviewer sees what was attempted.
    renderer = renderer_class(holes, escape=False, allow_harmful_protocols=False, attachments=json.loads(attachments),
                              embed_images=False, exclude_anchor_links=True)
    return clean_student_html(markdown_class(renderer=renderer).render(source)), holes


@functools.lru_cache(maxsize=1)
def _markdown_classes():
    # nbconvert takes over half a second to import: only pages that show a notebook pay for it.
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class MathHoleRenderer(IPythonRenderer):
        """nbconvert's markdown renderer with each formula held out for MathML (see ``MathHoles``)."""

        def __init__(self, holes, **options):
            super().__init__(**options)
            self.holes = holes

        def block_math(self, body: str) -> str:
            return self.holes.hold(body, display=True)

        def inline_math(self, body: str) -> str:
            return self.holes.hold(body, display=False)

        def latex_environment(self, name: str, body: str) -> str:
            return self.holes.hold(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

        def block_mermaidjs(self, code: str) -> str:
            return self.block_code(code)  # shown as code: drawing it would take mermaid.js

        def image(self, text: str, url: str, title=None) -> str:
            try:
                return super().image(text, url, title)
            except Exception:  # noqa: BLE001 - nbconvert raises for an attachment the cell does not have
                return self.escape_html(f"[image {url} not found in the notebook]")

    return MathHoleRenderer, MarkdownWithMath


@functools.lru_cache(maxsize=1)
def _exporter():
    """nbconvert's HTMLExporter with our template, markdown renderer and output sanitizer; every formula
    it meets goes into its ``holes``, set for each notebook."""
    from jinja2 import pass_context
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    from grader.outputs.safe_html import clean_student_html

    class SafeMarkdownExporter(HTMLExporter):
        @pass_context  # a context filter: the renderer needs the cell's attachments
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            return markupsafe.Markup(render_markdown(source, self.holes, cell.get("attachments")))  # noqa: S704

        def tex2html(self, tex):
            """A ``text/latex`` output (``$...$`` or ``$$...$$``, as sympy and IPython's Math write it)."""
            text = str(tex).strip()
            for mark in ("$$", "$"):
                if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
                    return self.holes.hold(text[len(mark):-len(mark)], display=True)
            return self.holes.hold(text, display=True)

        def default_filters(self):
            yield from super().default_filters()
            yield ("markdown2html", self.markdown2html)
            yield ("tex2html", self.tex2html)

        def from_notebook_node(self, nb, resources=None, **kw):
            """HTMLExporter's conversion without its last step, which re-parses the whole page with
            BeautifulSoup (a third of the render) only to add ``tabindex`` to cells and a placeholder ``alt`` to
            images without one: the final cleaning drops ``tabindex``, and a plot without alt text is no less
            accessible than one whose alt says it has none. Its two per-notebook filters are set as it sets
            them: the code highlighter for the notebook's language, and the widget-aware output chooser."""
            from nbconvert.exporters.templateexporter import TemplateExporter
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", lambda source, language=None, metadata=None: _highlighted(
                lexer, language, (metadata or {}).get("magics_language"), source))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    class StudentOutputSanitizer(SanitizeHTML):
        """nbconvert's output policy (MIME types it cannot trust dropped, HTML cleaned) with our allowlist;
        markdown cells are left to ``markdown2html``, raw cells are not shown."""

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "code":
                cell.outputs = [_capped(output) for output in self.sanitize_code_outputs(cell.outputs)]
            elif cell.cell_type == "raw":
                cell.source = ""
            return cell, resources

        def sanitize_html_tags(self, html_str):
            return clean_student_html(html_str)

    exporter = SafeMarkdownExporter(
        template_name="grader_notebook", extra_template_basedirs=[str(TEMPLATES)], exclude_input_prompt=True,
        exclude_output_prompt=True, exclude_anchor_links=True, embed_images=False)
    # nbconvert warns on stderr about every plot without alt text (each matplotlib figure): not the grader's
    # user's business, so only its errors are shown.
    exporter.log = _QUIET_LOG
    # SVG stays: the template shows it only as an <img>, where its scripts never run.
    exporter.register_preprocessor(StudentOutputSanitizer(
        safe_output_keys={"metadata", "text/plain", "text/latex", "text/markdown", "image/png", "image/jpeg",
                          "image/svg+xml"},
        sanitized_output_types={"text/html"}), enabled=True)
    return exporter


@functools.lru_cache(maxsize=4096)
def _highlighted(lexer, language, magics_language, source) -> str:
    """A code cell's source highlighted by pygments (a third of a render), kept: the cells a class was given
    are the same in every student's notebook. Of the cell's metadata pygments reads only
    ``magics_language``, hence the key."""
    from nbconvert.filters.highlight import Highlight2HTML

    return Highlight2HTML(pygments_lexer=lexer)(source, language,
                                                {"magics_language": magics_language} if magics_language else None)


def _capped(output):
    """The output with a stream's or plain result's text cut at MAX_OUTPUT_CHARS."""
    holders = [(output, "text"), (output.get("data") or {}, "text/plain")]
    for holder, key in holders:
        text = holder.get(key)
        if isinstance(text, str) and len(text) > MAX_OUTPUT_CHARS:
            holder[key] = f"{text[:MAX_OUTPUT_CHARS]}\n… {len(text) - MAX_OUTPUT_CHARS} more characters not shown"
    return output

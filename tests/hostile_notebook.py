"""A submission whose markdown, outputs and metadata try to run script in the pages that show it.

Every payload sets ``window.pwned`` (or navigates) if it runs; the pages that render a notebook must leave
it unset. Shared by the feedback and written-answer PDF tests.
"""
from __future__ import annotations

import copy

import nbformat

PAYLOADS_MARKDOWN = "\n\n".join([
    "# q1",  # a heading whose id would collide with the page's own question anchors
    "<script>window.pwned = 'markdown script'</script>",
    '<img src="x" onerror="window.pwned = \'img onerror\'">',
    "[click me](javascript:window.pwned='javascript link')",
    '<svg onload="window.pwned = \'inline svg\'"><circle r="5"/></svg>',
    '<iframe srcdoc="<script>parent.pwned = 1</script>"></iframe>',
    '<style>body { display: none }</style><div style="position:fixed;top:0;left:0">14 / 14 points</div>',
    '<details class="question" open><summary>fake question</summary></details>',
    "$\\text{<script>window.pwned = 'tex text'</script>}$ and $\\href{javascript:window.pwned=1}{x}$",
    '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
])

HTML_OUTPUT = ("<b>bold is fine</b><script>window.pwned = 'html output'</script>"
               "<img src=x onerror=\"window.pwned = 'html output img'\"><table><tr><td>cell</td></tr></table>")
SVG_OUTPUT = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" onload="window.pwned=\'svg onload\'">'
              "<script>window.pwned = 'svg script'</script><rect width='40' height='20' fill='teal'/></svg>")
LONG_LINE = "numbers = [" + ", ".join(str(i) for i in range(120)) + "]  # one long line"


def hostile(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` with hostile cells appended (their code does nothing when the grader runs it)."""
    variant = copy.deepcopy(notebook)
    variant.cells.append(nbformat.v4.new_markdown_cell(PAYLOADS_MARKDOWN))
    code = nbformat.v4.new_code_cell(f"{LONG_LINE}\nprint('x' * 400)")
    code.metadata["tags"] = ['"><script>window.pwned = "tag"</script>']
    code.execution_count = 3
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": HTML_OUTPUT, "text/plain": "<html>"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "window.pwned = 'js output'",
                                                      "text/plain": "<js>"}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": SVG_OUTPUT, "text/plain": "<svg>"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "<img src=x onerror=\"window.pwned='md out'\">"
                                                                      " and $x^2$"}),
        nbformat.v4.new_output("stream", name="stdout", text="<script>window.pwned = 'stdout'</script>" + "y" * 300),
    ]
    variant.cells.append(code)
    variant.cells.append(nbformat.v4.new_raw_cell("<script>window.pwned = 'raw cell'</script>"))
    return variant

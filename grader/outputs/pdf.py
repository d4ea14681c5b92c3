"""HTML to PDF, offline: Playwright drives an installed Chromium (Debian's ``chromium``), never a downloaded one.

nbconvert's WebPDFExporter prints with Playwright too, but launches only the
browser Playwright downloads (``playwright install``) and lets the page fetch
what it links to; here the executable is found on the system and every request
that is not ``file:`` or ``data:`` is refused and recorded, with JavaScript off.
The work runs in its own thread: Playwright's sync API refuses to run where an
event loop is already running, as in a Jupyter kernel.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.core.errors import PdfUnavailable

# Where to look for a browser: $GRADER_CHROMIUM first, then the usual names of Chromium and Chrome.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Quiet and offline: no update checks, sync or field trials reaching out while a PDF is printed.
ARGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-quic", "--disable-dev-shm-usage", "--disable-extensions", "--disable-field-trial-config"]


@dataclass(frozen=True)
class PrintedPdf:
    """path: the PDF written. refused: URLs the page asked for and did not get (none, for our pages)."""

    path: Path
    refused: tuple[str, ...] = ()


def chromium_executable() -> str:
    named = os.environ.get("GRADER_CHROMIUM")
    if named:
        if not Path(named).is_file():
            raise PdfUnavailable(f"GRADER_CHROMIUM={named} is not a file: point it at a Chromium or Chrome executable")
        return named
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailable("making a PDF needs Chromium or Chrome: install it (Debian/Ubuntu: apt-get install "
                         "chromium) or set GRADER_CHROMIUM to the browser's executable")


def html_to_pdf(html: str, target: Path) -> PrintedPdf:
    """Print the self-contained page ``html`` to ``target`` (A4, backgrounds on)."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise PdfUnavailable("making a PDF needs Playwright (it drives the installed Chromium): "
                             "pip install playwright; never `playwright install`, the system's browser is used") from error
    target = Path(target)
    outcome: dict = {}

    def run():
        try:
            outcome["refused"] = _print(sync_playwright, executable, html, target)
        except BaseException as error:  # noqa: BLE001 - handed to the calling thread
            outcome["error"] = error

    worker = threading.Thread(target=run, name="grader-pdf")
    worker.start()
    worker.join()
    if "error" in outcome:
        raised = outcome["error"]
        if isinstance(raised, PdfUnavailable):
            raise raised
        raise PdfUnavailable(f"Chromium ({executable}) could not print the PDF: {raised}; check that it starts "
                             f"(`{executable} --headless --version`)") from raised
    return PrintedPdf(target, tuple(outcome["refused"]))


def _print(sync_playwright, executable: str, html: str, target: Path) -> list[str]:
    refused: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    # Chromium refuses to start its sandbox as root (containers, CI); a student's own account keeps it.
    args = ARGS + (["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])
    with tempfile.TemporaryDirectory(prefix="grader-pdf-") as folder, sync_playwright() as playwright:
        page_file = Path(folder) / "page.html"
        page_file.write_text(html, encoding="utf-8")
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            context.route("**/*", guard)
            page = context.new_page()
            page.goto(page_file.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            page.pdf(path=str(partial), format="A4", print_background=True,
                     margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
            os.replace(partial, target)
        finally:
            browser.close()
    return refused

"""Student-written HTML made safe to show, and TeX made MathML, for pages that work offline.

Everything a student controls (markdown cells, ``text/html`` outputs, cell
tags) passes ``clean_student_html``: an allowlist of presentational tags, no
``style``/``id``/event attributes, links only to http(s)/mailto/#, images only
as ``data:image/...`` (so a page never fetches anything). Math is rendered on
the server by latex2mathml into MathML, which Chromium draws natively: no
MathJax, no CDN, no script.

Math and sanitizing meet through placeholders: the markdown renderer swaps
each formula for a random token (``MathHoles``), bleach cleans the HTML around
it, and only then are the tokens replaced, in text nodes only, by MathML that
passed its own allowlist. bleach would strip MathML, and TeX sanitized as HTML
would turn ``a < b`` into ``a &lt; b``.

Why three HTML libraries, each for one job (bleach and BeautifulSoup are
nbconvert's own dependencies, installed with it in any case; nh3 is the one
this module adds):
- bleach cleans what a student wrote: its html5lib token stream takes filters,
  which turn an image that is not embedded into a note (``_ImagesWithoutSource``),
  and with ``strip=False`` a disallowed tag is shown escaped, as the student
  typed it, instead of vanishing. nh3 has neither: it can only drop.
- nh3 (ammonia, in Rust) is the last gate over the whole rendered page, where
  bleach's pure-Python parser took a third of a render.
- BeautifulSoup finds math tokens inside attribute values (an image's alt
  text), which must become TeX source, not MathML; it parses only a page
  where a cheap pattern says a token may sit in an attribute.
"""
from __future__ import annotations

import functools
import html
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass, field
from xml.etree import ElementTree

import bleach
import nh3
from bleach.html5lib_shim import Filter
from bs4 import BeautifulSoup
from latex2mathml.converter import convert_to_element as latex_to_element

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var"})
# No id/name (a student's heading "q1" must not collide with the page's own anchors or clobber the DOM),
# no style (a student's CSS could draw a fake score over the real one), no on* handlers.
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "abbr": {"title"},
               "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align", "scope"},
               "ol": {"start"}, "col": {"span"}, "colgroup": {"span"}}
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$")
_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)
_NUMBER = re.compile(r"^\d{1,5}%?$")


def _student_attribute(tag: str, name: str, value: str) -> bool:
    if name not in _ATTRIBUTES.get(tag, ()):
        return False
    if name == "src":
        return bool(_IMAGE_DATA.match(value))  # no URL at all: nothing is fetched, nothing refused by the CSP
    if name == "href":
        return bool(_LINK.match(value.strip()))
    if name in ("width", "height", "colspan", "rowspan", "start", "span"):
        return bool(_NUMBER.match(value.strip()))
    return True


class _ImagesWithoutSource(Filter):
    """An image whose source was dropped (a file, a URL) becomes a note with its alt text, not a broken icon."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "img" \
                    and (None, "src") not in token["data"]:
                alt = token["data"].get((None, "alt"), "")
                yield {"type": "Characters",
                       "data": f"[image not shown ({alt}): only images embedded in the notebook are]" if alt
                       else "[image not shown: only images embedded in the notebook are]"}
            else:
                yield token


# bleach's Cleaner keeps parser state: one per thread.
_CLEANERS = threading.local()


def clean_student_html(html: str) -> str:
    """``html`` from a student with every tag and attribute outside the allowlist escaped or dropped:
    a ``<script>`` shows as text, an ``onerror`` disappears, an image that is not embedded becomes a note."""
    if not hasattr(_CLEANERS, "student"):
        _CLEANERS.student = bleach.Cleaner(tags=TAGS, attributes=_student_attribute,
                                           protocols={"http", "https", "mailto", "data"}, strip=False,
                                           strip_comments=True, filters=[_ImagesWithoutSource])
    return _CLEANERS.student.clean(html)


def _layout_attribute(tag: str, name: str, value: str) -> str | None:
    # The exporter's own markup: classes for layout and highlighting, the rest as for students.
    return value if name == "class" or _student_attribute(tag, name, value) else None


# The last gate runs over the whole page (the exporter's markup, highlighted code, plots), where bleach's
# pure-Python html5lib took a third of a render. nh3 (ammonia, on html5ever: an HTML5 parser in Rust) applies the
# same allowlist: TAGS, class anywhere plus the students' attributes, each value checked by _layout_attribute
# (one that raises drops the attribute). Other tags go and their text stays, as with bleach's strip=True, except
# that script and style, and MathML or SVG (foreign content, never in the exporter's output), go with their
# content. No rel is added to links, as bleach added none.
_GATE_ATTRIBUTES = {"*": {"class"}} | {tag: set(names) for tag, names in _ATTRIBUTES.items()}
_GATE = nh3.Cleaner(tags=set(TAGS), attributes=_GATE_ATTRIBUTES, attribute_filter=_layout_attribute,
                    url_schemes={"http", "https", "mailto", "data"}, strip_comments=True, link_rel=None)


def clean_rendered_html(html: str) -> str:
    """The whole of an exporter's output, cleaned once more: a last gate for anything a template let
    through from the notebook (tags, ids, execution counts) that ``clean_student_html`` never saw."""
    return _GATE.clean(html)


# Presentation MathML (latex2mathml's output) and the attributes that only lay it out. latex2mathml also knows
# \href, \class and \style: their attributes are dropped here. So is xmlns: in HTML the parser puts <math> in
# the MathML namespace by itself, and a page without any "http://" shows at a glance that it links nothing.
MATHML_TAGS = frozenset({
    "math", "mi", "mn", "mo", "ms", "mspace", "mtext", "mrow", "mfrac", "msqrt", "mroot", "mstyle", "merror",
    "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
    "mtable", "mtr", "mtd", "mlabeledtr", "semantics", "annotation", "mfenced", "mmultiscripts", "mprescripts",
    "none"})
MATHML_ATTRIBUTES = frozenset({
    "display", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder", "lspace",
    "rspace", "minsize", "maxsize", "movablelimits", "columnalign", "columnspacing", "columnlines", "rowspacing",
    "rowlines", "rowalign", "frame", "framespacing", "width", "height", "depth", "linethickness", "scriptlevel",
    "displaystyle", "symmetric", "largeop", "form", "notation", "mathsize", "open", "close", "separators",
    "align", "voffset", "encoding"})


# The same formulas recur in every student's notebook (the instructions are the same for a class), and the
# result is a plain string that depends on the arguments only.
@functools.lru_cache(maxsize=1024)
def tex_to_mathml(tex: str, display: bool) -> str | None:
    """MathML for ``tex`` (block layout when ``display``), or None when latex2mathml cannot read it or
    makes an element outside the allowlist."""
    try:
        root = latex_to_element(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any TeX it cannot read is shown as source instead
        return None
    for element in root.iter():
        if element.tag not in MATHML_TAGS:
            return None
        for name in [name for name in element.attrib if name not in MATHML_ATTRIBUTES]:
            del element.attrib[name]
        # latex2mathml writes symbols as entity text ("&#x02016;") and its convert() unescapes the whole
        # serialized tree, which turns \text{<script>} into a real tag. Here only the entities become
        # characters, and ElementTree escapes the text again.
        element.text = html.unescape(element.text) if element.text else element.text
        element.tail = html.unescape(element.tail) if element.tail else element.tail
        _letters_in_their_variant(element)
    return ElementTree.tostring(root, encoding="unicode")


# MathML Core (what Chromium implements) ignores mathvariant other than "normal": \mathbf W, \mathbb R and
# \mathcal N would all come out as italic letters. Unicode has those letters as characters of their own
# (Mathematical Alphanumeric Symbols, plus a few in Letterlike Symbols such as ℝ), which any math font draws.
_VARIANTS = {"bold": "BOLD", "italic": "ITALIC", "bold-italic": "BOLD ITALIC", "double-struck": "DOUBLE-STRUCK",
             "script": "SCRIPT", "bold-script": "BOLD SCRIPT", "fraktur": "FRAKTUR", "bold-fraktur": "BOLD FRAKTUR",
             "sans-serif": "SANS-SERIF", "bold-sans-serif": "SANS-SERIF BOLD",
             "sans-serif-italic": "SANS-SERIF ITALIC", "monospace": "MONOSPACE"}


def _letters_in_their_variant(element) -> None:
    variant = _VARIANTS.get(element.get("mathvariant", ""))
    if variant is None or not element.text:
        return
    element.text = "".join(_variant_character(character, variant) for character in element.text)
    element.set("mathvariant", "normal")  # the characters carry the style now; no automatic italic on top


def _variant_character(character: str, variant: str) -> str:
    try:
        name = unicodedata.name(character)
    except ValueError:
        return character
    # "LATIN CAPITAL LETTER W" -> "CAPITAL W"; "GREEK SMALL LETTER LAMDA" -> "SMALL LAMDA"; "DIGIT ONE" stays.
    short = re.sub(r"^(LATIN|GREEK) (CAPITAL|SMALL) LETTER ", r"\2 ", name)
    if short == name and not name.startswith("DIGIT "):
        return character
    for candidate in (f"MATHEMATICAL {variant} {short}", f"{variant} {short}"):  # ℝ is "DOUBLE-STRUCK CAPITAL R"
        try:
            return unicodedata.lookup(candidate)
        except KeyError:
            continue
    return character


@dataclass
class MathHoles:
    """Formulas taken out of a text, each replaced by an unguessable token until ``fill`` puts MathML
    (or, when latex2mathml fails, the TeX source as code) where each token is."""

    formulas: list[tuple[str, bool]] = field(default_factory=list)
    _nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    def hold(self, tex: str, display: bool) -> str:
        self.formulas.append((tex, display))
        return f"mathhole{self._nonce}x{len(self.formulas) - 1}x"

    def take_over(self, markup: str, other: "MathHoles") -> str:
        """``markup`` made with ``other``'s tokens (a rendering kept for reuse), each of its formulas held
        here instead; ``other`` is left as it was."""
        if not other.formulas:
            return markup
        return re.sub(f"mathhole{other._nonce}x" + r"(\d+)x",
                      lambda m: self.hold(*other.formulas[int(m.group(1))]), markup)

    def fill(self, markup: str) -> str:
        """``markup`` (cleaned HTML) with each token replaced: by MathML in text, by the TeX source inside
        an attribute (an image's alt text), where markup cannot live."""
        prefix = f"mathhole{self._nonce}x"
        if not self.formulas or prefix not in markup:
            return markup
        token = re.compile(prefix + r"(\d+)x")
        # Parsing the page to find tokens in attribute values costs more than the rest of ``fill``; this
        # pattern finds every place where a token could be in one (after "=", inside a quoted value up to its
        # quote, or an unquoted one up to whitespace or ">", as HTML's tokenizer reads them), and more. Only
        # when it finds one is the page parsed; else every token is text, as the parse would have found.
        if not re.search(r"""=\s*(?:"[^"]*|'[^']*|[^\t\n\f\r >]*)""" + prefix, markup):
            return token.sub(lambda m: self._formula(int(m.group(1))), markup)
        soup = BeautifulSoup(markup, "html.parser")
        in_attributes = False
        for element in soup.find_all(True):
            for name, value in element.attrs.items():
                if isinstance(value, str) and prefix in value:
                    element.attrs[name] = token.sub(lambda m: self._source(int(m.group(1))), value)
                    in_attributes = True
        # What is left of the tokens is text (alphanumeric, so the cleaning kept them as they were).
        return token.sub(lambda m: self._formula(int(m.group(1))), str(soup) if in_attributes else markup)

    def _source(self, index: int) -> str:
        tex, display = self.formulas[index]
        return f"$${tex}$$" if display else f"${tex}$"

    def _formula(self, index: int) -> str:
        tex, display = self.formulas[index]
        mathml = tex_to_mathml(tex, display)
        if mathml is None:
            return f'<code class="tex">{html.escape(self._source(index))}</code>'
        return mathml

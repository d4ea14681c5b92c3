"""Fingerprints of a text: normalised tokens, hashed k-grams, and winnowing (Schleimer, Wilkerson and Aiken,
SIGMOD 2003, the method of MOSS).

Code is read by Python's own tokenizer (``tokenize``), so strings, comments and
line continuations are what Python says they are. Comments and blank lines are
dropped; every name a student chooses becomes ``V`` (keywords, builtins and
attribute names after a dot stay: a renamer cannot rename ``torch.sign``);
numbers become ``N`` and strings ``S``. Renamed identifiers, changed comments
and re-spaced code therefore leave the token stream as it was.

Written answers become lower-case words without stop words and with a crude
plural/tense ending cut, so a light paraphrase ("the weights shrink" /
"weights are shrinking") keeps most of its word k-grams.

Each k-gram is hashed (BLAKE2b, 8 bytes: the same on every run, unlike
``hash()``), and winnowing keeps the smallest hash of every window of ``w``
consecutive k-grams: any match of at least ``k + w - 1`` tokens shares a
fingerprint, and a document keeps about ``2 / (w + 1)`` of its k-grams.
"""
from __future__ import annotations

import builtins
import hashlib
import io
import keyword
import re
import tokenize
import unicodedata
from dataclasses import dataclass

CODE_K, CODE_WINDOW = 8, 4  # a shared run of 11 tokens or more always shows
TEXT_K, TEXT_WINDOW = 3, 3  # a shared run of 5 content words or more always shows

_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_FALLBACK_TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\"[^\"\n]*\"|'[^'\n]*'|#[^\n]*|\S")
_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset("""a an the and or but of to in on at by for from with as is are was were be been being it its
this that these those there here than then so such we our you your i my me he she they them their his her
which who whom what when where while if because also can could would should will shall may might do does did
has have had not no very just more most into onto about over under up down out each any all some one""".split())
_ENDINGS = ("ing", "ed", "es", "s", "ly")


@dataclass(frozen=True)
class Token:
    """A normalised token and where it is in the text: ``text[start:end]``."""

    value: str
    start: int
    end: int


def code_tokens(text: str) -> list[Token]:
    """``text`` (Python source) as normalised tokens; source Python cannot tokenize is split by a
    regular expression instead, with the same normalisation."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(row: int, col: int) -> int:
        return starts[min(row - 1, len(starts) - 1)] + col

    tokens: list[Token] = []
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in _SKIPPED:
                continue
            value = _normal(tok.type, tok.string, previous)
            tokens.append(Token(value, offset(*tok.start), offset(*tok.end)))
            previous = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens, previous = [], ""
        for match in _FALLBACK_TOKEN.finditer(text):
            word = match.group()
            if word.startswith("#"):
                continue
            kind = (tokenize.NAME if word[0].isalpha() or word[0] == "_" else tokenize.NUMBER if word[0].isdigit()
                    else tokenize.STRING if word[0] in "\"'" else tokenize.OP)
            tokens.append(Token(_normal(kind, word, previous), match.start(), match.end()))
            previous = word
    return tokens


def _normal(kind: int, string: str, previous: str) -> str:
    if kind == tokenize.NAME:
        return string if string in _KEPT_NAMES or previous == "." else "V"
    if kind == tokenize.NUMBER:
        return "N"
    if kind == tokenize.STRING or kind == getattr(tokenize, "FSTRING_START", -1):
        return "S"
    if kind == tokenize.NEWLINE:
        return ";"
    if kind == tokenize.INDENT:
        return "{"
    if kind == tokenize.DEDENT:
        return "}"
    return string


def text_tokens(text: str) -> list[Token]:
    """A written answer as content words: lower case, compatibility forms folded (NFKC), stop words
    dropped, a plural or tense ending cut."""
    folded = unicodedata.normalize("NFKC", text)
    tokens = []
    for match in _WORD.finditer(folded):
        word = match.group().lower()
        if word in STOP_WORDS:
            continue
        tokens.append(Token(_stem(word), match.start(), match.end()))
    return tokens


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if len(word) > len(ending) + 3 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def winnow(tokens: list[Token], k: int, window: int, salt: str = "") -> dict[int, tuple[tuple[int, int], ...]]:
    """The fingerprints of ``tokens``: hash -> the spans ``(start, end)`` of the k-grams that chose it.
    ``salt`` keeps different kinds of document (code, text) in different hash spaces."""
    if len(tokens) < k:
        # A text shorter than one k-gram is one fingerprint when it has anything: too little to pair on
        # by itself (pairs need several shared fingerprints), but not nothing.
        if not tokens:
            return {}
        grams = [(_hash(salt, tokens), tokens[0].start, tokens[-1].end)]
    else:
        grams = [(_hash(salt, tokens[i:i + k]), tokens[i].start, tokens[i + k - 1].end)
                 for i in range(len(tokens) - k + 1)]
    chosen: dict[int, list[tuple[int, int]]] = {}
    last = -1
    for first in range(max(1, len(grams) - window + 1)):
        frame = grams[first:first + window]
        # The rightmost smallest hash: a window that slides past an unchanged minimum keeps it.
        position = first + min(range(len(frame)), key=lambda i: (frame[i][0], -i))
        if position != last:
            value, start, end = grams[position]
            chosen.setdefault(value, []).append((start, end))
            last = position
    return {value: tuple(spans) for value, spans in chosen.items()}


def _hash(salt: str, tokens: list[Token]) -> int:
    joined = (salt + "\x1f" + "\x1f".join(t.value for t in tokens)).encode()
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "little")

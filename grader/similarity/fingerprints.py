"""Fingerprints of a text: normalised tokens, hashed k-grams, and winnowing (Schleimer, Wilkerson and Aiken,
SIGMOD 2003, the method of MOSS).

Code is read by one regular expression of Python's tokens (strings with their
prefixes and triple quotes, comments, numbers, names, operators): ``tokenize``
reads the same but took two thirds of the time of a class. Comments and blank
lines are dropped; every name a student chooses becomes ``V`` (keywords, builtins and
attribute names after a dot stay: a renamer cannot rename ``torch.sign``);
numbers become ``N`` and strings ``S``. Renamed identifiers, changed comments
and re-spaced code therefore leave the token stream as it was.

Written answers become lower-case words without stop words and with a crude
plural/tense ending cut, so a light paraphrase ("the weights shrink" /
"weights are shrinking") keeps most of its word k-grams.

Each token is numbered by its CRC-32 and each k-gram hashed as a polynomial
of those numbers modulo 2**64 (numpy, all k-grams of a document at once; the
same in every run, unlike ``hash`` of a string), and winnowing keeps the smallest hash of every window of ``w``
consecutive k-grams: any match of at least ``k + w - 1`` tokens shares a
fingerprint, and a document keeps about ``2 / (w + 1)`` of its k-grams.
"""
from __future__ import annotations

import builtins
import functools
import keyword
import re
import unicodedata
import zlib

import numpy as np
from typing import NamedTuple

CODE_K, CODE_WINDOW = 8, 4  # a shared run of 11 tokens or more always shows
TEXT_K, TEXT_WINDOW = 3, 3  # a shared run of 5 content words or more always shows

_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_CODE_TOKEN = re.compile(r"""
 (?P<comment>\#[^\r\n]*)
|(?P<string>[rRbBuUfF]{0,2}(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|\'\'\'(?:\\.|[^\\])*?\'\'\'|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
|(?P<number>\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?[jJ]?|\.\d[\d_]*(?:[eE][+-]?\d+)?[jJ]?)
|(?P<name>[^\W\d]\w*)
|(?P<newline>\n)
|(?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%&|^@=<>!]=|\S)
""", re.VERBOSE)
_BASE = np.uint64(1_000_003)
_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset("""a an the and or but of to in on at by for from with as is are was were be been being it its
this that these those there here than then so such we our you your i my me he she they them their his her
which who whom what when where while if because also can could would should will shall may might do does did
has have had not no very just more most into onto about over under up down out each any all some one""".split())
_ENDINGS = ("ing", "ed", "es", "s", "ly")


class Token(NamedTuple):
    """A normalised token and where it is in the text: ``text[start:end]`` (a named tuple: a class has
    hundreds of thousands)."""

    value: str
    start: int
    end: int


def code_tokens(text: str) -> list[Token]:
    """``text`` (Python source) as normalised tokens, read by one regular expression (``_CODE_TOKEN``): a
    statement's end is ``;``, names, numbers and strings are normalised, comments and blank lines go. It
    reads any text, so a cell Python cannot parse is still compared."""
    tokens: list[Token] = []
    previous, depth = "", 0
    for match in _CODE_TOKEN.finditer(text):
        kind, word = match.lastgroup, match.group()
        if kind == "comment":
            continue
        if kind == "newline":
            if depth == 0 and previous not in ("", ";", "\\"):
                tokens.append(Token(";", match.start(), match.end()))
                previous = ";"
            continue
        if kind == "name":
            value = word if word in _KEPT_NAMES or previous == "." else "V"
        elif kind == "number":
            value = "N"
        elif kind == "string":
            value = "S"
        else:
            value = word
            if word in "([{":
                depth += 1
            elif word in ")]}":
                depth = max(0, depth - 1)
        tokens.append(Token(value, match.start(), match.end()))
        previous = word
    return tokens


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
    if not tokens:
        return {}
    numbers = np.fromiter((_number(t.value) for t in tokens), dtype=np.uint64, count=len(tokens))
    k = min(k, len(numbers))  # a text shorter than one k-gram is one fingerprint: too little to pair on alone
    # The k-gram hashes as polynomials in _BASE modulo 2**64 (numpy's uint64 arithmetic wraps around).
    hashes = np.full(len(numbers) - k + 1, _number(salt), dtype=np.uint64)
    for j in range(k):
        hashes = hashes * _BASE + numbers[j:len(numbers) - k + 1 + j]
    if len(hashes) <= window:
        frames = hashes[np.newaxis, :]
    else:
        frames = np.lib.stride_tricks.sliding_window_view(hashes, window)
    # The rightmost smallest hash of each window (a window that slides past an unchanged minimum keeps it);
    # the positions never go back, so the distinct ones are the fingerprints.
    width = frames.shape[1]
    positions = np.arange(len(frames)) + (width - 1 - np.argmin(frames[:, ::-1], axis=1))
    chosen: dict[int, list[tuple[int, int]]] = {}
    values = hashes.tolist()
    for position in np.unique(positions).tolist():
        chosen.setdefault(values[position], []).append((tokens[position].start, tokens[position + k - 1].end))
    return {value: tuple(spans) for value, spans in chosen.items()}


@functools.lru_cache(maxsize=None)
def _number(value: str) -> int:
    return zlib.crc32(value.encode())

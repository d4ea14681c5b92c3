"""Student-derived text made safe to show: no terminal control sequences, no invisible tricks.

Names, messages and printed output come from untrusted code. In HTML,
jinja2's autoescape handles markup; on a terminal, escape sequences could
move the cursor, rewrite earlier lines or retitle the window, so they are
shown as visible text instead.
"""
from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls (8-bit CSI and friends), and the
# direction overrides and invisible marks that can make text read differently from what it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _escape(match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character shown as a visible escape (ESC becomes ``\\x1b``)."""
    return _CONTROL.sub(_escape, str(text))

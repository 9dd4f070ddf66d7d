"""Text made safe to print on a terminal: control characters are shown escaped, never sent raw.

A prompt stored in a third-party PNG, a label, a provider's error body: any of them can hold an
escape sequence that retitles the terminal, writes to the clipboard (OSC 52) or hides text. Every
such string goes through ``printable`` before it reaches stdout or stderr; ``--json`` output does
not (JSON escapes control characters itself, and must stay exact).
"""

from __future__ import annotations

import unicodedata

# Invisible characters that reorder or hide text (bidirectional overrides and isolates).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: object, *, newlines: bool = False) -> str:
    """``text`` with control characters (C0, DEL, C1, bidirectional overrides) written as ``\\x1b``,
    ``\\u202e``…; with ``newlines``, line breaks and tabs are kept as they are (a multi-line prompt)."""
    s = str(text)
    if s.isprintable():  # the common case: nothing to do
        return s
    out = []
    for ch in s:
        if newlines and ch in "\n\t":
            out.append(ch)
        elif ch in _BIDI or (not ch.isprintable() and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")):
            out.append(_escaped(ch))
        else:
            out.append(ch)  # e.g. a plain space (isprintable) or a non-breaking one
    return "".join(out)

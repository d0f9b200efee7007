"""Text from definitions and from the account, made safe to show: what reaches a terminal or a pull-request
comment never carries a control character that clears the screen, moves the cursor, hides text or adds a
line a reviewer did not see.

`one_line` is for values shown inside a line (keys, names, folder paths): every control character is
written as an escape, newlines included. `printable` is the last step before anything is printed: control
characters other than line breaks and tabs are escaped, except the colour codes mcstate itself writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# C0 and C1 controls, DEL, and the Unicode characters that reorder or hide text (bidirectional overrides and
# isolates, zero-width joiners used to hide differences, the line and paragraph separators).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(character: str) -> str:
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: object) -> str:
    """`text` with every control character escaped, newlines included."""
    return _UNSAFE.sub(lambda match: _escape(match.group(0)), str(text))


def printable(text: str, allowed: Iterable[str] = ()) -> str:
    """`text` with its control characters escaped, except line breaks, tabs and the `allowed` sequences
    (the colour codes mcstate writes on a terminal)."""
    kept = sorted(set(allowed), key=len, reverse=True)
    if not kept:
        return _UNSAFE.sub(_keep_layout, text)
    pattern = re.compile("|".join([*map(re.escape, kept), _UNSAFE.pattern]))
    return pattern.sub(lambda match: match.group(0) if match.group(0) in kept else _keep_layout(match), text)


def _keep_layout(match: re.Match[str]) -> str:
    character = match.group(0)
    return character if character in ("\n", "\t") else _escape(character)

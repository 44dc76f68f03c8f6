"""Text from outside `kb` made inert for a terminal.

Error messages raised by the user's code, documents, queries and file names are all shown to a
person, and any of them may hold terminal control sequences: OSC 52 writes the clipboard, OSC 0 the
window title, ESC[2J clears the screen, SGR colours can paint a fake green "Verified:". Here every
control character is replaced by its visible escape (`\\x1b`), so the text is shown as what it is
and never acted on. render.py passes every character it prints through `inert`; the launcher's
error line (which must not load rich) passes through `error_line`.

Only the standard library is imported.
"""

from __future__ import annotations

import sys

ERROR_PREFIX = "kb: error: "

_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]  # C0 but tab, newline; DEL; C1
_INVISIBLE = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]  # bidi, separators
_VISIBLE = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _CONTROLS + _INVISIBLE}
_VISIBLE_ONE_LINE = {**_VISIBLE, ord("\n"): "\\n"}


def inert(text: str) -> str:
    """`text` with every control character (but newline and tab) shown as its escape."""
    return text.translate(_VISIBLE)


def inert_line(text: str) -> str:
    """`text` as one line: newlines shown as `\\n` too, so it cannot start a line of its own."""
    return text.translate(_VISIBLE_ONE_LINE)


def error_line(message: str) -> str:
    return ERROR_PREFIX + inert_line(message)


def print_error(message: str) -> None:
    """The one line a failing command prints on stderr, without rich (see render.error)."""
    print(error_line(message), file=sys.stderr, flush=True)

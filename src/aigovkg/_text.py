"""Characters that XML 1.0 cannot carry, and text made fit to show.

An RDF literal may hold any Unicode character, U+0000 included (Turtle writes
it ``\\u0000``). XML 1.0 has no way to write U+0000, the other C0 controls but
tab, line feed and carriage return, U+FFFE or U+FFFF, not even as a character
reference; HTML parsers and CommonMark replace U+0000 with U+FFFD. So the
RDF/XML dump refuses such a literal, and pages show each such character as
U+FFFD (the replacement character) instead of writing it raw.

>>> displayable("EU AI\\x00Act")
'EU AI\\ufffdAct'
>>> first_unwritable("a\\tb\\x0bc")
'\\x0b'
"""

from __future__ import annotations

import re

#: One character XML 1.0 cannot carry.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def first_unwritable(text: str) -> str | None:
    """The first character of ``text`` that XML 1.0 cannot carry, or None."""
    match = XML_FORBIDDEN.search(text)
    return match.group(0) if match else None


def displayable(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry shown as U+FFFD."""
    return XML_FORBIDDEN.sub(REPLACEMENT, text)

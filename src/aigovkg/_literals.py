"""Lexical checks for the XSD datatypes the graph uses, so that an ill-typed
literal such as ``"2024-02-30"^^xsd:date`` is refused when it is loaded
instead of slipping past every shape that does not look at it.

>>> ill_typed("2024-02-30", XSD + "date")
'not a valid xsd:date (no such day)'
>>> ill_typed("2024-02-29", XSD + "date") is None
True
"""

from __future__ import annotations

import re

XSD = "http://www.w3.org/2001/XMLSchema#"
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_DATE = r"(-?(?:[1-9][0-9]{4,}|[0-9]{4}))-([0-9]{2})-([0-9]{2})"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?"
_LEXICAL = {
    "string": None,
    "integer": re.compile(r"[+-]?[0-9]+"),
    "decimal": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"),
    "boolean": re.compile(r"true|false|1|0"),
    "double": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[Ee][+-]?[0-9]+)?|[+-]?INF|NaN"),
    "float": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[Ee][+-]?[0-9]+)?|[+-]?INF|NaN"),
    "gYear": re.compile(r"-?(?:[1-9][0-9]{4,}|[0-9]{4})" + _TZ),
    "date": re.compile(_DATE + _TZ),
    "dateTime": re.compile(_DATE + "T(?:" + _TIME + ")" + _TZ),
}


def _days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def ill_typed(value: str, datatype: str) -> str | None:
    """Why ``value`` is not in the lexical space of ``datatype``, or None when it
    is (or the datatype is not one checked here)."""
    if not datatype.startswith(XSD):
        return None
    name = datatype[len(XSD) :]
    pattern = _LEXICAL.get(name)
    if pattern is None:
        return None
    match = pattern.fullmatch(value)
    if match is None:
        return f"not a valid xsd:{name}"
    if name in ("date", "dateTime"):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if not 1 <= month <= 12 or not 1 <= day <= _days(year, month):
            return f"not a valid xsd:{name} (no such day)"
    return None

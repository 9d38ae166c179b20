"""Lexical checks for the XSD datatypes the graph uses, so that an ill-typed
literal such as ``"2024-02-30"^^xsd:date`` is refused when it is loaded
instead of slipping past every shape that does not look at it; and what
Oxigraph's store makes of a typed literal.

>>> ill_typed("2024-02-30", XSD + "date")
'not a valid xsd:date (no such day)'
>>> ill_typed("2024-02-29", XSD + "date") is None
True
>>> stored_form("01", XSD + "integer"), stored_form("7", XSD + "nonNegativeInteger")
(('1', 'http://www.w3.org/2001/XMLSchema#integer'), ('7', 'http://www.w3.org/2001/XMLSchema#integer'))
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import pyoxigraph as ox

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


_S = ox.NamedNode("urn:aigovkg:s")
_P = ox.NamedNode("urn:aigovkg:p")


@lru_cache(maxsize=65536)
def stored_form(value: str, datatype: str) -> tuple[str, str]:
    """The lexical form and datatype Oxigraph's store keeps for a typed literal.

    The store holds valid literals of the XSD datatypes it computes with in
    canonical form (``"01"^^xsd:integer`` as ``"1"``, ``xsd:int`` and
    ``xsd:nonNegativeInteger`` as ``xsd:integer``, ``"1"^^xsd:boolean`` as
    ``"true"``; oxigraph issue 526), and every other literal as written.
    """
    store = ox.Store()
    store.add(ox.Quad(_S, _P, ox.Literal(value, datatype=ox.NamedNode(datatype))))
    (quad,) = store
    term = quad.object
    assert isinstance(term, ox.Literal)
    return term.value, term.datatype.value


def stored_literal(term: ox.Literal) -> ox.Literal:
    """``term`` as Oxigraph's store keeps it: ``term`` itself where the store
    keeps it as written (every literal but typed XSD ones; a language tag's
    case is no difference in RDF).

    >>> stored_literal(ox.Literal("01", datatype=ox.NamedNode(XSD + "integer"))).value
    '1'
    """
    if term.language is not None:
        return term
    datatype = term.datatype.value
    if not datatype.startswith(XSD) or datatype == XSD + "string":
        return term
    value, stored_type = stored_form(term.value, datatype)
    if value == term.value and stored_type == datatype:
        return term
    return ox.Literal(value, datatype=ox.NamedNode(stored_type))


@contextmanager
def rdflib_as_written() -> Iterator[None]:
    """rdflib, while inside: literals keep the lexical form they were parsed
    with. By default rdflib rewrites a valid literal in its own canonical form
    (``"01"^^xsd:integer`` as ``"1"``, ``"2024-05-21Z"^^xsd:date`` as
    ``"2024-05-21"``, dropping the zone) as it makes it."""
    import rdflib

    before = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = before

"""SPARQL text handling: the read-only guard for ad-hoc queries and the
binding of validated parameters.

Parameters are never formatted into the query body. Each value is checked
against its declared type, turned into an RDF term by pyoxigraph (whose
N-Triples serialisation escapes it), and joined to the query as a VALUES
block at the head of the outermost WHERE group, the way rdflib implements
``initBindings``. The same bound text then runs on the embedded engine and on
any SPARQL 1.1 endpoint, so both give the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pyoxigraph as ox

from aigovkg.errors import QueryError

MAX_QUERY_CHARS = 100_000
MAX_NESTING = 64

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Tokens that are skipped when looking for keywords and braces.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^\s<>"{}|^`\\]*>'
    r"|#[^\n]*",
    re.DOTALL,
)
# Variables are not keywords: ?from or $load is no FROM or LOAD (VAR1 and VAR2
# are whole tokens, also after a path's '?'). Every other word counts, even
# inside a prefixed name: Oxigraph's parser reads `SERVICE:x { }` as SERVICE
# with the IRI :x, so a name that merely looks like a keyword is refused too.
_TOKEN = re.compile(r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+|(?P<word>[A-Za-z_][A-Za-z0-9_]*)")
_REFUSED = {
    "SERVICE": "SERVICE would send the query to another server",
    "LOAD": "LOAD would fetch data from the network",
    "FROM": "FROM and FROM NAMED name remote graphs; query the loaded graph instead",
    "INSERT": "updates are not allowed: queries are read-only",
    "DELETE": "updates are not allowed: queries are read-only",
    "CLEAR": "updates are not allowed: queries are read-only",
    "DROP": "updates are not allowed: queries are read-only",
    "CREATE": "updates are not allowed: queries are read-only",
    "COPY": "updates are not allowed: queries are read-only",
    "MOVE": "updates are not allowed: queries are read-only",
    "ADD": "updates are not allowed: queries are read-only",
    "WITH": "updates are not allowed: queries are read-only",
}
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def _unescape(text: str) -> str:
    # SPARQL processes \u and \U escapes before parsing, so a keyword may be
    # spelled with them; the guard looks at what the parser will see.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _code(text: str) -> str:
    """The query with strings, IRIs and comments blanked out (same length)."""
    return _SKIP.sub(lambda m: " " * len(m.group(0)), text)


def _words(code: str) -> Iterator[str]:
    """The bare words of blanked query code: keyword candidates, in order."""
    for token in _TOKEN.finditer(code):
        if token.group("word"):
            yield token.group("word").upper()


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first form keyword of the query."""
    for word in _words(_code(_unescape(text))):
        if word in _FORMS:
            return word
    raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


def check_read_only(text: str) -> str:
    """Refuse what could reach the network or change data, before anything runs.

    Returns the query form.

    >>> check_read_only("SELECT * WHERE { ?s ?p ?o }")
    'SELECT'
    >>> check_read_only("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    aigovkg.errors.QueryError: query refused: SERVICE would send the query to another server
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query refused: longer than {MAX_QUERY_CHARS:,} characters")
    if "\x00" in text:
        raise QueryError("query refused: it contains a NUL character")
    code = _code(_unescape(text))
    for word in _words(code):
        reason = _REFUSED.get(word)
        if reason:
            raise QueryError(f"query refused: {reason}")
    depth = deepest = 0
    for char in code:
        if char in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(f"query refused: nested deeper than {MAX_NESTING} groups")
    return query_form(text)


def _where_brace(text: str) -> int:
    code = _code(text)
    match = re.search(r"\bWHERE\s*\{", code, re.IGNORECASE)
    if not match:
        raise QueryError("a parameterised query needs an explicit WHERE { ... } group")
    return match.end() - 1


def bind(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Join validated terms to the query as a VALUES block in its outermost
    WHERE group.

    >>> print(bind("SELECT ?s WHERE { ?s ?p ?o }", {"o": ox.Literal('x" } #')}))
    SELECT ?s WHERE { VALUES (?o) { ("x\\" } #") }
     ?s ?p ?o }
    """
    if not bindings:
        return text
    for name, term in bindings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"invalid parameter name {name!r}")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"parameter {name} must be an IRI or a literal")
    names = sorted(bindings)
    variables = " ".join(f"?{n}" for n in names)
    values = " ".join(str(bindings[n]) for n in names)
    brace = _where_brace(text)
    return f"{text[: brace + 1]} VALUES ({variables}) {{ ({values}) }}\n{text[brace + 1 :]}"

"""SPARQL text handling: the read-only guard for ad-hoc queries and the
binding of validated parameters.

The guard reads a query terminal by terminal, with the terminals of the
SPARQL 1.1 grammar (section 19.8), so it sees strings, IRIs, prefixed names
(with their ``\\#`` and ``\\'`` escapes) and comments begin and end where a
parser does; a regular expression that merely blanks strings would not. It
is the first of three fences: the embedded engine then runs ad-hoc queries in
a worker with no network at all (:mod:`aigovkg.store`), and ``aigovkg serve``
puts the same guard in front of the Oxigraph server (:mod:`aigovkg.server`).

Parameters are never formatted into the query body. Each value is checked
against its declared type, turned into an RDF term by pyoxigraph (whose
N-Triples serialisation escapes it), and joined to the query as a VALUES
block at the head of the outermost WHERE group, the way rdflib implements
``initBindings``. The same bound text then runs on the embedded engine and on
any SPARQL 1.1 endpoint, so both give the same answers.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from aigovkg.errors import QueryError

MAX_QUERY_CHARS = 100_000
MAX_NESTING = 64
MAX_OPERATORS = 1_000

_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"""\\[tbnrf\\"']"""
_PREFIX = f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_VARNAME = f"[{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"
_STRINGS = (
    f"'''(?:(?:'|'')?(?:[^'\\\\]|{_ECHAR}|{_UCHAR}))*'''",
    f'"""(?:(?:"|"")?(?:[^"\\\\]|{_ECHAR}|{_UCHAR}))*"""',
    f"'(?:[^'\\\\\\r\\n]|{_ECHAR}|{_UCHAR})*'",
    f'"(?:[^"\\\\\\r\\n]|{_ECHAR}|{_UCHAR})*"',
)
# Prefixed names are read apart (see tokens()); everything else by one pattern.
_LEXER = re.compile(
    r"(?P<ws>[ \t\r\n]+)"
    r"|(?P<comment>#[^\r\n]*)"
    f'|(?P<iri><(?:[^<>"{{}}|^`\\\\\\x00-\\x20]|{_UCHAR})*>)'
    f"|(?P<string>{'|'.join(_STRINGS)})"
    f"|(?P<var>[?$]{_VARNAME})"
    f"|(?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)"
    r"|(?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
    r"|(?P<number>[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.?[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)"
    r"|(?P<word>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<punct>\^\^|\|\||&&|!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\];,.=<>!+\-*/|^?~])"
)
_RUN = re.compile(f"[{_CHARS}.]*")  # what may stand before the ':' of a prefixed name
_BASE_CHAR = re.compile(f"[{_BASE}]")
_LOCAL_NAME = re.compile(_LOCAL)
_OPEN = {"{", "(", "[", "<<", "{|"}
_CLOSE = {"}", ")", "]", ">>", "|}"}
# Each of these makes a parser's recursion or the query tree one level deeper:
# in pyoxigraph 0.5 a chain of 9,400 `||` or `!`, or of 8,000 `+`, UNION or
# OPTIONAL, ended the process (stack overflow) as 24,000 nested `[` did.
_OPERATORS = {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^", "!", "?",
              "UNION", "OPTIONAL", "MINUS", "IN", "NOT", "EXISTS", "FILTER", "GRAPH"}
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_REFUSED = {
    "SERVICE": "SERVICE would send the query to another server",
    "LOAD": "LOAD would fetch data from the network",
    "FROM": "FROM and FROM NAMED may fetch remote graphs; query the loaded graph instead",
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


@dataclass(frozen=True)
class Token:
    """One terminal of a query: its kind (``iri``, ``string``, ``var``,
    ``bnode``, ``pname``, ``lang``, ``number``, ``word`` or ``punct``), its
    text, and the offset where it starts."""

    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str:
        """The upper-cased text of a keyword or punctuation, else ''."""
        return self.text.upper() if self.kind in ("word", "punct") else ""


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return f"line {line}, column {column}"


def tokens(text: str) -> list[Token]:
    """The query's terminals in order, whitespace and comments left out, read
    in one linear pass. A character that starts no terminal is a syntax error.

    >>> [t.text for t in tokens('SELECT ?x { ?x ex:p\\\\#q "a # b" } # note')]
    ['SELECT', '?x', '{', '?x', 'ex:p\\\\#q', '"a # b"', '}']
    """
    found: list[Token] = []
    at, end = 0, len(text)
    run_end, colon = -1, False
    while at < end:
        if at > run_end:  # the run of name characters from here; it ends alike from any point inside
            run_end = _RUN.match(text, at).end()  # type: ignore[union-attr]
            colon = run_end < end and text[run_end] == ":"
        stop = _prefixed_name(text, at, run_end) if colon else None
        if stop is not None:
            found.append(Token("pname", text[at:stop], at))
            at = stop
            continue
        match = _LEXER.match(text, at)
        if match is None:
            shown = text[at:at + 20].splitlines()[0] if text[at:at + 20].strip() else text[at]
            raise QueryError(f"SPARQL syntax error at {_where(text, at)}: cannot read {shown!r}")
        kind = match.lastgroup or ""
        if kind not in ("ws", "comment"):
            found.append(Token(kind, match.group(0), at))
        at = match.end()
    return found


def _prefixed_name(text: str, at: int, colon: int) -> int | None:
    """Where the prefixed name starting at ``at`` ends, its prefix running to
    ``colon``; None if none starts there. Checking the prefix this way (its
    first and last character) keeps the lexer linear: a pattern would scan
    the same run again from every word in it."""
    if at < colon and (not _BASE_CHAR.match(text, at) or text[colon - 1] == "."):
        return None
    local = _LOCAL_NAME.match(text, colon + 1)
    return local.end() if local else colon + 1


def _unescape(text: str) -> str:
    # SPARQL 1.1 (section 19.2) decodes \u and \U escapes before parsing, so
    # a keyword or a quote may be spelled with them; Oxigraph decodes them
    # only inside strings and IRIs. The guard checks both readings.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _refusal(found: list[Token], i: int, local_graphs: frozenset[str]) -> str | None:
    """Why the i-th token makes the query unsafe, or None."""
    token = found[i]
    word = token.keyword
    if token.kind == "pname":
        # Oxigraph reads `SERVICE:x {` as SERVICE <...x>: a prefix spelled
        # like a refused keyword counts as that keyword.
        word = token.text.split(":", 1)[0].upper()
    if word == "FROM" and token.kind == "word":
        rest = found[i + 1:i + 3]
        if rest and rest[0].keyword == "NAMED":
            rest = rest[1:]
        if rest and rest[0].kind == "iri" and _unescape(rest[0].text[1:-1]) in local_graphs:
            return None
    return _REFUSED.get(word)


def _checked(text: str, local_graphs: frozenset[str], reading: str) -> list[Token]:
    """The tokens of ``text``, once nothing in them is refused."""
    found = tokens(text)
    depth = deepest = operators = 0
    for i, token in enumerate(found):
        reason = _refusal(found, i, local_graphs)
        if reason:
            raise QueryError(f"query refused: {reason}{reading}")
        if token.kind != "punct" and token.kind != "word":
            continue
        if token.text in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif token.text in _CLOSE:
            depth -= 1
        elif token.keyword in _OPERATORS:
            operators += 1
    if deepest > MAX_NESTING:
        raise QueryError(f"query refused: nested deeper than {MAX_NESTING} groups{reading}")
    if operators > MAX_OPERATORS:
        raise QueryError(f"query refused: more than {MAX_OPERATORS:,} operators, enough to crash a parser{reading}")
    return found


def _form(found: list[Token]) -> str:
    for token in found:
        if token.keyword in _FORMS:
            return token.keyword
    raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first form keyword of the query."""
    return _form(tokens(text))


def check_read_only(text: str, *, local_graphs: Iterable[str] = ()) -> str:
    """Refuse what could reach the network or change data, before anything runs.

    A SERVICE, LOAD, FROM or update keyword is refused wherever it stands as
    a keyword (FROM is allowed where it names one of ``local_graphs``, graphs
    of the local store); so are text over 100,000 characters, nesting deeper
    than 64 groups and more than 1,000 operators, which could crash a parser.
    Both readings of ``\\u`` escapes are checked. Returns the query form.

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
    graphs = frozenset(local_graphs)
    decoded = _unescape(text)
    if decoded != text:
        reading = " (read with its \\u escapes decoded, as SPARQL 1.1 section 19.2 says)"
        try:
            _checked(decoded, graphs, reading)
        except QueryError as exc:
            if str(exc).startswith("query refused"):
                raise
            raise QueryError(f"query refused: read with its \\u escapes decoded (SPARQL 1.1 section 19.2), "
                             f"it is not SPARQL: {exc}; write the character itself") from None
    return _form(_checked(text, graphs, ""))


def check_prefixes(text: str, predeclared: Iterable[str]) -> None:
    """Refuse a prefixed name whose prefix is neither declared in the query
    (PREFIX) nor among ``predeclared``, in one line that says where it is and
    which prefixes exist (the engine's own message is a page of grammar).

    >>> check_prefixes("SELECT * WHERE { ?s a aigv:Topic }", ["aigov", "skos"])
    Traceback (most recent call last):
    ...
    aigovkg.errors.QueryError: SPARQL syntax error at line 1, column 23: unknown prefix aigv: (did you mean aigov:?); declared: aigov, skos
    """
    found = tokens(text)
    known = set(predeclared)
    for token, following in itertools.pairwise(found):
        if token.keyword == "PREFIX" and following.kind == "pname":
            known.add(following.text.split(":", 1)[0])
    for token in found:
        if token.kind != "pname":
            continue
        prefix = token.text.split(":", 1)[0]
        if prefix in known:
            continue
        close = difflib.get_close_matches(prefix, known, n=1)
        hint = f" (did you mean {close[0]}:?)" if close else ""
        raise QueryError(f"SPARQL syntax error at {_where(text, token.start)}: unknown prefix {prefix}:{hint}; "
                         f"declared: {', '.join(sorted(known))}")


def _where_brace(text: str) -> int:
    found = tokens(text)
    for token, following in itertools.pairwise(found):
        if token.keyword == "WHERE" and following.text == "{":
            return following.start
    raise QueryError("a parameterised query needs an explicit WHERE { ... } group")


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

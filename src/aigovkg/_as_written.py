"""Literals as the files wrote them, where Oxigraph's store keeps another form.

Oxigraph's store holds valid literals of the XSD datatypes it computes with in
canonical form (oxigraph issue 526): ``"01"^^xsd:integer`` comes back as
``"1"``, ``xsd:int`` and ``xsd:nonNegativeInteger`` as ``xsd:integer``,
``"1"^^xsd:boolean`` as ``"true"``, and ``"1"`` beside ``"01"`` becomes one
triple. That is another RDF graph. The loader records, for each triple the
store holds in another form, the triples as written that it stands for, so
that dumps and validation work on the graph the files say.

>>> from aigovkg._literals import XSD
>>> s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
>>> def literal(value, name): return ox.Literal(value, datatype=ox.NamedNode(XSD + name))
>>> recorder = Recorder()
>>> recorder.add([ox.Quad(s, p, literal("01", "integer")), ox.Quad(s, p, literal("2024-06-13", "date"))])
>>> [(stored.object.value, [t.object.value for t in written]) for stored, written in recorder.as_written().items()]
[('1', ['01'])]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import pyoxigraph as ox

from aigovkg._literals import stored_literal
from aigovkg.namespaces import curie

#: The store's triples that the files wrote otherwise, each with the triples as written.
AsWritten = Mapping[ox.Triple, tuple[ox.Triple, ...]]


def _stored(triple: ox.Triple) -> ox.Triple:
    """The triple as the store keeps it."""
    term = triple.object
    if not isinstance(term, ox.Literal):
        return triple
    stored = stored_literal(term)
    return triple if stored is term else ox.Triple(triple.subject, triple.predicate, stored)


class Recorder:
    """Collects, file by file, the triples whose literal the store keeps in
    another form, under the stored triple they become; then (``add_present``,
    needed only when there are any) which stored triples the files also wrote
    as stored. Blank nodes belong to one file, so a stored triple with a blank
    subject can only be written in the file that holds its other forms."""

    def __init__(self) -> None:
        self._written: dict[ox.Triple, set[ox.Triple]] = {}
        self._present: set[ox.Triple] = set()

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Record one file's quads."""
        found: dict[ox.Triple, set[ox.Triple]] = {}
        plain: list[ox.Triple] = []
        for quad in quads:
            if type(quad.object) is not ox.Literal:
                continue
            triple = quad.triple
            stored = _stored(triple)
            if stored is not triple:
                found.setdefault(stored, set()).add(triple)
            elif type(triple.subject) is ox.BlankNode:
                plain.append(triple)
        for stored, triples in found.items():
            self._written.setdefault(stored, set()).update(triples)
        self._present.update(t for t in plain if t in found)

    @property
    def needs_presence(self) -> bool:
        """Whether some stored triple with an IRI subject stands for others:
        then every file must be looked at once more (``add_present``)."""
        return any(type(stored.subject) is not ox.BlankNode for stored in self._written)

    def add_present(self, triples: Iterable[ox.Triple]) -> None:
        """Note which of ``triples`` (a file's, parsed again) are stored triples
        that stand for others, written as stored."""
        self._present.update(t for t in triples if t in self._written and type(t.subject) is not ox.BlankNode)

    def as_written(self) -> dict[ox.Triple, tuple[ox.Triple, ...]]:
        """Each stored triple that stands for other triples, and those triples."""
        return {stored: tuple(sorted(written | ({stored} if stored in self._present else set()), key=str))
                for stored, written in self._written.items()}


def written(triples: Iterable[ox.Triple], as_written: AsWritten) -> Iterator[ox.Triple]:
    """The stored ``triples`` as the files wrote them."""
    for triple in triples:
        yield from as_written.get(triple, (triple,))


def rewritten_predicates(as_written: AsWritten) -> dict[str, str]:
    """Each predicate with a literal the store keeps in another form, and one
    such literal, "as written, as stored".

    >>> from aigovkg._literals import XSD
    >>> s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    >>> def triple(value): return ox.Triple(s, p, ox.Literal(value, datatype=ox.NamedNode(XSD + "integer")))
    >>> rewritten_predicates({triple("1"): (triple("01"), triple("1"))})
    {'http://example.org/p': '"01"^^xsd:integer as "1"^^xsd:integer'}
    """
    found: dict[str, str] = {}
    for stored, triples in sorted(as_written.items(), key=lambda item: str(item[0])):
        for triple in triples:
            if triple != stored and triple.predicate.value not in found:
                found[triple.predicate.value] = f"{_shown(triple.object)} as {_shown(stored.object)}"
    return found


def _shown(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        return f"{ox.Literal(term.value)}^^{curie(datatype) if curie(datatype) != datatype else f'<{datatype}>'}"
    return str(term)

"""Compacted JSON-LD, written a subject at a time from canonical N-Triples.

The dumps' JSON-LD is compacted with the shipped context and laid out as
``json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)`` would
lay it out: the context, then one node object per subject in ``@graph``,
sorted by id; a property with several values holds them as a list sorted by
their JSON text. Terms are chosen by the rules of rdflib's JSON-LD
serializer (its :class:`~rdflib.plugins.shared.jsonld.context.Context`
answers which term fits a property and value), so the bytes are the ones the
dumps had when rdflib compacted the whole graph; but no rdflib graph is made:
each subject's lines are parsed by Oxigraph when its node is written, and
only the ids and places of the subjects are held besides the canonical text.

Where rdflib's converter loses or garbles triples, this pass does not:

- every blank node is a node of its own in ``@graph`` (rdflib drops a blank
  node that is the value of a term typed ``@id``, and blank nodes that only
  refer to each other);
- a collection is written as ``{"@list": [...]}`` only when that gives back
  the same triples: each of its nodes has one ``rdf:first``, one
  ``rdf:rest`` and nothing else, and is referred to once (rdflib also folds a
  collection typed ``rdf:List``, dropping the type, or referred to twice,
  which then reads back as two lists);
- ``rdf:type`` with a literal or blank node value stays under ``rdf:type``
  (rdflib writes it under ``type``, where JSON-LD takes only IRIs).

An ``xsd:integer``, ``xsd:boolean`` or ``xsd:double`` is a JSON number or
boolean where JSON-LD reads that back as the same literal (``1``, ``true``,
``1.5E0`` as ``1.5``), and ``{"@value": "01", "type": "xsd:integer"}``
otherwise.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Any, BinaryIO

import pyoxigraph as ox

from aigovkg.errors import InputError

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
_TYPE, _FIRST, _REST, _NIL = RDF + "type", RDF + "first", RDF + "rest", RDF + "nil"
# rdflib looks a literal that does not read back as its JSON value up under a
# datatype no term names, so that a term typed xsd:integer does not take "01".
_STAND_IN = "urn:aigovkg:as-written:"


def reads_back(lexical: str, name: str) -> bool:
    """Whether JSON-LD reads the JSON value of ``"lexical"^^xsd:name`` back as the same literal.

    >>> reads_back("1", "integer"), reads_back("01", "integer"), reads_back("1.5E0", "double")
    (True, False, True)
    """
    if name == "boolean":
        return lexical in ("true", "false")
    if name == "integer":
        try:
            return lexical == str(int(lexical)) and abs(int(lexical)) < 10**21  # larger: read back as a double
        except ValueError:
            return False
    try:
        value = float(lexical)
    except ValueError:
        return False
    return math.isfinite(value) and lexical == jsonld_double(value)


def jsonld_double(value: float) -> str:
    """The xsd:double JSON-LD makes of a JSON number with a fraction or exponent.

    >>> jsonld_double(1.0), jsonld_double(-1.5e-7)
    ('1.0E0', '-1.5E-7')
    """
    mantissa, exponent = f"{value:.15E}".split("E")
    mantissa = mantissa.rstrip("0")
    return f"{mantissa}{'0' if mantissa.endswith('.') else ''}E{int(exponent)}"


_NATIVE = {XSD + "integer": "integer", XSD + "boolean": "boolean", XSD + "double": "double"}


def _native(lexical: str, name: str) -> Any:
    if name == "boolean":
        return lexical == "true"
    return int(lexical) if name == "integer" else float(lexical)


class Terms:
    """Which key and which form each value takes under a context, by the
    rules of rdflib's JSON-LD serializer, answers cached per property and kind
    of value."""

    def __init__(self, context: dict[str, Any]) -> None:
        from rdflib.plugins.shared.jsonld.context import UNDEF, Context

        self.context = ctx = Context(context)
        unsupported = [name for name, term in ctx.terms.items()
                       if term.container or term.reverse or term.context is not UNDEF]
        if ctx.vocab or ctx.language or ctx.base or unsupported:
            raise ValueError("the JSON-LD context uses what the streaming compaction does not write "
                             f"(@vocab, @language, @base, containers, reverse or scoped terms): {unsupported}")
        self.id_key, self.type_key = ctx.id_key, ctx.type_key
        self.value_key, self.lang_key, self.list_key = ctx.value_key, ctx.lang_key, ctx.list_key
        self._undef = UNDEF
        self._literal: dict[tuple[str, str | None, str | None], tuple[str, str]] = {}
        self._resource: dict[str, tuple[str, str]] = {}
        self._symbols: dict[str, str] = {}
        self._iris: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        """An IRI as an id: a compact IRI where a prefix fits."""
        found = self._iris.get(iri)
        if found is None:
            found = self._iris[iri] = self.context.shrink_iri(iri)
            if len(self._iris) > 100_000:
                self._iris.clear()
        return found

    def symbol(self, iri: str) -> str:
        """An IRI as a key or a type: a term, or a compact IRI where a prefix fits."""
        found = self._symbols.get(iri)
        if found is None:
            found = self._symbols[iri] = self.context.to_symbol(iri) or iri
        return found

    def plain_key(self, predicate: str) -> str:
        """The key of a property that no term describes."""
        key = self.symbol(predicate)
        term = self.context.terms.get(key)
        return predicate if term and (term.type or term.container) else key

    def literal_key(self, predicate: str, datatype: str | None, language: str | None) -> tuple[str, str]:
        """The key of a literal value and how the value is written: ``str``
        (its lexical form), ``value`` (a value object, or a native JSON
        value), ``lang`` (a value object with its language)."""
        cache = (predicate, datatype, language)
        found = self._literal.get(cache)
        if found is None:
            term = self.context.find_term(predicate, datatype, language=language)
            if term and term.type:
                found = (term.name, "str")  # only a literal of the term's own datatype finds it
            elif term and term.language and term.language == language:
                found = (term.name, "str")
            else:
                key = term.name if term else self.plain_key(predicate)
                found = (key, "lang" if language else "value")
            self._literal[cache] = found
        return found

    def resource_key(self, predicate: str) -> tuple[str, str]:
        """The key of an IRI or blank node value and how it is written:
        ``id`` (its id as a string), ``vocab`` (a term or compact IRI, a
        type), ``node`` (``{"id": ...}``, or ``{"@list": [...]}``); ``type``
        is ``rdf:type`` without a term (JSON-LD's ``type`` takes IRIs only)."""
        found = self._resource.get(predicate)
        if found is None:
            undef = self._undef
            term = None
            for coercion in ("@id", "@vocab", undef):
                term = self.context.find_term(predicate, coercion, None)  # type: ignore[arg-type]
                if term:
                    break
            if term and term.type == "@id":
                found = (term.name, "id")
            elif term and term.type == "@vocab":
                found = (term.name, "vocab")
            elif term:
                found = (term.name, "node")
            elif predicate == _TYPE:
                found = (self.type_key, "type")
            else:
                found = (self.plain_key(predicate), "node")
            self._resource[predicate] = found
        return found


_Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Value = Any  # a JSON value: str, int, float, bool, or a dict / list of them


class Compactor:
    """Node objects of one graph's subjects, compacted with a context."""

    def __init__(self, terms: Terms, lists: dict[str, list[Value]] | None = None) -> None:
        self.terms = terms
        self.lists = lists or {}  # blank node label -> the items of the collection it heads

    def literal(self, term: ox.Literal) -> tuple[str | None, str | None, Value]:
        """A literal's datatype and language as rdflib sees them (None for
        xsd:string), and its JSON value outside any typed term."""
        terms = self.terms
        lexical = term.value
        if term.language is not None:
            return None, term.language, {terms.lang_key: term.language, terms.value_key: lexical}
        datatype = term.datatype.value
        if datatype == XSD + "string":
            return None, None, lexical
        name = _NATIVE.get(datatype)
        if name is not None:
            if reads_back(lexical, name):
                return datatype, None, _native(lexical, name)
            return _STAND_IN + name, None, {terms.type_key: "xsd:" + name, terms.value_key: lexical}
        return datatype, None, {terms.type_key: terms.symbol(datatype), terms.value_key: lexical}

    def value(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Value:
        """A term as a value of a property no term describes (and as an item of a list)."""
        if isinstance(term, ox.Literal):
            return self.literal(term)[2]
        if isinstance(term, ox.BlankNode):
            items = self.lists.get(term.value)
            if items is not None:
                return {self.terms.list_key: items}
            return {self.terms.id_key: "_:" + term.value}
        if term.value == _NIL:
            return {self.terms.list_key: []}
        return {self.terms.id_key: self.terms.iri(term.value)}

    def node(self, node_id: str, triples: Iterator[ox.Quad]) -> dict[str, Value]:
        """One subject's node object: each key with its value, or a list of
        values sorted by their JSON text."""
        terms = self.terms
        node: dict[str, list[Value]] = {terms.id_key: [node_id]}
        for triple in triples:
            predicate, obj = triple.predicate.value, triple.object
            if isinstance(obj, ox.Triple):
                raise InputError(f"{node_id}: JSON-LD cannot carry a triple term (RDF 1.2): {obj}")
            if isinstance(obj, ox.Literal):
                datatype, language, raw = self.literal(obj)
                key, form = terms.literal_key(predicate, datatype, language)
                value = obj.value if form == "str" else raw
            else:
                key, form = terms.resource_key(predicate)
                named = isinstance(obj, ox.NamedNode)
                if named and form in ("vocab", "type"):
                    value = terms.symbol(obj.value)
                elif form == "id" and (named or obj.value not in self.lists):
                    value = terms.iri(obj.value) if named else "_:" + obj.value
                else:
                    if form in ("id", "type"):  # a list, or the blank type JSON-LD's type cannot take
                        key = terms.plain_key(predicate)
                    value = self.value(obj)
            node.setdefault(key, []).append(value)
        return {key: values[0] if len(values) == 1 else sorted(values, key=_sort_key)
                for key, values in node.items()}


def _sort_key(value: Value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def indented(value: Value, depth: int) -> str:
    """``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)``,
    as if nested ``depth`` levels deep.

    >>> indented({"b": [1, 2.5], "a": {"c": True}}, 0) == json.dumps(
    ...     {"b": [1, 2.5], "a": {"c": True}}, indent=2, sort_keys=True)
    True
    """
    if isinstance(value, str):
        return encode_basestring(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    inner = "\n" + "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts = [encode_basestring(key) + ": " + indented(value[key], depth + 1) for key in sorted(value)]
    else:
        if not value:
            return "[]"
        parts = [indented(item, depth + 1) for item in value]
    close = "\n" + "  " * depth + ("}" if isinstance(value, dict) else "]")
    return ("{" if isinstance(value, dict) else "[") + inner + ("," + inner).join(parts) + close


# A blank node in object position: the last term of a line (a literal ends in
# a quote, a language tag or a datatype IRI, and N-Triples escapes line feeds).
_BLANK_OBJECT = re.compile(rb" _:([^ \n]+) \.\n")


def _scan(text: BinaryIO, blank_nodes: bool) -> tuple[list[tuple[bytes, int, int]], dict[str, int]]:
    """One pass over sorted N-Triples ``text``: each subject with the span of
    its lines; and, when there are blank nodes, how many times each is an object."""
    runs: list[tuple[bytes, int, int]] = []
    referred: dict[str, int] = {}
    head, start, end = b"", 0, 0
    for line in text:
        if not head or not line.startswith(head):
            if head:
                runs.append((head[:-1], start, end))
            head, start = line[:line.find(b" ") + 1], end
        end += len(line)
        if blank_nodes and (match := _BLANK_OBJECT.search(line)) is not None:
            label = match.group(1).decode("utf-8")
            referred[label] = referred.get(label, 0) + 1
    if head:
        runs.append((head[:-1], start, end))
    return runs, referred


def _read(text: BinaryIO, start: int, end: int) -> bytes:
    text.seek(start)
    return text.read(end - start)


def _parse(text: bytes) -> Iterator[ox.Quad]:
    """The triples of N-Triples text, as default-graph quads (they have the
    triple's subject, predicate and object)."""
    return iter(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))


def _collections(blank_text: bytes, referred: dict[str, int], compactor: Compactor) -> set[str]:
    """Find the collections that read back the same when written as
    ``@list``, put their items in ``compactor.lists`` and return the labels
    of the blank nodes they consume (heads and rest nodes). ``blank_text``
    holds the lines of the blank subjects; ``referred``, how many times each
    blank node is an object."""
    shape: dict[str, list[ox.Quad]] = {}
    for triple in _parse(blank_text):
        if isinstance(triple.subject, ox.BlankNode):
            shape.setdefault(triple.subject.value, []).append(triple)
    # The list nodes @list can carry: one first, one rest, nothing else, referred to once.
    links: dict[str, tuple[_Term, _Term]] = {}
    for label, triples in shape.items():
        by = {t.predicate.value: t.object for t in triples}
        if len(triples) == 2 and set(by) == {_FIRST, _REST} and referred.get(label) == 1:
            links[label] = (by[_FIRST], by[_REST])
    rests = {rest.value for _first, rest in links.values() if isinstance(rest, ox.BlankNode)}
    chains: dict[str, list[str]] = {}
    for head in sorted(set(links) - rests):
        nodes: list[str] = []
        current: _Term = ox.BlankNode(head)
        while isinstance(current, ox.BlankNode) and current.value in links:
            nodes.append(current.value)
            current = links[current.value][1]
        if current == ox.NamedNode(_NIL):
            chains[head] = nodes
    # Items may be lists themselves: fill the innermost first. A list that is
    # (through its items) an item of itself never gets ready: it stays nodes.
    def inner(head: str) -> set[str]:
        return {item.value for item in (links[node][0] for node in chains[head]) if isinstance(item, ox.BlankNode)}

    pending = set(chains)
    while pending:
        ready = sorted(head for head in pending if not inner(head) & pending)
        if not ready:
            break
        for head in ready:
            compactor.lists[head] = [compactor.value(links[node][0]) for node in chains[head]]  # type: ignore[arg-type]
        pending.difference_update(ready)
    return {node for head in compactor.lists for node in chains[head]}


def write_jsonld(text: BinaryIO, blank_nodes: bool, context: dict[str, Any], output: BinaryIO) -> None:
    """Write the graph of sorted, canonically labelled N-Triples ``text`` (a
    seekable stream) as JSON-LD compacted with ``context`` (embedded), a node
    at a time: only the subjects and the places of their lines are held."""
    terms = Terms(context)
    compactor = Compactor(terms)
    runs, referred = _scan(text, blank_nodes)
    consumed: set[str] = set()
    if blank_nodes:  # the blank subjects' lines come last in sorted text
        blank_start = next((start for subject, start, _end in runs if subject.startswith(b"_:")), None)
        if blank_start is not None:
            consumed = _collections(_read(text, blank_start, runs[-1][2]), referred, compactor)
    nodes: list[tuple[str, int, int]] = []
    subjects: set[str] = set()
    for subject, start, end in runs:
        if subject.startswith(b"_:"):
            label = subject[2:].decode("utf-8")
            subjects.add(label)
            if label not in consumed:
                nodes.append(("_:" + label, start, end))
        else:
            iri = subject[1:-1].decode("utf-8")
            if "\\" in iri:  # an escape in the IRI: read it as N-Triples does
                named = next(_parse(_read(text, start, end))).subject
                assert isinstance(named, ox.NamedNode)
                iri = named.value
            nodes.append((terms.iri(iri), start, end))
    del runs
    if blank_nodes:  # a blank node only ever an object gets a node of its own, without properties
        nodes += [("_:" + label, 0, 0) for label in sorted(set(referred) - subjects - consumed)]
    nodes.sort(key=lambda item: item[0])  # stable: ties keep the canonical order
    head = json.dumps({"@context": context}, indent=2, ensure_ascii=False, sort_keys=True)
    output.write(head[: -len("\n}")].encode("utf-8") + b',\n  "@graph": ')
    if not nodes:
        output.write(b"[]\n}\n")
        return
    output.write(b"[\n")
    for index, (node_id, start, end) in enumerate(nodes):
        node = compactor.node(node_id, _parse(_read(text, start, end)) if end > start else iter(()))
        output.write((",\n    " if index else "    ").encode("utf-8") + indented(node, 2).encode("utf-8"))
    output.write(b"\n  ]\n}\n")

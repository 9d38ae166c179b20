"""pySHACL, the reference engine, on the project's graphs: the data from the
Oxigraph store, with literals as the files wrote them; the shapes from a
:class:`~aigovkg.shacl.ShapesGraph` (blank node labels kept, so that its
report names the same shapes), optionally only some targeted shapes; and its
report read back as pyoxigraph terms. rdflib is told not to rewrite literals
in its canonical form as it reads either graph.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from contextlib import contextmanager

import pyoxigraph as ox

from aigovkg import shacl
from aigovkg._as_written import AsWritten, written
from aigovkg._literals import rdflib_as_written

SH = shacl.SH
_TARGETS = tuple(ox.NamedNode(SH + name) for name in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"))
_TYPE = ox.NamedNode(shacl.RDF + "type")
_XSD_STRING = shacl.XSD + "string"
_SHAPE_TYPES = (ox.NamedNode(SH + "NodeShape"), ox.NamedNode(SH + "PropertyShape"))


@contextmanager
def _quiet_rdflib():
    """rdflib logs a traceback for each ill-typed literal it converts; the
    shapes report those literals (sh:datatype), so the log is only noise."""
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        term_log.setLevel(level)


def data_graph(store: ox.Store, *, as_written: AsWritten | None = None):
    """The store's default graph as an rdflib graph (through N-Triples), with
    each literal as the files wrote it where ``as_written`` (the loader's
    record) says the store keeps another form, and rdflib told to keep it so."""
    import rdflib

    triples = written((quad.triple for quad in store), as_written or {})
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    with _quiet_rdflib(), rdflib_as_written():
        graph.parse(data=data, format="nt")
    return graph


def to_rdflib(term: shacl.Term | ox.Triple):
    """A pyoxigraph term as an rdflib term; a blank node keeps its label."""
    import rdflib

    if isinstance(term, ox.Triple):
        raise shacl.Unsupported("an RDF 1.2 triple term in the shapes (rdflib has none)")
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return rdflib.Literal(term.value)  # as rdflib parses a simple literal
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def from_rdflib(term) -> shacl.Term:
    """An rdflib term as a pyoxigraph term, keeping a literal's lexical form."""
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is None:
        return ox.Literal(str(term))
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))


def shapes_graph(shapes: shacl.ShapesGraph, *, only: Collection[shacl.Term] | None = None):
    """The shapes as an rdflib graph, literals as written. With ``only``, the other targeted
    shapes lose their targets (explicit and implicit), so pySHACL validates
    just these; the shapes they refer to stay whole."""
    import rdflib

    dropped = set() if only is None else set(shapes.node_shapes()) - set(only)
    graph = rdflib.Graph()
    with rdflib_as_written():
        for quad in shapes.triples():
            if quad.subject in dropped and _is_target(shapes, quad):
                continue
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def _is_target(shapes: shacl.ShapesGraph, quad: ox.Quad) -> bool:
    """A triple giving a shape its targets: a target property, or the class
    type of a shape that is its own (implicit) target class."""
    if quad.predicate in _TARGETS:
        return True
    return (quad.predicate == _TYPE and quad.object not in _SHAPE_TYPES and not isinstance(quad.subject, ox.Triple)
            and shapes.is_implicit_class(quad.subject))


def validate(data, shapes) -> tuple[bool, object]:
    """Run pySHACL on rdflib graphs: (conforms, the report graph)."""
    import pyshacl

    with _quiet_rdflib():
        conforms, report, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=False
        )
    return bool(conforms), report


def results(report) -> list[shacl.Result]:
    """The report's own results (nested ones, under sh:detail, explain a
    result and are not results of their own) as pyoxigraph terms."""
    import rdflib

    sh = rdflib.Namespace(SH)
    found = []
    for result in report.objects(None, sh.result):
        path = report.value(result, sh.resultPath)
        value = report.value(result, sh.value)
        message = report.value(result, sh.resultMessage)
        severity = report.value(result, sh.resultSeverity)
        found.append(
            shacl.Result(
                focus=from_rdflib(report.value(result, sh.focusNode)),
                shape=from_rdflib(report.value(result, sh.sourceShape)),
                component=shacl.component_name(str(report.value(result, sh.sourceConstraintComponent))),
                path=None if path is None else from_rdflib(path),
                value=None if value is None else from_rdflib(value),
                severity=str(severity) if severity is not None else SH + "Violation",
                message=None if message is None else str(message),
            )
        )
    return sorted(found, key=lambda r: (str(r.focus), str(r.shape), r.component, str(r.path), str(r.value)))

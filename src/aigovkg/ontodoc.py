"""The ontology's documentation: one HTML page, written from the ontology by SPARQL.

Every class, property, datatype, concept scheme and concept gets a section
whose anchor is its local name, so that ``https://w3id.org/aigovkg/ontology#Instrument``
resolves to ``#Instrument`` on the page. Each section gives the label,
definition, comment, source, domain and range, super-classes and
super-properties, and alignments to other vocabularies (schema.org, ELI, PROV,
SKOS, DCTERMS ...). A class's section also lists the properties used with it
(those whose domain it is, and those its shapes constrain) and the SHACL shapes
that target it; every shape of ``ontology/shapes.ttl`` has a section of its own,
anchored at its local name too. The ontology is also written as Turtle, JSON-LD,
N-Triples and RDF/XML beside the page, and the shapes file as it is.

    >>> doc = ontology_doc()
    >>> doc.title, doc.sections[0].key
    ('aigovkg ontology', 'classes')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from aigovkg import resources
from aigovkg.export import SUFFIX, ExportFormat, serialize
from aigovkg.loader import parse_turtle
from aigovkg.namespaces import AIGOV, ONTOLOGY_IRI, curie
from aigovkg.queries import get
from aigovkg.results import from_solutions

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
#: The kinds of term, in the order of the page's sections: (key, heading, rdf:type).
KINDS = (
    ("classes", "Classes", OWL + "Class"),
    ("object-properties", "Object properties", OWL + "ObjectProperty"),
    ("datatype-properties", "Datatype properties", OWL + "DatatypeProperty"),
    ("datatypes", "Datatypes", RDFS + "Datatype"),
    ("concept-schemes", "Concept schemes and their concepts", SKOS + "ConceptScheme"),
)
#: Statements shown as links, with the words the page uses for them.
LINKS = (
    (RDF + "type", "Type"),
    (RDFS + "subClassOf", "Subclass of"),
    (RDFS + "subPropertyOf", "Subproperty of"),
    (OWL + "inverseOf", "Inverse of"),
    (RDFS + "domain", "Domain"),
    (RDFS + "range", "Range"),
    (OWL + "equivalentClass", "Equivalent class"),
    (OWL + "equivalentProperty", "Equivalent property"),
    (SKOS + "exactMatch", "Exact match"),
    (SKOS + "closeMatch", "Close match"),
    (SKOS + "broadMatch", "Broad match"),
    (SKOS + "narrowMatch", "Narrow match"),
    (SKOS + "broader", "Broader"),
    (SKOS + "inScheme", "In scheme"),
    (RDFS + "seeAlso", "See also"),
)
#: Ontology formats written beside the page, and their media types.
FORMATS = {
    ExportFormat.TURTLE: "text/turtle",
    ExportFormat.JSONLD: "application/ld+json",
    ExportFormat.NTRIPLES: "application/n-triples",
    ExportFormat.RDFXML: "application/rdf+xml",
}


#: The shapes file, published beside the ontology under this name.
SHAPES_FILE = "shapes.ttl"
SH = "http://www.w3.org/ns/shacl#"
#: Each named shape, what it targets and each property it constrains (through
#: sh:property, sh:node, sh:not and the lists of sh:or, sh:and and sh:xone).
_SHAPES_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?shape ?message ?target ?targetKind ?path
WHERE {
  { ?shape a sh:NodeShape } UNION { ?shape a sh:PropertyShape }
  FILTER(isIRI(?shape))
  OPTIONAL { ?shape sh:message ?message FILTER(LANGMATCHES(LANG(?message), "en")) }
  OPTIONAL {
    VALUES ?targetKind { sh:targetClass sh:targetSubjectsOf sh:targetObjectsOf sh:targetNode }
    ?shape ?targetKind ?target
  }
  OPTIONAL {
    ?shape (sh:property|sh:node|sh:not|(sh:or|sh:and|sh:xone)/rdf:rest*/rdf:first)* ?part .
    ?part sh:path ?path FILTER(isIRI(?path))
  }
}
"""
_TARGET_WORDS = {SH + "targetClass": "Targets the class", SH + "targetSubjectsOf": "Targets the subjects of",
                 SH + "targetObjectsOf": "Targets the objects of", SH + "targetNode": "Targets the node"}


@dataclass(frozen=True)
class Link:
    """A value that names a resource: where it points on the page or outside, and its text."""

    href: str
    text: str
    internal: bool


@dataclass(frozen=True)
class Term:
    iri: str
    anchor: str
    label: str
    definition: str
    comment: str
    source: str
    notation: str
    links: tuple[tuple[str, tuple[Link, ...]], ...]
    used_as_domain: tuple[Link, ...] = ()
    used_as_range: tuple[Link, ...] = ()
    concepts: tuple[Term, ...] = ()
    #: For a class: the properties used with it (its domain's and its shapes' paths), and its shapes.
    properties: tuple[Link, ...] = ()
    shapes: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Shape:
    """A named SHACL shape of ``ontology/shapes.ttl``: what it targets, the
    properties it constrains and its message."""

    iri: str
    anchor: str
    message: str
    targets: tuple[tuple[str, tuple[Link, ...]], ...]
    paths: tuple[Link, ...]


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class OntologyDoc:
    iri: str
    title: str
    description: str
    metadata: tuple[tuple[str, tuple[Link, ...]], ...]
    sections: tuple[Section, ...]
    formats: tuple[tuple[str, str], ...]  # (file name, media type)
    shapes: tuple[Shape, ...] = ()
    shapes_file: str = SHAPES_FILE

    @property
    def terms(self) -> tuple[Term, ...]:
        """Every documented term, concepts included."""
        out: list[Term] = []
        for section in self.sections:
            for term in section.terms:
                out.append(term)
                out.extend(term.concepts)
        return tuple(out)


def ontology_store() -> ox.Store:
    """The ontology alone, parsed strictly."""
    store = ox.Store()
    store.extend(parse_turtle(resources.ontology_file()))
    return store


def _rows(store: ox.Store) -> dict[str, list[tuple[str, ox.NamedNode | ox.Literal, str | None]]]:
    table = from_solutions(store.query(get("ontology-terms").text))  # type: ignore[arg-type]
    out: dict[str, list[tuple[str, ox.NamedNode | ox.Literal, str | None]]] = {}
    for term, prop, value, label in table.rows:
        assert isinstance(term, ox.NamedNode) and isinstance(prop, ox.NamedNode)
        assert isinstance(value, (ox.NamedNode, ox.Literal))
        assert label is None or isinstance(label, ox.Literal)
        out.setdefault(term.value, []).append((prop.value, value, label.value if label is not None else None))
    return out


def _local(iri: str) -> str:
    return iri[len(AIGOV):] if iri.startswith(AIGOV) else iri


def _link(value: ox.NamedNode | ox.Literal, label: str | None) -> Link:
    if isinstance(value, ox.Literal):
        return Link("", value.value, False)
    if value.value.startswith(AIGOV):
        return Link("#" + _local(value.value), label or curie(value.value), True)
    return Link(value.value, curie(value.value), False)


def _first(rows: list[tuple[str, ox.NamedNode | ox.Literal, str | None]], prop: str) -> str:
    """The English (or untagged) value of a property; several are joined."""
    values = sorted(v.value for p, v, _ in rows if p == prop and isinstance(v, ox.Literal)
                    and (v.language in (None, "en") or v.language.startswith("en-")))
    return " ".join(values)


def _term(iri: str, rows: list[tuple[str, ox.NamedNode | ox.Literal, str | None]]) -> Term:
    links: list[tuple[str, tuple[Link, ...]]] = []
    for prop, words in LINKS:
        values = sorted((_link(v, label) for p, v, label in rows if p == prop),
                        key=lambda link: (not link.internal, link.text, link.href))
        if values:
            links.append((words, tuple(values)))
    label = _first(rows, SKOS + "prefLabel") or _first(rows, RDFS + "label") or _local(iri)
    return Term(iri, _local(iri), label, _first(rows, SKOS + "definition"), _first(rows, RDFS + "comment"),
                _first(rows, DCT + "source"), _first(rows, SKOS + "notation"), tuple(links))


def _types(rows: list[tuple[str, ox.NamedNode | ox.Literal, str | None]]) -> set[str]:
    return {v.value for p, v, _ in rows if p == RDF + "type"}


def _shapes(labels: dict[str, str]) -> tuple[tuple[Shape, ...], dict[str, list[Link]], dict[str, list[Link]]]:
    """The named shapes; for each class, the shapes targeting it and the properties they constrain."""
    store = ox.Store()
    store.extend(parse_turtle(resources.shapes_file()))
    messages: dict[str, str] = {}
    targets: dict[str, set[tuple[str, str]]] = {}
    paths: dict[str, set[str]] = {}
    for shape, message, target, kind, path in from_solutions(store.query(_SHAPES_QUERY)).rows:  # type: ignore[arg-type]
        assert isinstance(shape, ox.NamedNode)
        messages.setdefault(shape.value, "")
        targets.setdefault(shape.value, set())
        paths.setdefault(shape.value, set())
        if isinstance(message, ox.Literal):
            messages[shape.value] = message.value
        if isinstance(target, ox.NamedNode) and isinstance(kind, ox.NamedNode):
            targets[shape.value].add((kind.value, target.value))
        if isinstance(path, ox.NamedNode):
            paths[shape.value].add(path.value)

    def link(iri: str) -> Link:
        return _link(ox.NamedNode(iri), labels.get(iri))

    def order(links: set[Link]) -> tuple[Link, ...]:
        return tuple(sorted(links, key=lambda item: (not item.internal, item.text.lower(), item.href)))

    shapes: list[Shape] = []
    shapes_of: dict[str, list[Link]] = {}
    paths_of: dict[str, list[Link]] = {}
    for iri in sorted(messages):
        aimed = targets[iri]
        grouped = tuple((words, order({link(t) for k, t in aimed if k == kind}))
                        for kind, words in _TARGET_WORDS.items() if any(k == kind for k, _ in aimed))
        shapes.append(Shape(iri, _local(iri), messages[iri], grouped, order({link(p) for p in paths[iri]})))
        classes = sorted(t for k, t in aimed if k == SH + "targetClass")
        for cls in classes:
            shapes_of.setdefault(cls, []).append(Link("#" + _local(iri), _local(iri), True))
            if len(classes) == 1:  # a shape of several classes may name a property of one of them only
                paths_of.setdefault(cls, []).extend(link(p) for p in paths[iri])
    return tuple(shapes), shapes_of, paths_of


@cache
def ontology_doc() -> OntologyDoc:
    """The view model of the documentation page, read from the ontology by SPARQL."""
    by_term = _rows(ontology_store())
    header = by_term.pop(ONTOLOGY_IRI)
    terms = {iri: _term(iri, rows) for iri, rows in by_term.items() if iri.startswith(AIGOV)}
    by_domain: dict[str, list[Link]] = {}
    by_range: dict[str, list[Link]] = {}
    for iri, rows in by_term.items():
        for prop, value, _ in rows:
            if prop in (RDFS + "domain", RDFS + "range") and isinstance(value, ox.NamedNode) and iri in terms:
                target = by_domain if prop == RDFS + "domain" else by_range
                target.setdefault(value.value, []).append(Link("#" + _local(iri), terms[iri].label, True))
    labels = {iri: term.label for iri, term in terms.items()}
    shapes, shapes_of, paths_of = _shapes(labels)

    def used_with(iri: str) -> tuple[Link, ...]:
        links = {*by_domain.get(iri, ()), *paths_of.get(iri, ())}
        return tuple(sorted(links, key=lambda link: (not link.internal, link.text.lower(), link.href)))

    sections: list[Section] = []
    for key, heading, kind in KINDS:
        members = sorted((iri for iri, rows in by_term.items() if iri in terms and kind in _types(rows)),
                         key=lambda i: terms[i].anchor.lower())
        chosen: list[Term] = []
        for iri in members:
            term = terms[iri]
            concepts: tuple[Term, ...] = ()
            if kind == SKOS + "ConceptScheme":
                concepts = tuple(sorted(
                    (terms[c] for c, rows in by_term.items() if c in terms and any(
                        p == SKOS + "inScheme" and v.value == iri for p, v, _ in rows)),
                    key=lambda t: (t.notation or t.anchor).lower()))
            chosen.append(Term(term.iri, term.anchor, term.label, term.definition, term.comment, term.source,
                               term.notation, term.links,
                               tuple(sorted(by_domain.get(iri, ()), key=lambda link: link.text.lower())),
                               tuple(sorted(by_range.get(iri, ()), key=lambda link: link.text.lower())),
                               concepts, used_with(iri) if kind == OWL + "Class" else (),
                               tuple(sorted(set(shapes_of.get(iri, ())), key=lambda link: link.text.lower()))))
        sections.append(Section(key, heading, tuple(chosen)))
    meta_props = (
        (OWL + "versionIRI", "Version IRI"), (OWL + "versionInfo", "Version"), (DCT + "created", "Created"),
        (DCT + "modified", "Modified"), (DCT + "creator", "Creator"), (DCT + "license", "Licence"),
        ("http://purl.org/vocab/vann/preferredNamespacePrefix", "Preferred prefix"),
        ("http://purl.org/vocab/vann/preferredNamespaceUri", "Namespace"), (RDFS + "seeAlso", "See also"),
    )
    metadata = []
    for prop, words in meta_props:
        values = tuple(sorted((_link(v, None) for p, v, _ in header if p == prop), key=lambda link: link.text))
        if values:
            metadata.append((words, values))
    formats = tuple((f"aigov.{SUFFIX[fmt]}", media) for fmt, media in FORMATS.items())
    return OntologyDoc(ONTOLOGY_IRI, _first(header, DCT + "title"), _first(header, DCT + "description"),
                       tuple(metadata), tuple(sections), formats, shapes)


def jsonld(doc: OntologyDoc) -> dict[str, object]:
    """schema.org JSON-LD for the page: the ontology as a set of defined terms."""
    meta = {words: items[0].href or items[0].text for words, items in doc.metadata}
    out: dict[str, object] = {"@context": "https://schema.org", "@type": "DefinedTermSet", "@id": doc.iri,
                              "name": doc.title, "description": doc.description}
    for words, key in (("Version", "version"), ("Licence", "license"), ("Modified", "dateModified"),
                       ("Created", "dateCreated")):
        if words in meta:
            out[key] = meta[words]
    out["hasDefinedTerm"] = [{"@type": "DefinedTerm", "@id": t.iri, "name": t.label} for t in doc.terms]
    return out


def render_html(doc: OntologyDoc) -> str:
    from aigovkg.render import _environment

    return _environment("html").get_template("ontology.html.j2").render(doc=doc, jsonld=jsonld(doc))


def write_ontology(put: Callable[[str, str | bytes], None], *, folder: str = "ontology") -> int:
    """Write the documentation page, the ontology in every format and the shapes
    file under ``folder``; returns the number of terms documented."""
    doc = ontology_doc()
    put(f"{folder}/index.html", render_html(doc))
    triples = [q.triple for q in ontology_store()]
    for fmt in FORMATS:
        put(f"{folder}/aigov.{SUFFIX[fmt]}", serialize(triples, fmt))
    put(f"{folder}/{SHAPES_FILE}", resources.shapes_file().read_bytes())
    return len(doc.terms)

"""Fast SHACL: each shape compiled to set-at-a-time SPARQL on the Oxigraph store.

pySHACL walks the data graph focus node by focus node in Python; on a graph of
a million triples that takes minutes. Here every constraint of every shape
becomes one SELECT that finds *all* its violations at once, evaluated by
Oxigraph. pySHACL stays the reference: the test suite runs both on every shape
case, on graphs with planted violations and on the W3C SHACL Core test suite.

The compiler covers SHACL Core: every kind of target (implicit class targets
too), every kind of path (sequence, alternative, inverse, zero-or-more,
one-or-more and zero-or-one paths become SPARQL property paths), and every
Core constraint component, ``sh:closed``, ``sh:lessThan``, node-level
``sh:equals``/``sh:disjoint``, nested property shapes and disjoint qualified
value shapes included; ``sh:datatype`` finds ill-typed literals (an
``xsd:byte`` outside -128..127 or not an integer). A shape it cannot translate
(SHACL-SPARQL, a recursive shape, a blank node as a value to compare, ...) is
not compiled: :func:`compile_shapes` lists it as a :class:`Fallback` with the
reason, and the caller validates it with pySHACL and says so. So is a shape
whose SPARQL would see a literal in the form the store keeps rather than the
one written (``"01"^^xsd:integer`` as ``"1"``): one that reads a predicate
holding such a literal in the data, or compares one of its own (``sh:in``,
``sh:hasValue``) term for term.

Most constraints of property shapes also get a *screen*: a cheaper ASK that
must be true wherever the constraint has a violation (a failing value anywhere
on the path, more triples of a predicate than distinct subjects, a target
missing one of its required values). A constraint runs only where its screen
is true, so valid data costs a scan of each predicate instead of a join with
every target; the tests check on every case with violations that no screen
hides one.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox

from aigovkg._literals import stored_literal

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class Unsupported(Exception):
    """The shapes use a SHACL feature this compiler does not translate."""


def _sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


_TRUE = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))

# Datatypes whose lexical form SPARQL can check by casting; a failed cast
# leaves the variable unbound, which marks an ill-typed literal.
_CASTABLE = {
    XSD + name
    for name in (
        "boolean", "integer", "decimal", "float", "double", "dateTime", "date", "time",
        "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay", "duration",
        "dayTimeDuration", "yearMonthDuration",
    )
}

# The integer types derived from xsd:integer, with their bounds (None: no
# bound): a literal of one is ill-typed unless it casts to xsd:integer within them.
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    XSD + "nonPositiveInteger": (None, 0),
    XSD + "negativeInteger": (None, -1),
    XSD + "long": (-(2**63), 2**63 - 1),
    XSD + "int": (-(2**31), 2**31 - 1),
    XSD + "short": (-(2**15), 2**15 - 1),
    XSD + "byte": (-(2**7), 2**7 - 1),
    XSD + "nonNegativeInteger": (0, None),
    XSD + "unsignedLong": (0, 2**64 - 1),
    XSD + "unsignedInt": (0, 2**32 - 1),
    XSD + "unsignedShort": (0, 2**16 - 1),
    XSD + "unsignedByte": (0, 2**8 - 1),
    XSD + "positiveInteger": (1, None),
}

# Components that only qualify others, or carry no constraint of their own.
_PARAMETERS = {
    "path", "message", "severity", "name", "description", "order", "group", "defaultValue",
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "property",
    "flags", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint",
    "deactivated", "ignoredProperties",
}

_NODE_KINDS = {
    "IRI": "!isIRI({v})",
    "BlankNode": "!isBlank({v})",
    "Literal": "!isLiteral({v})",
    "BlankNodeOrIRI": "isLiteral({v})",
    "BlankNodeOrLiteral": "isIRI({v})",
    "IRIOrLiteral": "isBlank({v})",
}

# Where a grouped count needs the shape's targets inside its sub-select.
_TARGET = "%TARGETS%"

_RANGES = {"minInclusive": "<", "maxInclusive": ">", "minExclusive": "<=", "maxExclusive": ">="}

# The SPARQL operator each path kind of SHACL becomes.
_PATH_OPERATORS = {"zeroOrMorePath": "*", "oneOrMorePath": "+", "zeroOrOnePath": "?"}

# Components whose results carry no sh:value.
_WITHOUT_VALUE = {"minCount", "maxCount", "hasValue", "uniqueLang", "qualifiedMinCount", "qualifiedMaxCount"}


@dataclass(frozen=True)
class Constraint:
    """One constraint of one shape, compiled to a SPARQL query."""

    shape: Term
    component: str
    #: The result path: the IRI, or the path node of a complex path.
    path: Term | None
    sparql: str
    #: The query variable holding each result's value, or None for results without one.
    value: str | None
    #: The severity IRI.
    severity: str
    message: str | None
    #: A cheaper ASK that is true whenever the constraint has a violation (a
    #: necessary condition); when it is false the constraint is not run.
    screen: str | None = None
    #: The query variable holding each result's path (``sh:closed``), read instead of ``path``.
    path_variable: str | None = None
    #: Literal target nodes the store gives back in another form ("4.0"^^xsd:decimal
    #: as "4"), as (the form given back, the form written in the shapes graph).
    written: tuple[tuple[Term, Term], ...] = ()


@dataclass(frozen=True)
class Result:
    """One validation result, in the terms pySHACL reports."""

    focus: Term
    shape: Term
    #: The constraint component's name, ``minCount`` for sh:MinCountConstraintComponent.
    component: str
    path: Term | None
    value: Term | None
    #: The severity IRI, sh:Violation unless the shape says otherwise.
    severity: str
    message: str | None

    @property
    def component_iri(self) -> str:
        """The IRI of the constraint component, e.g. sh:MinCountConstraintComponent."""
        return component_iri(self.component)


def component_iri(component: str) -> str:
    """The IRI of a constraint component named as in :class:`Result`.

    >>> component_iri("minCount")
    'http://www.w3.org/ns/shacl#MinCountConstraintComponent'
    """
    if "://" in component:
        return component
    return f"{SH}{component[0].upper()}{component[1:]}ConstraintComponent"


def component_name(iri: str) -> str:
    """The inverse of :func:`component_iri`; other IRIs are kept whole."""
    if iri.startswith(SH) and iri.endswith("ConstraintComponent"):
        local = iri[len(SH) : -len("ConstraintComponent")]
        return local[0].lower() + local[1:]
    return iri


@dataclass(frozen=True)
class Fallback:
    """A targeted shape the compiler did not translate, and why."""

    shape: Term
    reason: str


@dataclass(frozen=True)
class Compiled:
    """The compiled constraints of every targeted shape, and the shapes left
    to another engine."""

    constraints: tuple[Constraint, ...]
    fallbacks: tuple[Fallback, ...] = ()


@dataclass(frozen=True)
class _Failure:
    """A pattern matching where a bound focus node violates one constraint,
    with the variables holding the result's value and path, if any."""

    component: str
    pattern: str
    value: str | None
    path: str | None = None
    #: Further variables of the pattern: one result per distinct binding of them
    #: (per pair of values for sh:lessThan, per language for sh:uniqueLang).
    per: tuple[str, ...] = ()


@dataclass
class _Names:
    counter: Iterator[int] = field(default_factory=itertools.count)

    def fresh(self, stem: str) -> str:
        # The trailing underscore keeps ?_v1_ from being a prefix of ?_v12_.
        return f"?_{stem}{next(self.counter)}_"


class ShapesGraph:
    """A parsed shapes graph, with the helpers the compiler needs.

    It is held as parsed, in a pyoxigraph Dataset: an Oxigraph store would
    rewrite ``"1"^^xsd:boolean`` as ``"true"``, and only ``true`` switches on
    a constraint such as ``sh:uniqueLang``.
    """

    def __init__(self, data: bytes | str, *, base_iri: str | None = None) -> None:
        self.graph = ox.Dataset(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=base_iri))

    def triples(self) -> Iterator[ox.Quad]:
        return iter(self.graph)

    def predicates(self, subject: Term) -> set[str]:
        """The IRIs of the predicates of ``subject``."""
        return {q.predicate.value for q in self.graph.quads_for_subject(subject)}  # type: ignore[arg-type]

    def objects(self, subject: Term, name: str) -> list[Term]:
        predicate = ox.NamedNode(name) if "://" in name else _sh(name)
        return sorted(
            (q.object for q in self.graph.quads_for_subject(subject) if q.predicate == predicate),  # type: ignore[arg-type,misc]
            key=str,
        )

    def value(self, subject: Term, name: str) -> Term | None:
        found = self.objects(subject, name)
        if len(found) > 1:
            raise Unsupported(f"{subject}: more than one sh:{name}")
        return found[0] if found else None

    def items(self, head: Term) -> list[Term]:
        """The members of an RDF list."""
        members = []
        nil = ox.NamedNode(RDF + "nil")
        seen = set()
        while head != nil:
            if head in seen:
                raise Unsupported("a cyclic RDF list in the shapes")
            seen.add(head)
            first = self.value(head, RDF + "first")
            rest = self.value(head, RDF + "rest")
            if first is None or rest is None:
                raise Unsupported("a malformed RDF list in the shapes")
            members.append(first)
            head = rest
        return members

    def subjects(self, name: str, obj: Term | None = None) -> set[Term]:
        predicate = ox.NamedNode(name) if "://" in name else _sh(name)
        quads = self.graph.quads_for_predicate(predicate) if obj is None else self.graph.quads_for_object(obj)
        return {q.subject for q in quads if q.predicate == predicate}  # type: ignore[misc]

    def is_implicit_class(self, shape: Term) -> bool:
        """Whether ``shape`` targets the instances of itself: it is a shape and
        an ``rdfs:Class`` (or of a class declared a subclass of it, as pySHACL reads it)."""
        classes = {ox.NamedNode(RDFS + "Class")} | self.subjects(RDFS + "subClassOf", ox.NamedNode(RDFS + "Class"))
        types = set(self.objects(shape, RDF + "type"))
        return bool(types & classes) and bool(types & {_sh("NodeShape"), _sh("PropertyShape")})

    def node_shapes(self) -> list[Term]:
        """Every shape that has a target (the shapes validation starts from)."""
        shapes: set[Term] = set()
        for target in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            shapes |= self.subjects(target)
        for kind in ("NodeShape", "PropertyShape"):
            shapes |= {s for s in self.subjects(RDF + "type", _sh(kind)) if self.is_implicit_class(s)}
        return sorted(shapes, key=str)

    def declared_node_shapes(self) -> int:
        return len(self.subjects(RDF + "type", _sh("NodeShape")))


def _int(term: Term) -> int:
    if not isinstance(term, ox.Literal):
        raise Unsupported(f"{term}: a count must be an integer literal")
    try:
        return int(term.value)
    except ValueError:
        raise Unsupported(f"{term}: a count must be an integer literal") from None


def _term(term: Term) -> str:
    """A term as SPARQL syntax (pyoxigraph escapes it)."""
    if isinstance(term, ox.BlankNode):
        raise Unsupported("a blank node as a value in a constraint")
    return str(term)


def _compared_as_written(shape: Term, component: str, terms: list[Term]) -> None:
    """Refuse a literal that ``component`` compares term for term with the
    data when the store keeps it in another form: SPARQL on the store would
    compare that form (``"1"^^xsd:boolean`` as ``"true"``, equal to ``true``)."""
    for term in terms:
        if isinstance(term, ox.Literal) and stored_literal(term) is not term:
            raise Unsupported(f"{shape}: sh:{component} holds {term}, which SPARQL on the store reads as "
                              f"{stored_literal(term)}")


def _simple_path(path: str) -> bool:
    """A predicate or the inverse of one: the paths the screens understand."""
    return re.fullmatch(r"\^?<[^>]*>", path) is not None


class Compiler:
    """Translates shapes into SPARQL queries, one per constraint.

    With the data store at hand, SHACL instances of a class (``rdf:type``
    of the class or of any subclass) are matched against the subclass
    closure read from the data once, ``VALUES ?c { C D } ?x rdf:type ?c``,
    which Oxigraph evaluates faster than the path ``rdf:type/rdfs:subClassOf*``.
    """

    def __init__(self, shapes: ShapesGraph, *, data: ox.Store | None = None) -> None:
        self.shapes = shapes
        self.names = _Names()
        self.data = data
        self._closures: dict[Term, list[str]] = {}
        self._expanding: list[Term] = []

    def instance_of(self, node: str, cls: Term) -> str:
        """A pattern matching when ``node`` is a SHACL instance of ``cls``."""
        if self.data is None:
            return f"{node} <{RDF}type>/<{RDFS}subClassOf>* {_term(cls)} ."
        if cls not in self._closures:
            found = self.data.query(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS}subClassOf>* {_term(cls)} }}")
            classes = sorted({str(row[0]) for row in found if isinstance(row[0], ox.NamedNode)})  # type: ignore[union-attr]
            self._closures[cls] = classes or [_term(cls)]
        classes = self._closures[cls]
        if len(classes) == 1:
            return f"{node} <{RDF}type> {classes[0]} ."
        variable = self.names.fresh("c")
        return f"VALUES {variable} {{ {' '.join(classes)} }} {node} <{RDF}type> {variable} ."

    # ---------------------------------------------------------------- paths

    def path(self, shape: Term) -> tuple[str, Term]:
        """The SPARQL path of a property shape and its path node for reports."""
        path = self.shapes.value(shape, "path")
        if path is None:
            raise Unsupported(f"{shape}: a property shape without sh:path")
        return self._sparql_path(path, depth=0), path

    def _sparql_path(self, path: Term, *, depth: int) -> str:
        """A SHACL path as a SPARQL property path: a list is a sequence, and
        each path kind its operator (the two languages mean the same by them)."""
        if depth > 32:
            raise Unsupported("a path nested more than 32 deep")
        if isinstance(path, ox.NamedNode):
            return str(path)
        if not isinstance(path, ox.BlankNode):
            raise Unsupported(f"{path}: a path must be an IRI or a blank node")
        if self.shapes.objects(path, RDF + "first"):
            members = [self._sparql_path(m, depth=depth + 1) for m in self.shapes.items(path)]
            if not members:
                raise Unsupported("an empty sequence path")
            return "(" + "/".join(members) + ")"
        kinds = self.shapes.predicates(path)
        if len(kinds) != 1:
            raise Unsupported(f"{path}: a path node must have exactly one kind")
        kind = kinds.pop()[len(SH):]
        inner = self.shapes.value(path, kind)
        if inner is None or kind not in {"inversePath", "alternativePath", *_PATH_OPERATORS}:
            raise Unsupported(f"{path}: unknown path kind {kind}")
        if kind == "alternativePath":
            members = [self._sparql_path(m, depth=depth + 1) for m in self.shapes.items(inner)]
            if not members:
                raise Unsupported("an empty alternative path")
            return "(" + "|".join(members) + ")"
        operand = self._sparql_path(inner, depth=depth + 1)
        if kind == "inversePath":
            return f"^{operand}" if isinstance(inner, ox.NamedNode) else f"(^{operand})"
        return f"({operand}{_PATH_OPERATORS[kind]})"

    # -------------------------------------------------------------- targets

    def targets(self, shape: Term, focus: str) -> str:
        branches = []
        for cls in self.shapes.objects(shape, "targetClass"):
            branches.append(self.instance_of(focus, cls))
        if self.shapes.is_implicit_class(shape):
            branches.append(self.instance_of(focus, shape))
        nodes = self.shapes.objects(shape, "targetNode")
        if nodes:
            branches.append(f"VALUES {focus} {{ {' '.join(_term(n) for n in nodes)} }}")
        for predicate in self.shapes.objects(shape, "targetSubjectsOf"):
            branches.append(f"{focus} {_term(predicate)} {self.names.fresh('t')} .")
        for predicate in self.shapes.objects(shape, "targetObjectsOf"):
            branches.append(f"{self.names.fresh('t')} {_term(predicate)} {focus} .")
        if len(branches) == 1:
            return branches[0]
        return "{ SELECT DISTINCT " + focus + " WHERE { { " + " } UNION { ".join(branches) + " } } }"

    def value_nodes(self, targets: str, path: str, per: tuple[str, ...]) -> tuple[str, str]:
        """The focus nodes of a property shape nested in a property shape: the
        values, on ``path``, of the focus nodes that ``targets`` binds to
        ?focus; and the variable of their parent (a value reached from two
        focus nodes is validated, and reported, once for each)."""
        parent = self.names.fresh("f")
        # The targets pattern names its focus ?focus and nothing else so.
        pattern = (f"{{ SELECT DISTINCT ?focus {' '.join((*per, parent))} WHERE {{ "
                   f"{targets.replace('?focus', parent)} {parent} {path} ?focus . }} }}")
        return pattern, parent

    # ---------------------------------------------------------- constraints

    def failures(self, shape: Term, focus: str, value: str, *, top: bool) -> list[_Failure]:
        """Each constraint of ``shape`` as a pattern that matches when
        ``focus`` (bound) violates it, binding the variable ``value`` to the
        offending value node where there is one. ``top`` is true for the
        shapes validation starts from, whose focus nodes come from targets
        (counts are then grouped set-at-a-time)."""
        if self.shapes.value(shape, "deactivated") == _TRUE:
            return []
        props = sorted(self.shapes.predicates(shape))
        for prop in props:
            name = prop[len(SH):] if prop.startswith(SH) else None
            if name is not None and name not in _PARAMETERS and not self._known(name):
                raise Unsupported(f"{shape}: sh:{name} is not supported by the fast validator")
        is_property = self.shapes.value(shape, "path") is not None
        if is_property:
            path = self.path(shape)[0]
            values = f"{focus} {path} {value} ."
        else:
            path, value, values = "", focus, ""
        found: list[_Failure] = []
        for prop in props:
            component = prop[len(SH):] if prop.startswith(SH) else ""
            if not component or component in _PARAMETERS:
                continue
            for parameter in self.shapes.objects(shape, component):
                if component == "closed":
                    found += self._closed(shape, parameter, value, values)
                elif component == "qualifiedValueShape":
                    found += self._qualified(shape, parameter, focus=focus, value=value, values=values,
                                             is_property=is_property, top=top)
                elif component in ("equals", "disjoint") and not is_property:
                    found.append(self._node_comparison(component, parameter, focus))
                elif component in ("lessThan", "lessThanOrEquals", "uniqueLang"):
                    if not is_property:
                        raise Unsupported(f"{shape}: sh:{component} on a node shape")
                    found += self._per_pair(component, parameter, focus=focus, value=value, values=values, path=path)
                else:
                    pattern = self._constraint(shape, component, parameter, focus=focus, value=value,
                                               values=values, path=path, is_property=is_property, top=top)
                    if pattern is not None:
                        found.append(_Failure(component, pattern, None if component in _WITHOUT_VALUE else value))
        return found

    @staticmethod
    def _known(component: str) -> bool:
        return component in {
            "minCount", "maxCount", "class", "datatype", "nodeKind", "pattern", "in", "hasValue",
            "languageIn", "uniqueLang", "minLength", "maxLength", "disjoint", "equals", "node",
            "not", "and", "or", "xone", "qualifiedValueShape", "closed", "lessThan", "lessThanOrEquals",
            *_RANGES,
        }

    def _constraint(self, shape: Term, component: str, parameter: Term, *, focus: str, value: str,
                    values: str, path: str, is_property: bool, top: bool) -> str | None:
        if component == "minCount":
            count = _int(parameter)
            if count <= 0:
                return None
            if count == 1:
                return f"FILTER NOT EXISTS {{ {values} }}"
            return self._count(focus, values, value, "<", count, top=top)
        if component == "maxCount":
            return self._count(focus, values, value, ">", _int(parameter), top=top)
        if component == "class":
            instance = self.instance_of(value, parameter)
            if top:  # an anti-join against all instances at once
                return f"{values} MINUS {{ {instance} }}"
            return f"{values} FILTER NOT EXISTS {{ {instance} }}"
        if component == "datatype":
            return f"{values} {self._datatype(parameter, value)}"
        if component == "nodeKind":
            kind = parameter.value[len(SH):] if isinstance(parameter, ox.NamedNode) else ""
            if kind not in _NODE_KINDS:
                raise Unsupported(f"{shape}: unknown sh:nodeKind {parameter}")
            return f"{values} FILTER({_NODE_KINDS[kind].format(v=value)})"
        if component == "pattern":
            flags = self.shapes.value(shape, "flags")
            regex = f"REGEX(STR({value}), {_term(parameter)}" + (f", {_term(flags)})" if flags else ")")
            return f"{values} FILTER(isBlank({value}) || !{regex})"
        if component == "in":
            items = self.shapes.items(parameter)
            _compared_as_written(shape, component, items)
            members = " ".join(_term(m) for m in items)
            return f"{values} FILTER NOT EXISTS {{ VALUES {value} {{ {members} }} }}"
        if component == "hasValue":
            _compared_as_written(shape, component, [parameter])
            if is_property:
                return f"FILTER NOT EXISTS {{ {focus} {path} {_term(parameter)} . }}"
            return f"FILTER(!sameTerm({focus}, {_term(parameter)}))"
        if component == "languageIn":
            tags = [m.value for m in self.shapes.items(parameter) if isinstance(m, ox.Literal)]
            matches = " || ".join(f"langMatches(LANG({value}), {_term(ox.Literal(t))})" for t in tags) or "false"
            return f"{values} FILTER(!isLiteral({value}) || LANG({value}) = \"\" || !({matches}))"
        if component in ("minLength", "maxLength"):
            op = "<" if component == "minLength" else ">"
            return f"{values} FILTER(isBlank({value}) || STRLEN(STR({value})) {op} {_int(parameter)})"
        if component in _RANGES:
            op = _RANGES[component]
            good = {"<": ">=", ">": "<=", "<=": ">", ">=": "<"}[op]
            return f"{values} FILTER(!COALESCE({value} {good} {_term(parameter)}, false))"
        if component in ("disjoint", "equals"):
            if component == "disjoint":
                return f"{values} {focus} {_term(parameter)} {value} ."
            # equals: a value on one side that is missing on the other
            return (f"{{ {values} FILTER NOT EXISTS {{ {focus} {_term(parameter)} {value} . }} }} UNION "
                    f"{{ {focus} {_term(parameter)} {value} . FILTER NOT EXISTS {{ {values} }} }}")
        if component == "node":
            return f"{values} FILTER EXISTS {{ {self.fails(parameter, value)} }}"
        if component == "not":
            return f"{values} FILTER NOT EXISTS {{ {self.fails(parameter, value)} }}"
        if component in ("and", "or", "xone"):
            operands = self.shapes.items(parameter)
            fails = [f"EXISTS {{ {self.fails(m, value)} }}" for m in operands]
            if component == "and":
                test = " || ".join(fails) or "false"
            elif component == "or":
                test = " && ".join(fails) or "true"
            else:
                passed = " + ".join(f"IF({f}, 0, 1)" for f in fails) or "0"
                test = f"({passed}) != 1"
            return f"{values} FILTER({test})"
        raise Unsupported(f"{shape}: sh:{component}")

    def _per_pair(self, component: str, parameter: Term, *, focus: str, value: str, values: str,
                  path: str) -> list[_Failure]:
        """Components comparing two values of the focus node: sh:lessThan and
        sh:lessThanOrEquals (a result per value and value of the other
        property it is not below), sh:uniqueLang (a result per language tag
        two values share)."""
        other = self.names.fresh("o")
        if component == "uniqueLang":
            if parameter != _TRUE:
                return []
            tag = self.names.fresh("lang")
            pattern = (f"{values} {focus} {path} {other} . FILTER(isLiteral({value}) && LANG({value}) != \"\" "
                       f"&& !sameTerm({value}, {other}) && LCASE(LANG({value})) = LCASE(LANG({other}))) "
                       f"BIND(LCASE(LANG({value})) AS {tag})")
            return [_Failure(component, pattern, None, per=(tag,))]
        op = "<" if component == "lessThan" else "<="
        pattern = f"{values} {focus} {_term(parameter)} {other} . FILTER(!COALESCE({value} {op} {other}, false))"
        return [_Failure(component, pattern, value, per=(other,))]

    def _closed(self, shape: Term, parameter: Term, node: str, values: str) -> list[_Failure]:
        """sh:closed: each triple of the value node ``node`` whose predicate is
        neither a path of the shape's property shapes nor ignored; the result
        names the predicate as its path and the object as its value."""
        if parameter != _TRUE:
            return []
        allowed: set[Term] = {p for prop in self.shapes.objects(shape, "property")
                              for p in self.shapes.objects(prop, "path") if isinstance(p, ox.NamedNode)}
        for ignored in self.shapes.objects(shape, "ignoredProperties"):
            allowed |= set(self.shapes.items(ignored))
        predicate, obj = self.names.fresh("p"), self.names.fresh("o")
        allowed_terms = ", ".join(sorted(_term(p) for p in allowed))
        test = f" FILTER({predicate} NOT IN ({allowed_terms}))" if allowed else ""
        return [_Failure("closed", f"{values} {node} {predicate} {obj} .{test}", obj, predicate)]

    def _node_comparison(self, component: str, parameter: Term, focus: str) -> _Failure:
        """sh:equals and sh:disjoint on a node shape, whose only value node is the focus node."""
        if component == "disjoint":
            return _Failure(component, f"{focus} {_term(parameter)} {focus} .", focus)
        # The values of ``parameter`` and the focus node itself (a zero-or-one
        # path): a failure each but the focus node when it is its own value.
        other = self.names.fresh("o")
        pattern = (f"{focus} ({_term(parameter)})? {other} . FILTER(!sameTerm({other}, {focus}) "
                   f"|| NOT EXISTS {{ {focus} {_term(parameter)} {focus} . }})")
        return _Failure(component, pattern, other)

    def _qualified(self, shape: Term, parameter: Term, *, focus: str, value: str, values: str,
                   is_property: bool, top: bool) -> list[_Failure]:
        """sh:qualifiedMinCount and sh:qualifiedMaxCount: too few or too many
        values conforming to the qualified value shape (and, with
        sh:qualifiedValueShapesDisjoint, to none of its siblings')."""
        if not is_property:
            raise Unsupported(f"{shape}: a qualified value shape on a node shape")
        bounds = [(name, self.shapes.value(shape, name)) for name in ("qualifiedMinCount", "qualifiedMaxCount")]
        conforms = self._qualified_conforms(shape, parameter)
        found = []
        for name, bound in bounds:
            if bound is None:
                continue
            op = "<" if name == "qualifiedMinCount" else ">"
            if top:
                count = self.names.fresh("n")
                pattern = (f"{{ SELECT {focus} (COUNT(DISTINCT {value}) AS {count}) WHERE {{ {_TARGET} "
                           f"OPTIONAL {{ {values} {conforms(value)} }} }} GROUP BY {focus} }} "
                           f"FILTER({count} {op} {_int(bound)})")
            else:
                pattern = self._nested_count(values, value, op, _int(bound), condition=conforms)
            found.append(_Failure(name, pattern, None))
        return found

    def _qualified_conforms(self, shape: Term, qualified: Term):
        """A function giving the filters a value meets when it counts for a
        qualified value shape: it conforms to it and, when disjoint is asked
        for, to none of the qualified value shapes of the shape's siblings."""
        siblings: list[Term] = []
        if self.shapes.value(shape, "qualifiedValueShapesDisjoint") == _TRUE:
            for parent in sorted(self.shapes.subjects("property", shape), key=str):
                for sibling in self.shapes.objects(parent, "property"):
                    siblings += [s for s in self.shapes.objects(sibling, "qualifiedValueShape") if s != qualified]

        def conforms(value: str) -> str:
            tests = [f"FILTER NOT EXISTS {{ {self.fails(qualified, value)} }}"]
            tests += [f"FILTER EXISTS {{ {self.fails(s, value)} }}" for s in sorted(set(siblings), key=str)]
            return " ".join(tests)

        return conforms

    def _count(self, focus: str, values: str, value: str, op: str, limit: int, *, top: bool) -> str:
        """Fewer than / more than ``limit`` distinct values."""
        if top and op == ">" and limit == 1:
            # Two distinct values: a join, cheaper than grouping every focus node.
            other = self.names.fresh("o")
            return f"{values} {values.replace(value, other)} FILTER(!sameTerm({value}, {other}))"
        if top:
            # Grouped set-at-a-time; the targets are put into the sub-select
            # so that focus nodes without any value are counted as 0.
            count = self.names.fresh("n")
            body = f"OPTIONAL {{ {values} }}" if op == "<" else values
            return (f"{{ SELECT {focus} (COUNT(DISTINCT {value}) AS {count}) WHERE {{ {_TARGET} {body} }} "
                    f"GROUP BY {focus} }} FILTER({count} {op} {limit})")
        return self._nested_count(values, value, op, limit)

    def _nested_count(self, values: str, value: str, op: str, limit: int, *, condition=None) -> str:
        """Inside a nested shape the focus is already bound: fewer than
        ``limit`` (op ``<``) or more than ``limit`` (``>``) distinct values,
        as n distinct values each meeting ``condition``, if given."""
        needed = limit if op == "<" else limit + 1
        if needed > 4:
            raise Unsupported("counts above 4 inside nested shapes")
        names = [self.names.fresh("c") for _ in range(needed)]
        triples = " ".join(values.replace(value, name) + (f" {condition(name)}" if condition else "")
                           for name in names)
        distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2))
        pattern = triples + (f" FILTER({distinct})" if distinct else "")
        return f"FILTER NOT EXISTS {{ {pattern} }}" if op == "<" else pattern

    def _datatype(self, datatype: Term, value: str) -> str:
        if not isinstance(datatype, ox.NamedNode):
            raise Unsupported("sh:datatype must be an IRI")
        if datatype.value == RDF + "langString":
            return f"FILTER(!isLiteral({value}) || LANG({value}) = \"\")"
        wrong = f"!isLiteral({value}) || !sameTerm(DATATYPE({value}), {datatype})"
        if datatype.value in _CASTABLE:
            ok = self.names.fresh("ok")
            return f"BIND(IF(isLiteral({value}), {datatype}(STR({value})), 0) AS {ok}) FILTER({wrong} || !BOUND({ok}))"
        if datatype.value in _INTEGER_RANGES:
            # Oxigraph has no cast to the derived types: cast to xsd:integer and check the bounds.
            number = self.names.fresh("ok")
            low, high = _INTEGER_RANGES[datatype.value]
            outside = "".join(f" || {number} {op} {bound}" for op, bound in (("<", low), (">", high))
                              if bound is not None)
            return (f"BIND(IF(isLiteral({value}), <{XSD}integer>(STR({value})), 0) AS {number}) "
                    f"FILTER({wrong} || !BOUND({number}){outside})")
        return f"FILTER({wrong})"

    def fails(self, shape: Term, focus: str) -> str:
        """A pattern that matches when the bound ``focus`` violates ``shape``."""
        if shape in self._expanding:
            raise Unsupported(f"{shape}: a recursive shape (SPARQL has no recursion to check it)")
        if self.shapes.value(shape, "deactivated") == _TRUE:
            return "FILTER(false)"
        self._expanding.append(shape)
        try:
            branches = [f.pattern for f in self.failures(shape, focus, self.names.fresh("w"), top=False)]
            props = self.shapes.objects(shape, "property")
            if props and self.shapes.value(shape, "path") is not None:
                # Nested property shapes apply to the values of this one (a
                # FILTER EXISTS, where the value is bound, as the focus is here).
                node = self.names.fresh("v")
                reach = f"{focus} {self.path(shape)[0]} {node} ."
                branches += [f"{reach} FILTER EXISTS {{ {self.fails(prop, node)} }}" for prop in props]
            else:
                branches += [self.fails(prop, focus) for prop in props]
        finally:
            self._expanding.pop()
        if not branches:
            return "FILTER(false)"
        return "{ " + " } UNION { ".join(branches) + " }"

    # ---------------------------------------------------------- shapes

    def compile_shape(self, shape: Term, *, missing: dict[str, list[str]]) -> list[Constraint]:
        """Every constraint of a targeted shape and of the property shapes in
        it. The ``minCount 1`` screens are collected in ``missing`` by targets
        (the constraints hold their targets as a placeholder screen)."""
        return self._compile_at(shape, self.targets(shape, "?focus"), missing, per=(),
                                written=self._as_written(shape))

    def _as_written(self, shape: Term) -> tuple[tuple[Term, Term], ...]:
        """The literal target nodes of ``shape`` that Oxigraph gives back in
        another form, as (that form, the form written): results name them as
        the shapes graph writes them, as pySHACL does."""
        given_back: dict[Term, list[Term]] = {}
        for node in self.shapes.objects(shape, "targetNode"):
            if isinstance(node, ox.Literal):
                back = next(iter(ox.Store().query(f"SELECT ?x WHERE {{ VALUES ?x {{ {node} }} }}")))["x"]  # type: ignore[arg-type]
                if back != node:
                    given_back.setdefault(back, []).append(node)
        return tuple((back, nodes[0]) for back, nodes in given_back.items() if len(nodes) == 1)

    def _compile_at(self, shape: Term, targets: str, missing: dict[str, list[str]], *,
                    per: tuple[str, ...], written: tuple[tuple[Term, Term], ...]) -> list[Constraint]:
        """The constraints of ``shape`` on the focus nodes ``targets`` binds to
        ?focus, then those of its property shapes (on the same focus nodes for
        a node shape, on its values for a property shape). ``per`` are the
        variables of the parents of a nested shape's focus nodes; ``written``
        the literal target nodes to report as written (see ``_as_written``)."""
        if self.shapes.value(shape, "deactivated") == _TRUE:
            return []
        if shape in self._expanding:
            raise Unsupported(f"{shape}: a recursive shape (SPARQL has no recursion to check it)")
        self._expanding.append(shape)
        try:
            constraints = [
                dataclasses.replace(self._query(shape, dataclasses.replace(failure, per=failure.per + per),
                                                targets, missing), written=written)
                for failure in self.failures(shape, "?focus", "?value", top=True)
            ]
            nested, nested_per, nested_written = targets, per, written
            if self.shapes.value(shape, "path") is not None:
                nested, parent = self.value_nodes(targets, self.path(shape)[0], per)
                nested_per, nested_written = (*per, parent), ()
            for prop in self.shapes.objects(shape, "property"):
                constraints += self._compile_at(prop, nested, missing, per=nested_per, written=nested_written)
        finally:
            self._expanding.pop()
        return constraints

    def _query(self, shape: Term, failure: _Failure, targets: str, missing: dict[str, list[str]]) -> Constraint:
        body = failure.pattern.replace(_TARGET, targets)
        variables = ["?focus", *(v for v in (failure.value, failure.path) if v not in (None, "?focus")), *failure.per]
        severity = self.shapes.value(shape, "severity")
        message = self.shapes.value(shape, "message")
        path = screen = None
        if self.shapes.value(shape, "path") is not None:
            sparql_path, path = self.path(shape)
            found = None
            if _simple_path(sparql_path):
                found = _screen(failure.component, failure.pattern, f"?focus {sparql_path} ?value .", sparql_path)
            if found and found[0] == "missing":
                missing.setdefault(targets, []).append(found[1])
                screen = targets  # replaced by the merged screen of these targets
            elif found:
                screen = found[1]
        return Constraint(
            shape=shape,
            component=failure.component,
            path=path,
            sparql=f"SELECT DISTINCT {' '.join(variables)} WHERE {{ {targets} {body} }}",
            value=failure.value[1:] if failure.value else None,
            severity=severity.value if isinstance(severity, ox.NamedNode) else SH + "Violation",
            message=message.value if isinstance(message, ox.Literal) else None,
            screen=screen,
            path_variable=failure.path[1:] if failure.path else None,
        )


# Components whose violations all come from one value reached by the path:
# dropping the targets from their pattern gives every candidate violation.
_VALUE_COMPONENTS = {
    "class", "datatype", "nodeKind", "pattern", "in", "languageIn", "minLength", "maxLength",
    "node", "not", "and", "or", "xone", "disjoint", "uniqueLang", *_RANGES,
}

def _screen(component: str, pattern: str, values: str, path: str) -> tuple[str, str] | None:
    """A necessary condition for a constraint of a property shape to have a
    violation, as (kind, SPARQL): ``ask`` is a whole ASK query; ``missing`` is
    a FILTER operand that is true for a focus node missing a value, to be
    merged with the other ``minCount 1`` constraints on the same targets.

    - a value component: some node anywhere has a failing value on the path
      (the pattern without the targets: the join with them only removes rows);
    - ``maxCount 1`` on a predicate (or its inverse): some node has two values,
      which shows as more triples than distinct subjects (objects);
    - ``minCount 1``: some target lacks a value.
    """
    if not pattern.startswith(values) and pattern != f"FILTER NOT EXISTS {{ {values} }}":
        return None
    if _TARGET in pattern or "SELECT" in pattern:
        return None
    if component in _VALUE_COMPONENTS:
        return "ask", f"ASK {{ {pattern} }}"
    if component == "maxCount" and "FILTER(!sameTerm(" in pattern:
        inverse = path.startswith("^")
        predicate = path[1:] if inverse else path
        node = "?o" if inverse else "?s"
        return "ask", (f"ASK {{ {{ SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT {node}) AS ?d) "
                       f"WHERE {{ ?s {predicate} ?o }} }} FILTER(?n != ?d) }}")
    if component == "minCount" and pattern.startswith("FILTER NOT EXISTS"):
        return "missing", f"NOT EXISTS {{ {values} }}"
    return None


def compile_shapes(shapes: ShapesGraph, *, data: ox.Store | None = None,
                   rewritten: Mapping[str, str] | None = None) -> Compiled:
    """Every constraint of every targeted shape as a SELECT over ``?focus``;
    given the ``data`` store, class membership uses its subclass closure.
    Constraints of property shapes carry a cheaper screen (see ``_screen``).
    A targeted shape that cannot be compiled, whole, is listed as a fallback
    with the reason; so is one that reads a predicate of ``rewritten`` (whose
    literals the data store keeps in another form than the files wrote, each
    with an example): its SPARQL would see the stored form."""
    compiler = Compiler(shapes, data=data)
    constraints: list[Constraint] = []
    fallbacks = []
    missing: dict[str, list[str]] = {}  # targets -> the minCount 1 operands on them
    for shape in shapes.node_shapes():
        found: dict[str, list[str]] = {}
        try:
            compiled = compiler.compile_shape(shape, missing=found)
        except Unsupported as reason:
            fallbacks.append(Fallback(shape, str(reason).removeprefix(f"{shape}: ")))
            continue
        read = _reads_rewritten(compiled, rewritten or {})
        if read is not None:
            fallbacks.append(Fallback(shape, f"it reads <{read}>, on which the store keeps a literal in another form "
                                             f"than written ({(rewritten or {})[read]})"))
            continue
        constraints += compiled
        for targets, operands in found.items():
            missing.setdefault(targets, []).extend(operands)
    # One scan of the targets tests all their minCount 1 constraints at once.
    merged = {
        targets: f"ASK {{ {targets} FILTER({' || '.join(sorted(set(operands)))}) }}"
        for targets, operands in missing.items()
    }
    constraints = [
        dataclasses.replace(c, screen=merged[c.screen]) if c.screen in merged else c for c in constraints
    ]
    return Compiled(tuple(constraints), tuple(fallbacks))


def _reads_rewritten(constraints: list[Constraint], rewritten: Mapping[str, str]) -> str | None:
    """The first predicate of ``rewritten`` the constraints' queries read, if
    any (``sh:closed`` reads every predicate of its focus nodes)."""
    for constraint in constraints:
        for predicate in sorted(rewritten):
            if constraint.path_variable is not None or f"<{predicate}>" in constraint.sparql:
                return predicate
    return None


def run(store: ox.Store, constraints: tuple[Constraint, ...] | list[Constraint], *,
        workers: int | None = None) -> list[Result]:
    """Evaluate compiled constraints on ``store``; results sorted.

    Oxigraph evaluates queries without holding the GIL, so the constraints
    run on a few threads at once (one per core, at most 4).
    """
    workers = workers or min(4, os.cpu_count() or 1)

    def ask(query: str) -> bool:
        return bool(store.query(query))

    def evaluate(constraint: Constraint) -> list[Result]:
        found = []
        as_written = dict(constraint.written)
        for row in store.query(constraint.sparql):  # type: ignore[union-attr]
            focus = as_written.get(row["focus"], row["focus"])
            value = None
            if constraint.value:
                value = focus if constraint.value == "focus" else row[constraint.value]
            found.append(
                Result(
                    focus=focus,
                    shape=constraint.shape,
                    component=constraint.component,
                    path=row[constraint.path_variable] if constraint.path_variable else constraint.path,
                    value=value,
                    severity=constraint.severity,
                    message=constraint.message,
                )
            )
        return found

    # First the screens (each distinct one once) beside the unscreened
    # constraints, then the constraints whose screen found a candidate.
    screens = sorted({c.screen for c in constraints if c.screen is not None})
    unscreened = [c for c in constraints if c.screen is None]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        asked = pool.map(ask, screens)
        first = pool.map(evaluate, unscreened)
        passed = dict(zip(screens, asked, strict=True))
        found = list(first)
        found += pool.map(evaluate, [c for c in constraints if c.screen is not None and passed[c.screen]])
    # Two constraints of one shape (two sh:class, say) may find the same
    # result: each is a result of its own, as in pySHACL's report.
    results = [result for batch in found for result in batch]
    return sorted(results, key=lambda r: (str(r.focus), str(r.shape), r.component, str(r.path), str(r.value)))

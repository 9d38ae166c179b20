"""Fast SHACL: each shape compiled to set-at-a-time SPARQL on the Oxigraph store.

pySHACL walks the data graph focus node by focus node in Python; on a graph of
a million triples that takes minutes. Here every constraint of every shape
becomes one SELECT that finds *all* its violations at once, evaluated by
Oxigraph. pySHACL stays the reference: the test suite runs both on every shape
case and on graphs with planted violations and requires the same results.

The compiler covers the SHACL Core used by data shapes: targets (class with
subclasses, node, subjects of, objects of), predicate and inverse paths,
``sh:minCount``, ``sh:maxCount``, ``sh:class``, ``sh:datatype`` (including
ill-typed literals), ``sh:nodeKind``, ``sh:pattern`` (with flags), ``sh:in``,
``sh:hasValue``, ``sh:languageIn``, ``sh:uniqueLang``, ``sh:minLength``,
``sh:maxLength``, the four range constraints, ``sh:disjoint``, ``sh:equals``,
``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone`` and qualified value
shapes. A shapes graph using anything else raises :class:`Unsupported`, and the
caller falls back to pySHACL.

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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class Unsupported(Exception):
    """The shapes use a SHACL feature this compiler does not translate."""


def _sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


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

# Components that only qualify others, or carry no constraint of their own.
_PARAMETERS = {
    "path", "message", "severity", "name", "description", "order", "group", "defaultValue",
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "property",
    "flags", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint",
    "deactivated", "closed", "ignoredProperties",
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


@dataclass(frozen=True)
class Constraint:
    """One constraint of one shape, compiled to a SPARQL query."""

    shape: Term
    component: str
    path: str | None
    sparql: str
    with_value: bool
    severity: str
    message: str | None
    #: A cheaper ASK that is true whenever the constraint has a violation (a
    #: necessary condition); when it is false the constraint is not run.
    screen: str | None = None


@dataclass(frozen=True)
class Result:
    """One validation result, in the terms pySHACL reports."""

    focus: Term
    shape: Term
    component: str
    path: str | None
    value: Term | None
    severity: str
    message: str | None


@dataclass
class _Names:
    counter: Iterator[int] = field(default_factory=itertools.count)

    def fresh(self, stem: str) -> str:
        # The trailing underscore keeps ?_v1_ from being a prefix of ?_v12_.
        return f"?_{stem}{next(self.counter)}_"


class ShapesGraph:
    """A parsed shapes graph, with the helpers the compiler needs."""

    def __init__(self, data: bytes | str, *, base_iri: str | None = None) -> None:
        self.store = ox.Store()
        self.store.load(data, format=ox.RdfFormat.TURTLE, base_iri=base_iri)

    def objects(self, subject: Term, name: str) -> list[Term]:
        predicate = ox.NamedNode(name) if "://" in name else _sh(name)
        return sorted(
            (q.object for q in self.store.quads_for_pattern(subject, predicate, None)),  # type: ignore[arg-type,misc]
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
        return {q.subject for q in self.store.quads_for_pattern(None, predicate, obj)}  # type: ignore[misc]

    def node_shapes(self) -> list[Term]:
        """Every shape that has a target (the shapes validation starts from)."""
        shapes: set[Term] = set()
        for target in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            shapes |= self.subjects(target)
        implicit = self.subjects(RDF + "type", ox.NamedNode(RDFS + "Class")) & (
            self.subjects(RDF + "type", _sh("NodeShape")) | self.subjects(RDF + "type", _sh("PropertyShape"))
        )
        if implicit:
            raise Unsupported("implicit class targets")
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

    def path(self, shape: Term) -> tuple[str, str | None]:
        """The SPARQL path of a property shape and its IRI for reports."""
        path = self.shapes.value(shape, "path")
        if isinstance(path, ox.NamedNode):
            return str(path), path.value
        if isinstance(path, ox.BlankNode):
            inverse = self.shapes.value(path, "inversePath")
            if isinstance(inverse, ox.NamedNode) and len(list(self.shapes.store.quads_for_pattern(path, None, None))) == 1:
                return f"^{inverse}", None
        raise Unsupported(f"{shape}: only predicate and inverse paths are supported")

    # -------------------------------------------------------------- targets

    def targets(self, shape: Term, focus: str) -> str:
        branches = []
        for cls in self.shapes.objects(shape, "targetClass"):
            branches.append(self.instance_of(focus, cls))
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

    # ---------------------------------------------------------- constraints

    def failures(self, shape: Term, focus: str, value: str, *, top: bool) -> list[tuple[str, str, bool]]:
        """Each constraint of ``shape`` as (component, pattern, with_value):
        the pattern matches when ``focus`` (bound) violates it, binding the
        variable ``value`` to the offending value node where there is one.
        ``top`` is true for the shapes validation starts from, whose focus
        nodes come from targets (counts are then grouped set-at-a-time)."""
        true = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
        if self.shapes.value(shape, "deactivated") == true:
            return []
        props = sorted({q.predicate.value for q in self.shapes.store.quads_for_pattern(shape, None, None)})  # type: ignore[arg-type]
        for prop in props:
            name = prop[len(SH):] if prop.startswith(SH) else None
            if name is not None and name not in _PARAMETERS and not self._known(name):
                raise Unsupported(f"{shape}: sh:{name} is not supported by the fast validator")
        if self.shapes.value(shape, "closed") == true:
            raise Unsupported(f"{shape}: sh:closed is not supported by the fast validator")
        is_property = self.shapes.value(shape, "path") is not None
        if is_property:
            path = self.path(shape)[0]
            values = f"{focus} {path} {value} ."
        else:
            path, value, values = "", focus, ""
        found: list[tuple[str, str, bool]] = []
        for prop in props:
            component = prop[len(SH):] if prop.startswith(SH) else ""
            if not component or component in _PARAMETERS:
                continue
            for parameter in self.shapes.objects(shape, component):
                pattern = self._constraint(shape, component, parameter, focus=focus, value=value,
                                           values=values, path=path, is_property=is_property, top=top)
                if pattern is not None:
                    found.append((component, pattern, is_property and self._has_value(component)))
        return found

    @staticmethod
    def _has_value(component: str) -> bool:
        return component not in {"minCount", "maxCount", "hasValue", "uniqueLang", "qualifiedValueShape"}

    @staticmethod
    def _known(component: str) -> bool:
        return component in {
            "minCount", "maxCount", "class", "datatype", "nodeKind", "pattern", "in", "hasValue",
            "languageIn", "uniqueLang", "minLength", "maxLength", "disjoint", "equals", "node",
            "not", "and", "or", "xone", "qualifiedValueShape", *_RANGES,
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
            members = " ".join(_term(m) for m in self.shapes.items(parameter))
            return f"{values} FILTER NOT EXISTS {{ VALUES {value} {{ {members} }} }}"
        if component == "hasValue":
            if is_property:
                return f"FILTER NOT EXISTS {{ {focus} {path} {_term(parameter)} . }}"
            return f"FILTER(!sameTerm({focus}, {_term(parameter)}))"
        if component == "languageIn":
            tags = [m.value for m in self.shapes.items(parameter) if isinstance(m, ox.Literal)]
            matches = " || ".join(f"langMatches(LANG({value}), {_term(ox.Literal(t))})" for t in tags) or "false"
            return f"{values} FILTER(!isLiteral({value}) || LANG({value}) = \"\" || !({matches}))"
        if component == "uniqueLang":
            if parameter != ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")):
                return None
            if not is_property:
                raise Unsupported(f"{shape}: sh:uniqueLang on a node shape")
            other = self.names.fresh("o")
            return (f"{values} {focus} {path} {other} . FILTER(isLiteral({value}) && LANG({value}) != \"\" "
                    f"&& !sameTerm({value}, {other}) && LCASE(LANG({value})) = LCASE(LANG({other})))")
        if component in ("minLength", "maxLength"):
            op = "<" if component == "minLength" else ">"
            return f"{values} FILTER(isBlank({value}) || STRLEN(STR({value})) {op} {_int(parameter)})"
        if component in _RANGES:
            op = _RANGES[component]
            good = {"<": ">=", ">": "<=", "<=": ">", ">=": "<"}[op]
            return f"{values} FILTER(!COALESCE({value} {good} {_term(parameter)}, false))"
        if component in ("disjoint", "equals"):
            if not is_property:
                raise Unsupported(f"{shape}: sh:{component} on a node shape")
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
        if component == "qualifiedValueShape":
            if self.shapes.value(shape, "qualifiedValueShapesDisjoint") == ox.Literal(
                "true", datatype=ox.NamedNode(XSD + "boolean")
            ):
                raise Unsupported(f"{shape}: sh:qualifiedValueShapesDisjoint")
            if not is_property or not top:
                raise Unsupported(f"{shape}: a qualified value shape outside a targeted shape")
            # ``conforming`` counts the values that conform to the qualified shape.
            conforming = self.names.fresh("n")
            tests = []
            low = self.shapes.value(shape, "qualifiedMinCount")
            high = self.shapes.value(shape, "qualifiedMaxCount")
            if low is not None:
                tests.append(f"{conforming} < {_int(low)}")
            if high is not None:
                tests.append(f"{conforming} > {_int(high)}")
            if not tests:
                return None
            inner = self.fails(parameter, value)
            return (f"{{ SELECT {focus} (COUNT(DISTINCT {value}) AS {conforming}) WHERE {{ {_TARGET} "
                    f"OPTIONAL {{ {values} FILTER NOT EXISTS {{ {inner} }} }} }} GROUP BY {focus} }} "
                    f"FILTER({' || '.join(tests)})")
        raise Unsupported(f"{shape}: sh:{component}")

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
        # Inside a nested shape the focus is already bound: n distinct values.
        needed = limit if op == "<" else limit + 1
        if needed > 4:
            raise Unsupported("counts above 4 inside nested shapes")
        names = [self.names.fresh("c") for _ in range(needed)]
        triples = " ".join(values.replace(value, name) for name in names)
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
        return f"FILTER({wrong})"

    def fails(self, shape: Term, focus: str) -> str:
        """A pattern that matches when the bound ``focus`` violates ``shape``."""
        branches = [pattern for _c, pattern, _v in self.failures(shape, focus, self.names.fresh("w"), top=False)]
        for prop in self.shapes.objects(shape, "property"):
            branches.append(self.fails(prop, focus))
        if not branches:
            return "FILTER(false)"
        return "{ " + " } UNION { ".join(branches) + " }"


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


def compile_shapes(shapes: ShapesGraph, *, data: ox.Store | None = None) -> list[Constraint]:
    """Every constraint of every targeted shape as a SELECT over ``?focus``;
    given the ``data`` store, class membership uses its subclass closure.
    Constraints of property shapes carry a cheaper screen (see ``_screen``)."""
    compiler = Compiler(shapes, data=data)
    constraints = []
    missing: dict[str, list[str]] = {}  # targets -> the minCount 1 operands on them
    true = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    for shape in shapes.node_shapes():
        if shapes.value(shape, "deactivated") == true:
            continue
        own = [(shape, c, p, v) for c, p, v in compiler.failures(shape, "?focus", "?value", top=True)]
        nested = []
        if shapes.value(shape, "path") is None:
            for prop in shapes.objects(shape, "property"):
                if shapes.objects(prop, "property"):
                    raise Unsupported(f"{prop}: nested property shapes")
                nested += [(prop, c, p, v) for c, p, v in compiler.failures(prop, "?focus", "?value", top=True)]
        elif shapes.objects(shape, "property"):
            raise Unsupported(f"{shape}: a property shape with sh:property")
        targets = compiler.targets(shape, "?focus")
        for source, component, pattern, with_value in own + nested:
            body = pattern.replace(_TARGET, targets)
            select = "?focus ?value" if with_value else "?focus"
            severity = shapes.value(source, "severity")
            message = shapes.value(source, "message")
            path = screen = None
            if shapes.value(source, "path") is not None:
                sparql_path, path = compiler.path(source)
                found = _screen(component, pattern, f"?focus {sparql_path} ?value .", sparql_path)
                if found and found[0] == "missing":
                    missing.setdefault(targets, []).append(found[1])
                    screen = targets  # replaced below by the merged screen of these targets
                elif found:
                    screen = found[1]
            constraints.append(
                Constraint(
                    shape=source,
                    component=component,
                    path=path,
                    sparql=f"SELECT DISTINCT {select} WHERE {{ {targets} {body} }}",
                    with_value=with_value,
                    severity=severity.value.rsplit("#", 1)[-1] if isinstance(severity, ox.NamedNode) else "Violation",
                    message=message.value if isinstance(message, ox.Literal) else None,
                    screen=screen,
                )
            )
    # One scan of the targets tests all their minCount 1 constraints at once.
    merged = {
        targets: f"ASK {{ {targets} FILTER({' || '.join(sorted(set(operands)))}) }}"
        for targets, operands in missing.items()
    }
    return [
        dataclasses.replace(c, screen=merged[c.screen]) if c.screen in merged else c for c in constraints
    ]


def run(store: ox.Store, constraints: list[Constraint], *, workers: int | None = None) -> list[Result]:
    """Evaluate compiled constraints on ``store``; results sorted.

    Oxigraph evaluates queries without holding the GIL, so the constraints
    run on a few threads at once (one per core, at most 4).
    """
    workers = workers or min(4, os.cpu_count() or 1)

    def ask(query: str) -> bool:
        return bool(store.query(query))

    def evaluate(constraint: Constraint) -> list[Result]:
        found = []
        for row in store.query(constraint.sparql):  # type: ignore[union-attr]
            found.append(
                Result(
                    focus=row["focus"],
                    shape=constraint.shape,
                    component=constraint.component,
                    path=constraint.path,
                    value=row["value"] if constraint.with_value else None,
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
    results = {result for batch in found for result in batch}
    return sorted(results, key=lambda r: (str(r.focus), str(r.shape), r.component, str(r.value)))

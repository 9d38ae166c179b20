"""Validate stage: SHACL shapes (two engines) and the no-row SPARQL checks.

Every violation names the node, the rule (a named shape such as
``aigov:CoverageNeedsCitation``, or a check such as
``check:one-claim-per-source``), its message, and the files that define the
node, so a curator can go straight to the line to fix.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from aigovkg import _pyshacl, resources, shacl
from aigovkg import queries as _queries
from aigovkg._as_written import AsWritten, rewritten_predicates
from aigovkg.loader import LoadedGraph
from aigovkg.namespaces import curie
from aigovkg.store import EmbeddedEngine

SH = "http://www.w3.org/ns/shacl#"

#: Validation engines: the SPARQL compiler on Oxigraph, and pySHACL (the reference).
ENGINES = ("fast", "pyshacl")


@dataclass(frozen=True)
class Violation:
    """One broken rule on one node."""

    focus: str
    rule: str
    message: str
    files: tuple[str, ...] = ()
    path: str | None = None
    value: str | None = None
    severity: str = "Violation"

    def sort_key(self) -> tuple[str, ...]:
        return (self.focus, self.rule, self.path or "", self.value or "", self.message)

    def describe(self) -> str:
        where = ", ".join(self.files) if self.files else "(no file defines this node)"
        detail = f" [{self.path}]" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}: {curie(self.focus)}{detail}: {self.rule}: {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validation: conforms when no rule is broken."""

    violations: tuple[Violation, ...]
    files: int
    triples: int
    shapes_checked: int
    checks_run: int = 0
    #: What validation did about literals the store keeps in another form than
    #: written, then one line per shape the fast engine left to pySHACL, with the reason.
    notes: tuple[str, ...] = field(default=())

    @property
    def conforms(self) -> bool:
        return not self.violations

    def to_text(self) -> str:
        lines = [v.describe() for v in self.violations]
        lines += [f"note: {note}" for note in self.notes]
        verdict = "valid" if self.conforms else f"{len(self.violations)} violation(s)"
        lines.append(
            f"{verdict}: {self.files} files, {self.triples} triples, "
            f"{self.shapes_checked} shapes and {self.checks_run} checks"
        )
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        doc = {
            "conforms": self.conforms,
            "files": self.files,
            "triples": self.triples,
            "shapes": self.shapes_checked,
            "checks": self.checks_run,
            "violations": [asdict(v) for v in self.violations],
            "notes": list(self.notes),
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _display(path: Path, base: Path) -> str:
    for root in (base, resources.data_root()):
        try:
            return str(path.resolve().relative_to(root.resolve().parent))
        except ValueError:
            continue
    return str(path)


@dataclass(frozen=True)
class ShapesOutcome:
    """What one engine's SHACL validation of a data graph found, in RDF terms,
    and the shapes the fast engine left to pySHACL, each with the reason."""

    conforms: bool
    results: tuple[shacl.Result, ...]
    fallbacks: tuple[shacl.Fallback, ...] = ()


def check_shapes(data: ox.Store, shapes: shacl.ShapesGraph, *, engine: str = "fast",
                 as_written: AsWritten | None = None) -> ShapesOutcome:
    """Validate the default graph of ``data`` against any shapes graph.

    ``engine="fast"`` runs the shapes compiled to set-at-a-time SPARQL on the
    Oxigraph store (:mod:`aigovkg.shacl`) and has pySHACL validate only the
    targeted shapes it cannot compile, which it lists as fallbacks;
    ``engine="pyshacl"`` runs pySHACL, the reference, on all of them.
    ``as_written`` (:attr:`LoadedGraph.as_written`) gives the literals the
    store keeps in another form than written: pySHACL reads them as written,
    and the shapes that read their predicates are left to it.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "pyshacl":
        graph = _pyshacl.data_graph(data, as_written=as_written)
        conforms, report = _pyshacl.validate(graph, _pyshacl.shapes_graph(shapes))
        return ShapesOutcome(conforms, tuple(_pyshacl.results(report)))
    compiled = shacl.compile_shapes(shapes, data=data, rewritten=rewritten_predicates(as_written or {}))
    results = shacl.run(data, compiled.constraints)
    if compiled.fallbacks:
        left = _pyshacl.shapes_graph(shapes, only=[fallback.shape for fallback in compiled.fallbacks])
        results += _pyshacl.results(_pyshacl.validate(_pyshacl.data_graph(data, as_written=as_written), left)[1])
    return ShapesOutcome(not results, tuple(results), compiled.fallbacks)


@dataclass(frozen=True)
class ShapesRun:
    """The shapes run on a loaded graph: violations, the number of node shapes,
    and a note for each shape the fast engine left to pySHACL."""

    violations: tuple[Violation, ...]
    shapes_checked: int
    notes: tuple[str, ...] = ()


def run_shapes(loaded: LoadedGraph, *, shapes_file: Path | None = None, engine: str = "fast") -> ShapesRun:
    """Run the SHACL shapes (by default the project's) on a loaded graph with
    one engine (see :func:`check_shapes`)."""
    path = shapes_file or resources.shapes_file()
    shapes = shacl.ShapesGraph(path.read_bytes(), base_iri=path.resolve().as_uri())
    outcome = check_shapes(loaded.store, shapes, engine=engine, as_written=loaded.as_written)
    notes = tuple(
        f"shape {_shape_name(shapes, fallback.shape)}: validated by pySHACL because {fallback.reason}"
        for fallback in outcome.fallbacks
    )
    violations = tuple(_violation(loaded, shapes, r) for r in outcome.results)
    return ShapesRun(violations, shapes.declared_node_shapes(), notes)


def _violation(loaded: LoadedGraph, shapes: shacl.ShapesGraph, result: shacl.Result) -> Violation:
    focus = result.focus.value if not isinstance(result.focus, ox.BlankNode) else str(result.focus)
    value = result.value
    shown = None if value is None or value == result.focus else (
        value.value if isinstance(value, ox.NamedNode | ox.Literal) else str(value)
    )
    return Violation(
        focus=focus,
        rule=_shape_name(shapes, result.shape),
        message=result.message or f"sh:{result.component} not satisfied",
        files=tuple(_display(p, loaded.data_dir) for p in loaded.files_of(focus)),
        path=curie(result.path.value) if isinstance(result.path, ox.NamedNode) else None,
        value=shown,
        severity=result.severity.rsplit("#", 1)[-1],
    )


def _shape_name(shapes: shacl.ShapesGraph, shape: shacl.Term) -> str:
    """A shape's name, or that of the named shape holding it (sh:property)."""
    if isinstance(shape, ox.NamedNode):
        return curie(shape.value)
    parents = sorted(shapes.subjects(SH + "property", shape), key=str)
    if parents and isinstance(parents[0], ox.NamedNode):
        return curie(parents[0].value)
    return "anonymous shape"


def run_checks(loaded: LoadedGraph) -> tuple[list[Violation], int]:
    """Run every query of ``queries/checks/``; each row is a violation."""
    from concurrent.futures import ThreadPoolExecutor

    engine = EmbeddedEngine(loaded.store)
    violations = []
    registry = _queries.checks()
    # Oxigraph evaluates without the GIL: the checks run on a thread per core.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        tables = list(pool.map(engine.select, [check.text for check in registry.values()]))
    for (name, check), table in zip(registry.items(), tables, strict=True):
        for record in table.records():
            focus = str(record.get("focus"))
            violations.append(
                Violation(
                    focus=focus,
                    rule=f"check:{name}",
                    message=str(record.get("message") or check.description),
                    files=tuple(_display(p, loaded.data_dir) for p in loaded.files_of(focus)),
                )
            )
    return violations, len(registry)


def validate(
    loaded: LoadedGraph, *, shapes_file: Path | None = None, checks: bool = True, engine: str = "fast"
) -> ValidationReport:
    """Validate a loaded graph against the shapes and the no-row checks."""
    # One after the other: each already runs its queries on a thread per core
    # (measured on the medium benchmark graph: 4.4 s so, 4.6 s side by side).
    shapes = run_shapes(loaded, shapes_file=shapes_file, engine=engine)
    check_violations, check_count = run_checks(loaded) if checks else ([], 0)
    violations = tuple(sorted(set(shapes.violations) | set(check_violations), key=Violation.sort_key))
    return ValidationReport(
        violations=violations,
        files=len(loaded.files),
        triples=loaded.triples,
        shapes_checked=shapes.shapes_checked,
        checks_run=check_count,
        notes=_as_written_note(loaded) + shapes.notes,
    )


def _as_written_note(loaded: LoadedGraph) -> tuple[str, ...]:
    """What validation did about literals the store keeps in another form."""
    count = sum(1 for stored, triples in loaded.as_written.items() for triple in triples if triple != stored)
    if not count:
        return ()
    return (f"{count} literal(s) are kept by the store in another form than written (\"01\"^^xsd:integer as "
            "\"1\", xsd:int as xsd:integer, ...): the shapes read them as written (on pySHACL); "
            "the SPARQL checks compare the stored form",)

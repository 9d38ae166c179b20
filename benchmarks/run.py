"""Side-by-side benchmark: aigovkg against the plain rdflib + pySHACL way.

For each graph size it generates a synthetic graph (``aigovkg synth``), then
runs every stage in a fresh child process per run, once with aigovkg and once
the plain way, and reports medians, ratios and peak memory (the child's
maximum resident set, read with ``os.wait4``):

    stage      aigovkg                              plain way
    load       strict Turtle into Oxigraph          rdflib Graph.parse
    shapes     shapes compiled to SPARQL (fast)     pySHACL on the rdflib graph
    checks     no-row checks on Oxigraph            the same queries on rdflib
    validate   shapes and checks, as                (the two above)
               `aigovkg validate` runs them
    load, validate (on disk)                        (no equivalent)
               the same into an on-disk store, as
               `aigovkg validate --on-disk` does,
               in a process of its own (its memory)
    queries    every named query on Oxigraph        the same texts on rdflib
    analyses   graphs through SPARQL + networkx     rdflib_to_networkx + networkx
    pages      every topic, instrument and          (no equivalent)
               jurisdiction page of the site
    build      `aigovkg build` (a process)          (no equivalent)
    dumps      the build's dumps (every export      (no equivalent; beside it, its
               format, the VoID, the context)       floor: Oxigraph's own serializers
                                                    writing the same graph in the
                                                    same formats, in the same run)

pyrudof (rudof's Rust engine, installed with ``pip install -e '.[bench]'``)
loads the same files and validates them against the same shapes, where it is
installed; it runs under an address-space limit (``--rudof-memory``, GiB), so
that running out of memory fails that run, not the machine. Its memory grows
with the focus nodes times the property shapes (about 15 KB per triple here),
so with ``--rudof-parts`` it also validates the shapes a part at a time
(``shape_parts``: the shapes on coverage claims one property shape a part, the
rest together), the data loaded once: its time is the parts' sum, its results
their union, which a test checks against the whole's. Each named query
and check of the plain way is stopped after ``AIGOVKG_BENCH_PLAIN_QUERY_TIMEOUT``
seconds (default 30) and counted as that long: its totals and ratios are then
lower bounds, marked ≥.

Run from a checkout (after ``pip install -e .``):

    python benchmarks/run.py                         # small and medium, 3 runs
    python benchmarks/run.py --sizes small,medium,large --runs 3 --plain-runs 1

The plain way is skipped for sizes above ``--plain-max`` triples (it takes
hours there); a child that exceeds ``--timeout`` seconds is stopped and its
unfinished stages are reported as such. Results go to ``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = {"small": (26, 12), "medium": (1000, 200), "large": (5000, 400)}
STAGES = ("load", "shapes", "checks", "validate", "queries", "analyses", "pages", "build",
          "load (on disk)", "validate (on disk)", "dumps")
#: Each stage measured beside its floor, and the floor's stage name.
FLOORS = {"dumps": "dumps (floor)"}
HERE = Path(__file__).resolve().parent
# The plain way's named queries and checks are each stopped after this many
# seconds (rdflib's engine takes hours on some); a stopped one counts as this
# long, so the plain totals and ratios that include one are lower bounds.
PLAIN_QUERY_TIMEOUT = float(os.environ.get("AIGOVKG_BENCH_PLAIN_QUERY_TIMEOUT", "30"))


# ------------------------------------------------------------------ children

def _emit(stage: str, seconds: float, **extra: Any) -> None:
    print(json.dumps({"stage": stage, "seconds": seconds, **extra}), flush=True)


def _timed(stage: str, work) -> Any:
    start = time.perf_counter()
    result = work()
    _emit(stage, time.perf_counter() - start)
    return result


def _sample_params(kg, named) -> dict[str, Any]:
    """A value for every required parameter, read from the graph itself."""
    first = {
        "topic": "SELECT ?x WHERE { ?t a aigov:Topic ; skos:notation ?x FILTER(DATATYPE(?x) = xsd:string) } ORDER BY ?x LIMIT 1",
        "instrument": "SELECT ?x WHERE { ?t a aigov:Instrument ; skos:notation ?x FILTER(DATATYPE(?x) = xsd:string) } ORDER BY ?x LIMIT 1",
        "jurisdiction": "SELECT ?x WHERE { ?x a aigov:Jurisdiction } ORDER BY ?x LIMIT 1",
    }
    params: dict[str, Any] = {}
    for param in named.params:
        if param.optional:
            continue
        if param.type in first:
            row = kg.sparql_results(first[param.type]).records()[0]
            value = str(row["x"])
            params[param.name] = value.rsplit("/", 1)[-1]
        elif param.type == "source":
            params[param.name] = "aigovkg"
        elif param.type == "date":
            params[param.name] = "2020-01-01"
        elif param.type == "integer":
            params[param.name] = 3
        else:
            params[param.name] = "celex" if param.name == "scheme" else "aigovkg"
    return params


def child_aigovkg(data: Path) -> None:
    from aigovkg import analyse
    from aigovkg import queries as registry
    from aigovkg.api import KnowledgeGraph
    from aigovkg.loader import load_graph
    from aigovkg.model import subject_rows, topic_pages
    from aigovkg.render import render_topic
    from aigovkg.render.site import write_site
    from aigovkg.store import EmbeddedEngine
    from aigovkg.validate import run_checks, run_shapes, validate

    loaded = _timed("load", lambda: load_graph(data))
    _emit("result", 0.0, triples=loaded.triples)  # replaced by the full result at the end
    shapes = list(_timed("shapes", lambda: run_shapes(loaded)).violations)
    checks, _ = _timed("checks", lambda: run_checks(loaded))
    # Shapes and checks together, as `aigovkg validate` runs them.
    report = _timed("validate", lambda: validate(loaded))
    assert len(report.violations) == len(set(shapes + checks))
    _emit("validated", 0.0, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
          shape_violations=len(shapes))
    kg = KnowledgeGraph(EmbeddedEngine(loaded.store), loaded)
    selects = {name: q for name, q in registry.named_queries().items() if q.form == "SELECT"}
    params = {name: _sample_params(kg, q) for name, q in selects.items()}
    times: dict[str, float | None] = {}

    def queries() -> int:
        rows = 0
        for name in selects:
            start = time.perf_counter()
            rows += len(kg.results(name, **params[name]).records())
            times[name] = time.perf_counter() - start
            _emit("query-times", 0.0, times=times)  # so far: kept if the run is stopped
        return rows

    rows = _timed("queries", queries)

    def analyses() -> int:
        done = 0
        for kind in ("tension", "relation", "topic", "jurisdiction"):
            graph = analyse.build(kg, kind)
            analyse.centrality(graph)
            if graph.number_of_edges():
                analyse.clusters(analyse.backbone(graph) if kind == "topic" else graph)
            done += graph.number_of_nodes()
        return done

    _timed("analyses", analyses)

    def pages() -> int:
        written = [0]

        def put(_rel: str, payload: str | bytes) -> None:
            written[0] += len(payload)

        views = topic_pages(kg)
        for view in views.values():
            put("", render_topic(view, "markdown"))
        write_site(kg, put, pages=views, rows=subject_rows(kg))
        return written[0]

    _timed("pages", pages)
    _emit("result", 0.0, violations=len(shapes) + len(checks), rows=rows, triples=loaded.triples)


def child_disk(data: Path) -> None:
    """Load into an on-disk store and validate, as `aigovkg validate --on-disk`."""
    from aigovkg.loader import load_graph
    from aigovkg.validate import validate

    with tempfile.TemporaryDirectory(prefix="aigovkg-bench-store-") as folder:
        loaded = _timed("load (on disk)", lambda: load_graph(data, store_dir=Path(folder) / "store"))
        report = _timed("validate (on disk)", lambda: validate(loaded))
        _emit("result", 0.0, violations=len(report.violations))


def child_plain(data: Path) -> None:
    import logging

    import networkx as nx
    import pyshacl
    import rdflib
    from rdflib.extras.external_graph_libs import rdflib_to_networkx_graph

    from aigovkg import queries as registry
    from aigovkg import resources
    from aigovkg.api import KnowledgeGraph
    from aigovkg.loader import load_graph
    from aigovkg.sparql import bind
    from aigovkg.store import EmbeddedEngine

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    files = [resources.ontology_file(), *sorted(data.rglob("*.ttl"))]

    def load() -> rdflib.Graph:
        graph = rdflib.Graph()
        for path in files:
            graph.parse(path, format="turtle")
        return graph

    graph = _timed("load", load)
    shapes = rdflib.Graph().parse(resources.shapes_file(), format="turtle")
    conforms, results, _ = _timed("shapes", lambda: pyshacl.validate(graph, shacl_graph=shapes, inference="none",
                                                                     allow_warnings=True))
    _emit("validated", 0.0, shape_violations=len(set(results.objects(None, rdflib.SH.result))))
    stopped: list[str] = []

    def limited(name: str, text: str) -> tuple[int, float | None]:
        """Rows of one query on rdflib, stopped after PLAIN_QUERY_TIMEOUT."""

        def stop(_signum, _frame):
            raise TimeoutError

        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, PLAIN_QUERY_TIMEOUT)
        start = time.perf_counter()
        try:
            return len(list(graph.query(text))), time.perf_counter() - start
        except TimeoutError:
            stopped.append(name)
            return 0, None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def run_all(texts: dict[str, str], times: dict[str, float | None]) -> int:
        rows = 0
        for name, text in texts.items():
            found, times[name] = limited(name, text)
            rows += found
        return rows

    check_times: dict[str, float | None] = {}
    _timed("checks", lambda: run_all({f"check:{n}": c.text for n, c in registry.checks().items()}, check_times))
    # Parameter values are read with aigovkg (not timed), then the same bound
    # texts run on rdflib's own SPARQL engine.
    kg = KnowledgeGraph(EmbeddedEngine(load_graph(data).store))
    selects = {name: q for name, q in registry.named_queries().items() if q.form == "SELECT"}
    texts = {name: bind(q.text, q.bindings(_sample_params(kg, q))) for name, q in selects.items()}
    del kg
    times: dict[str, float | None] = {}
    rows = _timed("queries", lambda: run_all(texts, times))
    _emit("query-times", 0.0, times={**check_times, **times})

    def analyses() -> int:
        # The plain way turns every triple into an edge (literals become hub
        # nodes); degree centrality and Louvain (PageRank needs SciPy, which
        # aigovkg does not install).
        nxg = rdflib_to_networkx_graph(graph)
        nx.degree_centrality(nxg)
        nx.community.louvain_communities(nxg, seed=42)
        return nxg.number_of_nodes()

    _timed("analyses", analyses)
    _emit("result", 0.0, conforms=bool(conforms), rows=rows, triples=len(graph), stopped=stopped)


def _pyrudof_loaded(data: Path) -> Any:
    """A pyrudof instance under the memory limit, the ontology and the data
    files loaded into it (timed as ``load``)."""
    import pyrudof

    from aigovkg import resources

    limit = int(float(os.environ["AIGOVKG_BENCH_RUDOF_MEMORY"]) * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    files = [resources.ontology_file(), *sorted(data.rglob("*.ttl"))]

    def load() -> None:
        for path in files:
            rudof.read_data(str(path), merge=True)

    _timed("load", load)
    return rudof


def child_pyrudof(data: Path) -> None:
    """pyrudof (rudof's Rust SHACL engine, native mode) on the same files and shapes."""
    from aigovkg import resources

    rudof = _pyrudof_loaded(data)
    rudof.read_shacl(str(resources.shapes_file()))
    report = _timed("shapes", rudof.validate_shacl)
    _emit("result", 0.0, violations=len(report), conforms=bool(report.conforms))


#: The class whose instances are most of a synthetic graph's focus nodes:
#: pyrudof's memory grows with focus nodes times property shapes, so
#: ``shape_parts`` splits the shapes that target it one property shape a part.
SPLIT_CLASS = "https://w3id.org/aigovkg/ontology#CoverageClaim"


def shape_parts(shapes: Path, split_class: str = SPLIT_CLASS) -> list[tuple[str, str]]:
    """The shapes graph as parts (name, Turtle) whose validation results,
    taken together, are the whole graph's: one part with every shape that does
    not target ``split_class``; then, for each shape that does, one part with
    its own constraints and one per property shape. A part is the whole shapes
    graph with the targets of the other shapes removed (shapes they reference
    stay), and, for a split shape, its other property shapes unlinked."""
    import rdflib
    from rdflib.namespace import SH

    graph = rdflib.Graph().parse(shapes, format="turtle")
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    targeted = sorted({s for t in targets for s in graph.subjects(t, None)})
    split = [s for s in targeted if (s, SH.targetClass, rdflib.URIRef(split_class)) in graph]

    def part(active: set, properties: set | None = None) -> str:
        kept = rdflib.Graph()
        kept.namespace_manager = graph.namespace_manager
        for s, p, o in graph:
            if (p in targets and s not in active) or (
                    properties is not None and s in active and p == SH.property and o not in properties):
                continue
            kept.add((s, p, o))
        return kept.serialize(format="turtle")

    parts = [("shapes not targeting " + split_class.rsplit("#", 1)[-1], part(set(targeted) - set(split)))]
    for shape in split:
        parts.append((f"{shape} (own constraints)", part({shape}, set())))
        parts += [(f"{shape} {prop}", part({shape}, {prop})) for prop in sorted(graph.objects(shape, SH.property))]
    return parts


def child_pyrudof_parts(data: Path) -> None:
    """pyrudof on the same files, validating the shapes one part at a time
    (``shape_parts``): the data is loaded once; ``shapes`` is the sum of the
    parts' validation times, and the results are the union of theirs."""
    from aigovkg import resources

    parts = shape_parts(resources.shapes_file())
    rudof = _pyrudof_loaded(data)
    found: set[tuple[str, str, str]] = set()
    seconds = 0.0
    for _name, text in parts:
        rudof.reset_shacl()
        rudof.read_shacl(text)
        start = time.perf_counter()
        report = rudof.validate_shacl()
        seconds += time.perf_counter() - start
        found |= {(str(e.focus_node), str(e.constraint_component), str(e.source_shape)) for e in report}
        rudof.reset_shacl_validation()
    _emit("shapes", seconds)
    _emit("result", 0.0, violations=len(found), parts=len(parts))


def child_dumps(data: Path) -> None:
    """The build's dumps, as `aigovkg build` writes them (each file timed),
    then their floor: Oxigraph's own serializer writing the same store in the
    same formats, straight to files."""
    import pyoxigraph as ox

    from aigovkg.api import KnowledgeGraph
    from aigovkg.build import Stage, write_dumps
    from aigovkg.export import PARSE_FORMAT, SUFFIX, ExportFormat
    from aigovkg.loader import load_graph
    from aigovkg.store import EmbeddedEngine

    loaded = _timed("load", lambda: load_graph(data))
    kg = KnowledgeGraph(EmbeddedEngine(loaded.store), loaded)
    files: dict[str, float] = {}

    class TimedStage(Stage):
        def __call__(self, rel: str, payload: str | bytes) -> None:
            start = time.perf_counter()
            super().__call__(rel, payload)
            files[rel] = time.perf_counter() - start

        @contextlib.contextmanager
        def open(self, rel: str):
            start = time.perf_counter()
            with super().open(rel) as handle:
                yield handle
            files[rel] = time.perf_counter() - start

    with tempfile.TemporaryDirectory(prefix="aigovkg-bench-dumps-") as folder:
        _timed("dumps", lambda: write_dumps(kg, TimedStage(Path(folder) / "ours"), base_url="https://w3id.org/aigovkg/"))
        sizes = {rel: (Path(folder) / "ours" / rel).stat().st_size for rel in files}
        shutil.rmtree(Path(folder) / "ours")
        floor: dict[str, float] = {}

        def oxigraph() -> None:
            for fmt in ExportFormat:
                start = time.perf_counter()
                target = Path(folder) / f"oxigraph.{SUFFIX[fmt]}"
                if PARSE_FORMAT[fmt].supports_datasets:
                    loaded.store.dump(target, format=PARSE_FORMAT[fmt])
                else:
                    loaded.store.dump(target, format=PARSE_FORMAT[fmt], from_graph=ox.DefaultGraph())
                floor[f"dumps/aigovkg.{SUFFIX[fmt]}"] = time.perf_counter() - start
                target.unlink()

        _timed("dumps (floor)", oxigraph)
    _emit("dump-times", 0.0, files=files, floor=floor, bytes=sizes)
    _emit("result", 0.0, triples=loaded.triples)


def child_build(data: Path) -> None:
    out = Path(tempfile.mkdtemp(prefix="aigovkg-bench-build-"))
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "aigovkg", "build", "--data", str(data), "--out", str(out / "site")],
                       check=True, stdout=subprocess.DEVNULL)
        _emit("build", time.perf_counter() - start)
    finally:
        shutil.rmtree(out, ignore_errors=True)


#: The build's stages, by the progress message that starts each (`aigovkg.build.build`).
BUILD_STAGES = {"loading": "load", "validating": "validate", "topic pages": "gather",
                "instrument and jurisdiction pages": "gather", "site": "render", "wiki": "render", "pictures": "render",
                "dumps": "after the pages", "ontology": "after the pages"}
#: The floor of each stage, and what it is.
BUILD_FLOORS = {
    "load": "Oxigraph's own Turtle parser loading the same files into a store (Store.bulk_load)",
    "validate": "none measured: aigovkg's own time is counted as the floor (pySHACL and pyrudof are slower)",
    "gather": "one SPARQL pass returning every claim with its topic, instrument, level and source, "
              "grouped by topic and by instrument in Python",
    "render": "minimal pages: each topic, instrument and jurisdiction page (site and wiki) and each topic's "
              "Markdown and JSON as its rows' escaped values, one line per row, written to files",
    "dumps": "Oxigraph's own serializers writing the same store in the same six formats",
}


def child_build_stages(data: Path) -> None:
    """`aigovkg.build.build` in this process, each stage timed by its progress messages."""
    from aigovkg.build import build

    times: dict[str, float] = {}
    current: list[Any] = [None, time.perf_counter()]

    def progress(message: str) -> None:
        stage = BUILD_STAGES.get(message)
        if stage is None:  # a page's own message
            return
        now = time.perf_counter()
        if current[0] is not None:
            times[current[0]] = times.get(current[0], 0.0) + now - current[1]
        current[:] = [stage, now]

    out = Path(tempfile.mkdtemp(prefix="aigovkg-bench-stages-"))
    try:
        start = time.perf_counter()
        summary = build(out / "site", data=data, progress=progress)
        end = time.perf_counter()
        times[current[0]] = times.get(current[0], 0.0) + end - current[1]  # the last stage and the swap
        # The dumps are written beside the pages (a forked child, on the other
        # core): their own time, and the time the build still waited after
        # the pages (with the ontology's pages and the swap). A build from
        # before that (the baseline) wrote them after the pages: that time.
        beside = getattr(summary, "dumps_seconds", 0.0)
        times["dumps"] = beside or times["after the pages"]
        for stage, seconds in times.items():
            _emit(f"build: {stage}", seconds)
        _emit("build: total", end - start)
        _emit("result", 0.0, triples=summary.triples, files=len(summary.files),
              bytes=sum(p.stat().st_size for p in (out / "site").rglob("*") if p.is_file()),
              dumps_beside=getattr(summary, "dumps_beside", None))
    finally:
        shutil.rmtree(out, ignore_errors=True)


_ONE_PASS = """
PREFIX aigov: <https://w3id.org/aigovkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?claim ?topic ?instrument ?level ?source WHERE {
  ?claim a aigov:CoverageClaim ; aigov:topic ?topic ; aigov:instrument ?instrument ;
         aigov:coverageLevel ?level ; dcterms:source ?source .
}"""


def child_build_floors(data: Path) -> None:
    """The floor of each build stage, in one process (see BUILD_FLOORS)."""
    import html

    import pyoxigraph as ox

    from aigovkg import resources
    from aigovkg.export import PARSE_FORMAT, SUFFIX, ExportFormat

    files = [resources.ontology_file(), *sorted(data.rglob("*.ttl"))]
    store = ox.Store()

    def load() -> None:
        for path in files:
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)

    _timed("floor: load", load)

    def gather() -> tuple[dict[str, list[tuple[str, ...]]], dict[str, list[tuple[str, ...]]]]:
        by_topic: dict[str, list[tuple[str, ...]]] = {}
        by_instrument: dict[str, list[tuple[str, ...]]] = {}
        for solution in store.query(_ONE_PASS):
            row = tuple(term.value for term in solution)
            by_topic.setdefault(row[1], []).append(row)
            by_instrument.setdefault(row[2], []).append(row)
        return by_topic, by_instrument

    by_topic, by_instrument = _timed("floor: gather", gather)
    jurisdictions = [s[0].value for s in store.query(
        "SELECT ?j WHERE { ?j a <https://w3id.org/aigovkg/ontology#Jurisdiction> }")]

    with tempfile.TemporaryDirectory(prefix="aigovkg-bench-floors-") as folder:
        root = Path(folder)

        def render() -> None:
            def page(rel: str, rows: list[tuple[str, ...]]) -> None:
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>\n"
                                        for row in rows), encoding="utf-8")

            for n, rows in enumerate(by_topic.values()):
                for rel in (f"topics/{n}.html", f"topics/{n}.md", f"topics/{n}.json", f"wiki/topics/{n}.mdx"):
                    page(rel, rows)
            for n, rows in enumerate(by_instrument.values()):
                page(f"instruments/{n}.html", rows)
                page(f"wiki/instruments/{n}.mdx", rows)
            for n, iri in enumerate(jurisdictions):
                page(f"jurisdictions/{n}.html", [(iri,)])
                page(f"wiki/jurisdictions/{n}.mdx", [(iri,)])

        _timed("floor: render", render)

        def dumps() -> None:
            for fmt in ExportFormat:
                target = root / f"oxigraph.{SUFFIX[fmt]}"
                if PARSE_FORMAT[fmt].supports_datasets:
                    store.dump(target, format=PARSE_FORMAT[fmt])
                else:
                    store.dump(target, format=PARSE_FORMAT[fmt], from_graph=ox.DefaultGraph())
                target.unlink()

        _timed("floor: dumps", dumps)
    _emit("result", 0.0, triples=len(store))


def child_build_baseline(data: Path) -> None:
    """The same stages with the aigovkg found first on PYTHONPATH (``--baseline-src``)."""
    child_build_stages(data)


def build_stage_table(report: dict[str, Any]) -> str:
    """The build, stage by stage, beside each stage's floor measured in the
    same run; the whole build beside the sum of the floors, and beside the
    baseline's build when one was run."""
    lines = ["| size | stage | aigovkg (s) | floor (s) | ratio to floor | floor |", "|---|---|---|---|---|---|"]
    for size, entry in report["sizes"].items():
        stages = entry.get("build_stages")
        floors = entry.get("build_floors")
        if not stages or not floors:
            continue
        label = f"{size} ({entry['triples']:,} triples)" if entry.get("triples") else size
        ours, low = stages["median_seconds"], floors["median_seconds"]
        total_floor = 0.0
        # Whether the build forked its dumps worker (BuildSummary.dumps_beside says; before it did,
        # a build with an "after the pages" stage had the worker, when it could).
        beside = stages.get("result", {}).get("dumps_beside")
        if beside is None:
            beside = "build: after the pages" in ours
        for stage in ("load", "validate", "gather", "render", "dumps"):
            a = ours.get(f"build: {stage}")
            if a is None:
                continue
            f = low.get(f"floor: {stage}", a)  # no floor measured: the stage's own time
            total_floor += f
            shown = f"{f:.2f}" if f"floor: {stage}" in low else "—"
            ratio = f"{a / f:.1f}×" if f"floor: {stage}" in low and f > 0 else "—"
            name = stage if stage != "dumps" else "dumps, beside the loading and the pages" if beside else \
                "dumps, after the pages (the build did not fork)"
            lines.append(f"| {label} | {name} | {a:.2f} | {shown} | {ratio} | {BUILD_FLOORS[stage]} |")
        waited = ours.get("build: after the pages")
        if waited is not None:
            what = "the dumps' rest" if beside else "the dumps"
            lines.append(f"| {label} | after the pages: {what}, the ontology's pages, the swap | "
                         f"{waited:.2f} | | | |")
        total = ours.get("build: total")
        if total is not None:
            lines.append(f"| {label} | **whole build** (wall clock) | {total:.2f} | {total_floor:.2f} | "
                         f"{total / total_floor:.1f}× | the sum of the floors above |")
            if stages.get("tree_peak_mb"):
                lines.append(f"| {label} | peak memory of the build, its processes' PSS summed (MB) | "
                             f"{stages['tree_peak_mb']:.0f} | | | read every {SAMPLE_SECONDS:g} s, or less often "
                             "when reading takes over 1/20 of that |")
            if stages.get("peak_mb"):
                lines.append(f"| {label} | peak memory of its largest process, RSS (MB) | {stages['peak_mb']:.0f} "
                             "| | | |")
        baseline = entry.get("build_baseline")
        if baseline and total is not None and baseline["median_seconds"].get("build: total"):
            before = baseline["median_seconds"]["build: total"]
            lines.append(f"| {label} | whole build, baseline {baseline['source']} | {before:.2f} | | "
                         f"{before / total:.1f}× this build's time | peak {baseline.get('tree_peak_mb') or baseline['peak_mb']:.0f} MB |")
    return "\n".join(lines)


# ------------------------------------------------------------------- parent

def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run_child(tool: str, data: Path, timeout: float) -> dict[str, Any]:
    """One run of one tool in a fresh process: stage times and peak memory,
    as the largest process's peak RSS and as the peak of the summed PSS of
    all the run's processes (sampled: the build writes its dumps in a forked
    child beside the pages; PSS counts the pages they share once)."""
    env = None
    if tool == "build-baseline":  # that checkout's package first
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.environ["AIGOVKG_BENCH_BASELINE_SRC"],
                                                                          os.environ.get("PYTHONPATH")]))}
    tree_peak = 0
    with tempfile.NamedTemporaryFile("w+", suffix=".jsonl") as log:
        proc = subprocess.Popen([sys.executable, __file__, "--child", tool, str(data)], stdout=log,
                                start_new_session=True, env=env)
        deadline = time.monotonic() + timeout
        sampled = 0.0
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            if time.monotonic() >= sampled:
                began = time.monotonic()
                tree_peak = max(tree_peak, session_pss(proc.pid))
                # Reading a large process's memory map takes time (and its lock):
                # read at most a twentieth of the time.
                sampled = began + max(SAMPLE_SECONDS, 20 * (time.monotonic() - began))
            time.sleep(0.05)
        proc.returncode = status  # reaped here, not by Popen
        log.seek(0)
        lines = [line for line in log.read().splitlines() if line.strip()]
    stages: dict[str, Any] = {}
    for line in lines:
        record = json.loads(line)
        stages[record.pop("stage")] = record
    if status != 0:
        stages["timeout" if time.monotonic() > deadline else "failed"] = {"exit": status}
    # ru_maxrss covers the child and the processes it waited for (the build's aigovkg): the largest one's peak.
    return {"stages": stages, "peak_mb": rusage.ru_maxrss / 1024, "tree_peak_mb": tree_peak / 1024 or None,
            "exit": status}


#: How often the summed memory of a run's processes is read, at the most.
SAMPLE_SECONDS = 0.25


def session_pss(session: int) -> int:
    """The summed proportional set size (kB) of the processes of a session:
    each shared page counted once over the processes that share it."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != session:  # the fourth field after the name: the session id
                continue
            with open(f"/proc/{entry.name}/smaps_rollup", encoding="utf-8") as handle:
                total += next((int(line.split()[1]) for line in handle if line.startswith("Pss:")), 0)
        except (OSError, IndexError, ValueError):  # a process that ended meanwhile
            continue
    return total


def measure(tool: str, data: Path, runs: int, timeout: float) -> dict[str, Any]:
    results = [run_child(tool, data, timeout) for _ in range(runs)]
    medians: dict[str, float] = {}
    names = {name for r in results for name in r["stages"] if name.startswith(("build: ", "floor: "))}
    for stage in (*STAGES, *FLOORS.values(), *sorted(names)):
        values = [r["stages"][stage]["seconds"] for r in results if stage in r["stages"]]
        if values:
            medians[stage] = statistics.median(values)
    last = results[-1]["stages"]
    extra = {k: v for k, v in last.get("result", {}).items() if k != "seconds"}
    if "query-times" in last:
        extra["query_times"] = last["query-times"]["times"]
    if "dump-times" in last:
        extra["dump_times"] = {k: v for k, v in last["dump-times"].items() if k != "seconds"}
    if "validated" in last:
        extra.update({k: v for k, v in last["validated"].items() if k != "seconds"})
    peaks = [r["peak_mb"] for r in results if r["peak_mb"]]
    tree_peaks = [r["tree_peak_mb"] for r in results if r.get("tree_peak_mb")]
    exits = [os.waitstatus_to_exitcode(r["exit"]) for r in results]
    return {"runs": runs, "median_seconds": medians, "peak_mb": max(peaks) if peaks else None,
            "tree_peak_mb": max(tree_peaks) if tree_peaks else None, "exits": exits,
            "timed_out": any("timeout" in r["stages"] for r in results),
            "failed": any("failed" in r["stages"] for r in results), "result": extra}


def machine() -> dict[str, Any]:
    memory = None
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {"python": platform.python_version(), "system": platform.platform(), "cpus": os.cpu_count(),
            "memory_gib": memory, "processor": platform.processor() or platform.machine()}


def _stopped(other: dict[str, Any], stage: str) -> int:
    """How many of a stage's queries (checks) the plain way stopped."""
    if stage not in ("checks", "queries"):
        return 0
    times = other["result"].get("query_times", {})
    return sum(1 for name, t in times.items() if t is None and name.startswith("check:") == (stage == "checks"))


def _versus(ours: float, other: dict[str, Any] | None, stage: str, timeout: float) -> tuple[str, str]:
    """An other tool's time for a stage and how many times slower it is; a
    stage in which the plain way stopped a query gives lower bounds (≥)."""
    if other is None:
        return "—", "—"
    seconds = other["median_seconds"].get(stage)
    if seconds is None:
        if other["timed_out"] and stage in ("load", "shapes", "checks", "queries", "analyses"):
            return f"> {timeout:.0f} (run stopped)", "—"
        if other["failed"]:
            code = next((c for c in other.get("exits", []) if c), None)
            limit = f" under its {other['memory_limit_gib']:g} GiB limit" if other.get("memory_limit_gib") else ""
            return "failed" + (f" (killed by signal {-code})" if code and code < 0 else "") + limit, "—"
        return "—", "—"
    cut = _stopped(other, stage)
    bound = "≥ " if cut else ""
    shown = f"{bound}{seconds:.2f}" + (f" ({cut} stopped at {PLAIN_QUERY_TIMEOUT:g} s)" if cut else "")
    return shown, (f"{bound}{seconds / ours:.1f}×" if ours > 0 else "—")


def table(report: dict[str, Any]) -> str:
    lines = ["| size | stage | aigovkg (s) | rdflib + pySHACL (s) | ratio | pyrudof (s) | ratio |",
             "|---|---|---|---|---|---|---|"]
    timeout = report["timeout"]
    for size, entry in report["sizes"].items():
        ours, plain, rudof = entry["aigovkg"], entry.get("plain"), entry.get("pyrudof")
        label = f"{size} ({entry['triples']:,} triples)" if entry.get("triples") else size
        for stage in STAGES:
            a = ours["median_seconds"].get(stage)
            if a is None:
                continue
            p, pr = _versus(a, plain, stage, timeout)
            r, rr = _versus(a, rudof, stage, timeout) if stage in ("load", "shapes") else ("", "")
            lines.append(f"| {label} | {stage} | {a:.2f} | {p} | {pr} | {r} | {rr} |")
        pipeline = [s for s in ("load", "shapes", "checks", "queries", "analyses") if s in ours["median_seconds"]]
        a = sum(ours["median_seconds"][s] for s in pipeline)
        if plain and all(s in plain["median_seconds"] for s in pipeline):
            p = sum(plain["median_seconds"][s] for s in pipeline)
            bound = "≥ " if plain["result"].get("stopped") else ""
            lines.append(f"| {label} | **load → analyses** | {a:.2f} | {bound}{p:.2f} | {bound}{p / a:.1f}× | | |")
        counts = [ours["result"].get("shape_violations"), (plain or {}).get("result", {}).get("shape_violations"),
                  (rudof or {}).get("result", {}).get("violations")]
        a_count, p_count, r_count = ("—" if c is None else str(c) for c in counts)
        lines.append(f"| {label} | SHACL results | {a_count} | {p_count} | | {r_count} | |")
        parts = entry.get("pyrudof_parts")
        if parts and "shapes" in ours["median_seconds"]:
            r, rr = _versus(ours["median_seconds"]["shapes"], parts, "shapes", timeout)
            found = parts["result"]
            how = f"in {found['parts']} parts, {found['violations']} results" if "parts" in found else "in parts"
            lines.append(f"| {label} | shapes (pyrudof {how}) | {ours['median_seconds']['shapes']:.2f} "
                         f"| | | {r} | {rr} |")
            if parts.get("peak_mb"):
                lines.append(f"| {label} | peak memory, pyrudof in parts (MB) | | | | {parts['peak_mb']:.0f} | |")
        validated = ours["result"].get("peak_mb")
        if validated:
            lines.append(f"| {label} | peak memory after validation (MB) | {validated:.0f} | | | | |")
        disk = ours.get("disk") or {}
        if disk.get("peak_mb"):
            lines.append(f"| {label} | peak memory, load + validate on disk (MB) | {disk['peak_mb']:.0f} | | | | |")
        peaks = [f"{t['peak_mb']:.0f}" if t and t.get("peak_mb") else "—" for t in (ours, plain, rudof)]
        lines.append(f"| {label} | peak memory, whole run (MB) | {peaks[0]} | {peaks[1]} | | {peaks[2]} | |")
    return "\n".join(lines)


def floor_table(report: dict[str, Any]) -> str:
    """Each stage beside its floor, measured in the same run, as a ratio
    (how many times the floor's time the stage takes)."""
    lines = ["| size | stage | aigovkg (s) | floor (s) | ratio to floor | floor |", "|---|---|---|---|---|---|"]
    what = {"dumps": "Oxigraph's own serializers, the same graph in the same formats"}
    for size, entry in report["sizes"].items():
        label = f"{size} ({entry['triples']:,} triples)" if entry.get("triples") else size
        medians = entry["aigovkg"]["median_seconds"]
        for stage, floor in FLOORS.items():
            if stage in medians and medians.get(floor):
                lines.append(f"| {label} | {stage} | {medians[stage]:.2f} | {medians[floor]:.2f} "
                             f"| {medians[stage] / medians[floor]:.1f}× | {what[stage]} |")
    return "\n".join(lines)


def _describe_src(src: Path) -> str:
    """The baseline as its git commit names it, else its path."""
    found = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else str(src)


def _size(name: str) -> tuple[int, int] | None:
    """A named size, or ``INSTRUMENTSxTOPICS`` (``400x50``)."""
    if name in SIZES:
        return SIZES[name]
    instruments, x, topics = name.partition("x")
    if x and instruments.isdigit() and topics.isdigit() and int(instruments) >= 2 and int(topics) >= 1:
        return int(instruments), int(topics)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="small,medium",
                        help="comma-separated: small, medium, large, or INSTRUMENTSxTOPICS (e.g. 400x50)")
    parser.add_argument("--runs", type=int, default=3, help="runs of aigovkg per size (median reported)")
    parser.add_argument("--plain-runs", type=int, default=1, help="runs of the plain way per size")
    parser.add_argument("--rudof-runs", type=int, default=1,
                        help="runs of pyrudof per size (skipped when pyrudof is not installed)")
    parser.add_argument("--build-runs", type=int, default=None,
                        help="runs of `aigovkg build` per size (default: --runs)")
    parser.add_argument("--rudof-memory", type=float, default=16,
                        help="address-space limit of the pyrudof child, GiB")
    parser.add_argument("--rudof-parts", action="store_true",
                        help="also run pyrudof on the shapes a part at a time (a graph whose whole "
                             "validation does not fit in memory)")
    parser.add_argument("--plain-max", type=int, default=3_000_000,
                        help="skip the plain way above this many triples")
    parser.add_argument("--dumps-runs", type=int, default=None,
                        help="runs of the dumps and their floor per size (default: --runs)")
    parser.add_argument("--only-dumps", action="store_true",
                        help="measure only the dumps and their floor (with the load before them)")
    parser.add_argument("--only-build-stages", action="store_true",
                        help="measure only the build, stage by stage, beside each stage's floor")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="with --only-build-stages: also build with the aigovkg package in this src/ "
                             "folder (an earlier checkout), in the same run")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is stopped")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "aigovkg-bench")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        tool, data = args.child
        {"aigovkg": child_aigovkg, "plain": child_plain, "pyrudof": child_pyrudof,
         "pyrudof-parts": child_pyrudof_parts, "build": child_build, "disk": child_disk,
         "dumps": child_dumps, "build-stages": child_build_stages, "build-floors": child_build_floors,
         "build-baseline": child_build_baseline}[tool](Path(data))
        return 0
    os.environ["AIGOVKG_BENCH_RUDOF_MEMORY"] = str(args.rudof_memory)
    sizes = {name: _size(name) for name in (s.strip() for s in args.sizes.split(",")) if name}
    unknown = [name for name, size in sizes.items() if size is None]
    if unknown:
        parser.error(f"unknown size(s): {', '.join(unknown)} (small, medium, large, or INSTRUMENTSxTOPICS)")
    from aigovkg._io import write_atomic
    from aigovkg.synth import synthesize

    report: dict[str, Any] = {"machine": machine(), "timeout": args.timeout,
                              "plain_query_timeout": PLAIN_QUERY_TIMEOUT, "sizes": {}}
    for size, dimensions in sizes.items():
        assert dimensions is not None
        instruments, topics = dimensions
        data = args.workdir / (f"{size}-{instruments}x{topics}" if size in SIZES else size)
        if not (data / "dataset.ttl").exists():
            synthesize(data, instruments=instruments, topics=topics, seed=42, overwrite=True)
        print(f"{size}: {instruments} instruments x {topics} topics in {data}", file=sys.stderr, flush=True)
        dumps_runs = args.runs if args.dumps_runs is None else args.dumps_runs
        if args.only_build_stages:
            stages = measure("build-stages", data, args.runs, args.timeout)
            entry = {"instruments": instruments, "topics": topics, "triples": stages["result"].get("triples"),
                     "build_stages": stages, "build_floors": measure("build-floors", data, args.runs, args.timeout)}
            if args.baseline_src is not None:
                os.environ["AIGOVKG_BENCH_BASELINE_SRC"] = str(args.baseline_src.resolve())
                baseline = measure("build-baseline", data, args.runs, args.timeout)
                entry["build_baseline"] = {**baseline, "source": _describe_src(args.baseline_src)}
            report["sizes"][size] = entry
            print(build_stage_table({**report, "sizes": {size: entry}}), file=sys.stderr, flush=True)
            continue
        if args.only_dumps:
            ours = measure("dumps", data, dumps_runs, args.timeout)
            entry = {"instruments": instruments, "topics": topics, "triples": ours["result"].get("triples"),
                     "aigovkg": ours}
            report["sizes"][size] = entry
            print(floor_table({**report, "sizes": {size: entry}}), file=sys.stderr, flush=True)
            continue
        ours = measure("aigovkg", data, args.runs, args.timeout)
        triples = ours["result"].get("triples")
        if triples is not None and not ours["timed_out"]:  # a build would not finish either
            build_runs = args.runs if args.build_runs is None else args.build_runs
            if build_runs > 0:
                build = measure("build", data, build_runs, args.timeout)
                ours["median_seconds"].update(build["median_seconds"])
                ours["build_peak_mb"] = build["peak_mb"]
            disk = measure("disk", data, args.runs, args.timeout)
            ours["median_seconds"].update(disk["median_seconds"])
            ours["disk"] = {"peak_mb": disk["peak_mb"], "violations": disk["result"].get("violations"),
                            "runs": args.runs}
            if dumps_runs > 0:
                dumps = measure("dumps", data, dumps_runs, args.timeout)
                ours["median_seconds"].update({k: v for k, v in dumps["median_seconds"].items() if k != "load"})
                ours["dumps"] = {"peak_mb": dumps["peak_mb"], "runs": dumps_runs, **dumps["result"]}
        entry: dict[str, Any] = {"instruments": instruments, "topics": topics, "triples": triples, "aigovkg": ours}
        if triples is not None and triples <= args.plain_max and args.plain_runs > 0:
            entry["plain"] = measure("plain", data, args.plain_runs, args.timeout)
        if triples is not None and triples <= args.plain_max and args.rudof_runs > 0 and _has("pyrudof"):
            entry["pyrudof"] = measure("pyrudof", data, args.rudof_runs, args.timeout)
            entry["pyrudof"]["memory_limit_gib"] = args.rudof_memory
            if args.rudof_parts:
                entry["pyrudof_parts"] = measure("pyrudof-parts", data, args.rudof_runs, args.timeout)
                entry["pyrudof_parts"]["memory_limit_gib"] = args.rudof_memory
        report["sizes"][size] = entry
        print(table({**report, "sizes": {size: entry}}), file=sys.stderr, flush=True)
    write_atomic(args.out, json.dumps(report, indent=2) + "\n")
    if args.only_build_stages:
        print(build_stage_table(report))
    else:
        if not args.only_dumps:
            print(table(report))
        print("\n" + floor_table(report))
    print(f"\nmachine: {report['machine']}\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The command line: a thin layer over the library, one subcommand per stage.

Exit codes: 0 ok, 1 validation failed, 2 usage or input error.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from aigovkg import __version__
from aigovkg.errors import AigovkgError

if TYPE_CHECKING:
    from aigovkg.api import KnowledgeGraph

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"aigovkg: error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Turn the library's errors into a one-line message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AigovkgError as exc:
            _fail(str(exc), exc.exit_code)
        except OSError as exc:  # a file or folder the user named cannot be read or written
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}")
        except KeyboardInterrupt:
            _fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def data_option(func: F) -> F:
    return click.option(
        "--data",
        "data",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="A copy of graph/ to work on (default: the shipped graph).",
    )(func)


def endpoint_options(func: F) -> F:
    """--endpoint and what goes with it: the graph to read and the answer size cap."""
    func = click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="With --endpoint: refuse answers larger than N bytes (default 100000000).",
    )(func)
    func = click.option(
        "--graph",
        "default_graph",
        default=None,
        metavar="IRI",
        help="With --endpoint: read this named graph as the default graph (sent as default-graph-uri).",
    )(func)
    return click.option(
        "--endpoint",
        default=None,
        metavar="URL",
        help="Query this SPARQL 1.1 endpoint instead of the embedded graph. Credentials: "
             "AIGOVKG_USER / AIGOVKG_PASSWORD (AIGOVKG_AUTH=basic|digest) or ~/.netrc.",
    )(func)


def timeout_option(default: float) -> Callable[[F], F]:
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=default,
        show_default=True,
        help="Seconds the query may run (embedded: in a worker process; remote: the whole answer, "
             "retries included).",
    )


def out_option(func: F) -> F:
    return click.option(
        "--out",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Write to this file (atomically) instead of standard output.",
    )(func)


# What every folder output accepts as its --out (see aigovkg._output).
_OUT_RULE = "new, empty or made by aigovkg"


def _emit(text: str | bytes, out: Path | None) -> None:
    if out is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            click.echo(text, nl=False)
    else:
        from aigovkg._io import write_atomic

        write_atomic(out, text)
        click.echo(f"wrote {out}", err=True)


def _graph(data: Path | None, endpoint: str | None = None, timeout: float | None = None,
           default_graph: str | None = None, max_bytes: int | None = None,
           as_of: str | None = None) -> KnowledgeGraph:
    from aigovkg.api import load

    if as_of is not None:
        if data is not None or endpoint:
            from aigovkg.errors import UsageError

            raise UsageError("--as-of reads a shipped release; give it without --data or --endpoint")
        return load(as_of=as_of)

    if endpoint:
        from aigovkg.credentials import refuse_userinfo

        refuse_userinfo(endpoint)
        given: dict[str, Any] = {"timeout": timeout, "default_graph": default_graph, "max_bytes": max_bytes}
        return load(data, endpoint=endpoint, **{k: v for k, v in given.items() if v is not None})
    if default_graph is not None or max_bytes is not None:
        from aigovkg.errors import UsageError

        raise UsageError("--graph and --max-bytes go with --endpoint")
    return load(data)


def as_of_option(func: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        default=None,
        metavar="RELEASE|DATE",
        help="Answer from the graph as a release published it (e.g. 0.1.0), or as the release "
             "current on a day (YYYY-MM-DD); see 'aigovkg releases'.",
    )(func)


def progress_option(func: F) -> F:
    return click.option(
        "--progress/--no-progress",
        "progress",
        default=None,
        help="Report each step on standard error (default: only when standard error is a terminal).",
    )(func)


def _progress(enabled: bool | None) -> Callable[[str], None]:
    """A step reporter on standard error (never standard output), or a silent one."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return lambda _message: None
    import time

    start = time.monotonic()

    def report(message: str) -> None:
        click.echo(f"  [{time.monotonic() - start:6.1f}s] {message}", err=True)

    return report


def _site_url(url: str | None) -> str | None:
    """Check --site-url before anything is built."""
    from aigovkg.conneg import check_site_url

    return None if url is None else check_site_url(url)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aigovkg")
def cli() -> None:
    """aigovkg: a knowledge graph of AI governance.

    Instruments, jurisdictions and topics, with sourced and cited claims of how
    each instrument treats each topic. Load, validate, query, render.
    """


@cli.command()
@data_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice(["fast", "pyshacl"]), default="fast", show_default=True,
              help="fast: the shapes compiled to SPARQL on Oxigraph; pyshacl: the reference engine.")
@click.option("--on-disk", is_flag=True,
              help="Load into a temporary on-disk store (in $TMPDIR, removed afterwards) instead of "
                   "memory: about half the memory, a few times slower; for graphs too big for memory.")
@handle_errors
def validate(data: Path | None, fmt: str, engine: str, on_disk: bool) -> None:
    """Check the graph against the SHACL shapes and the no-row checks.

    Every violation names the node, the rule, its message and the file that
    defines the node. Exits 0 when valid, 1 on violations, 2 on input errors
    (a Turtle syntax error names file, line and column). Both engines report
    the same violations (tested); the fast one is the default.
    """
    import tempfile

    from aigovkg.loader import load_graph
    from aigovkg.validate import validate as run

    if on_disk:
        with tempfile.TemporaryDirectory(prefix="aigovkg-store-") as folder:
            report = run(load_graph(data, store_dir=Path(folder) / "store"), engine=engine)
    else:
        report = run(load_graph(data), engine=engine)
    click.echo(report.to_json() if fmt == "json" else report.to_text(), nl=False)
    sys.exit(0 if report.conforms else 1)


@cli.command()
@click.argument("slug")
@data_option
@as_of_option
@click.option("--source", default=None, metavar="SOURCE",
              help="Only this source's claims, e.g. policy-window (default: reviewed claims first).")
@click.option("--on", "on", default=None, metavar="DATE",
              help="The page as it applied on this day (YYYY-MM-DD): the coverage of the instruments in effect "
                   "that day (the others listed as not in effect, with why) and the obligations under the topic "
                   "that applied.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown",
              show_default=True)
@out_option
@handle_errors
def topic(slug: str, data: Path | None, as_of: str | None, source: str | None, on: str | None, fmt: str,
          out: Path | None) -> None:
    """Print the page of a topic, e.g. international-coordination.

    Every number and list on the page is computed by the named queries from
    the graph. With --on DATE, the law's own timeline: the page as it applied
    that day (--as-of picks the graph's release, the record time).
    """
    from aigovkg.model import topic_page
    from aigovkg.render import render_topic

    page = topic_page(_graph(data, as_of=as_of), slug, source=source, on=on)
    _emit(render_topic(page, fmt), out)


@cli.command()
@data_option
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@handle_errors
def stats(data: Path | None, as_of: str | None, fmt: str) -> None:
    """Counts: instruments, topics, claims by source and level, verified and
    unverified claims and facts, what each claim rests on (evidence tier),
    claims checked in the 12 months before the release, verified and assessed
    claims per instrument and topic, tensions, references, disagreements."""
    _emit(_graph(data, as_of=as_of).results("stats").serialize(fmt), None)


@cli.command("queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def list_queries(fmt: str) -> None:
    """List the named queries with what they answer and their parameters."""
    import json

    from aigovkg.queries import named_queries

    registry = named_queries()
    if fmt == "json":
        doc = [
            {
                "name": q.name,
                "description": q.description,
                "form": q.form,
                "params": [
                    {"name": p.name, "type": p.type, "optional": p.optional, "description": p.description}
                    for p in q.params
                ],
            }
            for q in registry.values()
        ]
        click.echo(json.dumps(doc, indent=2))
        return
    for q in registry.values():
        click.echo(click.style(q.name, bold=True))
        click.echo(f"    {q.description}")
        for p in q.params:
            opt = ", optional" if p.optional else ""
            click.echo(f"    --param {p.name}=<{p.type}{opt}>  {p.description}")


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    from aigovkg.errors import InputError

    params: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError(f"--param takes key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        if key in params:
            raise InputError(f"--param {key} given twice")
        params[key.strip()] = value
    return params


_RESULT_FORMATS = click.Choice(["table", "csv", "tsv", "json", "xml"])


@cli.command()
@click.argument("name")
@click.option("--param", "-p", "pairs", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the query; repeat for several.")
@click.option("--format", "fmt", type=_RESULT_FORMATS, default="table", show_default=True,
              help="json and xml are the W3C SPARQL results formats; tsv keeps term syntax.")
@click.option("--on", "on", default=None, metavar="DATE",
              help="As the law stood on this day (YYYY-MM-DD), for queries with an `on` parameter "
                   "(e.g. obligations): the same as --param on=DATE.")
@data_option
@as_of_option
@endpoint_options
@timeout_option(60.0)
@out_option
@handle_errors
def query(name: str, pairs: tuple[str, ...], on: str | None, fmt: str, data: Path | None, as_of: str | None,
          endpoint: str | None, default_graph: str | None, max_bytes: int | None, timeout: float,
          out: Path | None) -> None:
    """Run a named query (see 'aigovkg queries').

    Parameters are checked by type and bound before anything runs.
    """
    from aigovkg.queries import get

    named = get(name)
    params = _parse_params(pairs)
    if on is not None:
        if not any(p.name == "on" for p in named.params):
            from aigovkg.errors import UsageError
            from aigovkg.queries import named_queries

            dated = sorted(q.name for q in named_queries().values() if any(p.name == "on" for p in q.params))
            raise UsageError(f"query {name} has no `on` parameter; --on works with: {', '.join(dated)}")
        if "on" in params:
            from aigovkg.errors import UsageError

            raise UsageError("give the day once: --on or --param on=, not both")
        params["on"] = on
    named.bindings(params)  # reject bad parameters before loading anything
    kg = _graph(data, endpoint, timeout, default_graph, max_bytes, as_of)
    _refuse_unknown_slugs(kg, named, params)
    _emit(kg.results(name, timeout=timeout, **params).serialize(fmt), out)


@cli.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--format", "fmt", type=_RESULT_FORMATS, default="table", show_default=True,
              help="Format of SELECT results.")
@click.option("--rdf-format", type=click.Choice(["turtle", "jsonld"]), default="turtle", show_default=True,
              help="Format of CONSTRUCT and DESCRIBE results.")
@data_option
@as_of_option
@endpoint_options
@timeout_option(30.0)
@out_option
@handle_errors
def sparql(file: Any, fmt: str, rdf_format: str, data: Path | None, as_of: str | None, endpoint: str | None,
           default_graph: str | None, max_bytes: int | None, timeout: float, out: Path | None) -> None:
    """Run an ad-hoc read-only SPARQL query from FILE (or - for standard input).

    SERVICE, LOAD, FROM / FROM NAMED and updates are refused before anything
    runs. These prefixes are declared for you: aigov: (the ontology); inst:,
    topic:, jur:, src:, claim:, tension:, ref:, doc: and evaluation: (the
    data); dcat:, dcterms:, eli:, foaf:, owl:, prov:, rdf:, rdfs:, schema:,
    sh:, skos:, vann:, void: and xsd:. An ASK answers true or false (--format
    json or xml: the W3C results formats).
    """
    from aigovkg.results import ResultTable
    from aigovkg.sparql import check_read_only

    text = file.read()
    check_read_only(text)
    kg = _graph(data, endpoint, timeout, default_graph, max_bytes, as_of)
    result = kg.sparql_results(text, timeout=timeout)
    if isinstance(result, ResultTable):
        _emit(result.serialize(fmt), out)
    elif isinstance(result, bool):
        _emit(_boolean(result, fmt), out)
    else:
        from aigovkg.export import triples_to_text

        _emit(triples_to_text(result, rdf_format), out)


def _refuse_unknown_slugs(kg: KnowledgeGraph, named: Any, params: dict[str, str]) -> None:
    """A well-formed slug the loaded graph does not hold is a mistake, not a
    question with no answer: say so, with the nearest slugs that exist."""
    import difflib

    import pyoxigraph as ox

    from aigovkg.errors import InputError
    from aigovkg.namespaces import SLUG_NAMESPACES
    from aigovkg.sparql import bind

    if kg.loaded is None:
        return  # a remote store may hold other data; its answer stands
    for param in named.params:
        if param.type not in SLUG_NAMESPACES or not params.get(param.name):
            continue
        term = param.to_term(params[param.name])
        if kg.engine.ask(bind("ASK WHERE { ?node ?p ?o }", {"node": term})):
            continue
        namespace = SLUG_NAMESPACES[param.type]
        rows = kg.engine.select(bind("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), ?namespace)) }",
                                     {"namespace": ox.Literal(namespace)}))
        iri = term.value
        known = sorted({str(r["s"])[len(namespace):] for r in rows.records()})
        slug = iri[len(namespace):]
        close = difflib.get_close_matches(slug, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known[:20])}"
        raise InputError(f"parameter {param.name}: no {param.type} {slug!r} in this graph{hint}")


def _boolean(value: bool, fmt: str) -> str:
    """An ASK answer in the W3C SPARQL results format asked for (JSON, XML),
    else the bare word."""
    word = "true" if value else "false"
    if fmt == "json":
        return f'{{"head": {{}}, "boolean": {word}}}\n'
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
                f"  <head/>\n  <boolean>{word}</boolean>\n</sparql>\n")
    return word + "\n"


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"]),
              default="turtle", show_default=True)
@out_option
@data_option
@handle_errors
def export(fmt: str, out: Path | None, data: Path | None) -> None:
    """Write the whole graph (data and ontology) as RDF.

    Deterministic: the same graph gives the same bytes. JSON-LD is compacted
    with the shipped context, embedded in the document. A graph too large to
    sort in memory is sorted through files in a temporary folder (TMPDIR),
    removed when done.
    """
    import tempfile

    from aigovkg.export import dump_to
    from aigovkg.loader import load_graph

    graph = load_graph(data)
    with tempfile.TemporaryDirectory(prefix="aigovkg-export-") as scratch:
        if out is None:
            sys.stdout.flush()
            # bytes, streamed (click 8.5 deprecates get_binary_stream)
            dump_to(graph, fmt, sys.stdout.buffer, scratch=Path(scratch))
            sys.stdout.buffer.flush()
        else:
            from aigovkg._io import open_atomic

            with open_atomic(out) as handle:  # streamed to a temporary file, renamed into place when complete
                dump_to(graph, fmt, handle, scratch=Path(scratch))
            click.echo(f"wrote {out}", err=True)


@cli.command()
@click.option("--base-url", default="https://w3id.org/aigovkg/", show_default=True,
              help="Where the dumps are published; dump URLs are BASE/dumps/aigovkg.EXT.")
@click.option("--sparql-endpoint", default=None, metavar="URL", help="A public SPARQL endpoint to advertise.")
@out_option
@data_option
@handle_errors
def describe(base_url: str, sparql_endpoint: str | None, out: Path | None, data: Path | None) -> None:
    """Describe the dataset in VoID and DCAT, with counts computed from the data."""
    from aigovkg.describe import describe_turtle

    _emit(describe_turtle(_graph(data), base_url=base_url, endpoint=sparql_endpoint).decode("utf-8"), out)


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("site"),
              show_default=True, help=f"The folder to build into ({_OUT_RULE}; replaced only when the "
                                      "build succeeds).")
@click.option("--site-url", default=None, metavar="URL",
              help="Where the built folder will be published; needed to write w3id/.htaccess.")
@progress_option
@data_option
@handle_errors
def build(out: Path, site_url: str | None, progress: bool | None, data: Path | None) -> None:
    """The main job: validate, then write the site, the MDX wiki, topic pages
    (Markdown, JSON) and the RDF dumps with their description.

    Nothing is written if the graph does not validate (exit 1); a failed build
    leaves the previous output untouched.
    """
    from aigovkg.build import build as run

    summary = run(out, data=data, site_url=_site_url(site_url), progress=_progress(progress))
    click.echo(f"built {out}: {len(summary.files)} files, {summary.pages} site pages, "
               f"{summary.topics} topic(s), {summary.triples} triples")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("site"),
              show_default=True, help=f"The folder to write the site into ({_OUT_RULE}; replaced only on success).")
@click.option("--site-url", default=None, metavar="URL",
              help="Where the folder will be published; needed to write w3id/.htaccess.")
@progress_option
@data_option
@handle_errors
def site(out: Path, site_url: str | None, progress: bool | None, data: Path | None) -> None:
    """Write the static website: index with the silence index, a page per topic,
    instrument and jurisdiction, a compare page and a SPARQL page.

    No external CDN; relative links; works from file:// and any static server.
    """
    from aigovkg.build import build_site

    pages = build_site(out, data=data, site_url=_site_url(site_url), progress=_progress(progress))
    click.echo(f"wrote {pages} pages to {out}")


@cli.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="The store's SPARQL query URL (to check the upload; Oxigraph: .../query).")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="The Graph Store Protocol URL (default for Oxigraph: the endpoint's /store).")
@click.option("--update", "update_url", default=None, metavar="URL",
              help="The SPARQL Update URL (default for Oxigraph: the endpoint's /update).")
@click.option("--graph", "graph_iri", default=None, metavar="IRI",
              help="Replace this named graph (default: the default graph).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Seconds each request to the store may take, answer included.")
@data_option
@handle_errors
def push(endpoint: str, store_url: str | None, update_url: str | None, graph_iri: str | None, timeout: float,
         data: Path | None) -> None:
    """Replace a graph on a remote store with this graph, never half-loaded.

    Uploads into a fresh staging graph (Graph Store Protocol PUT), checks that
    the store holds every triple, then swaps it in with one SPARQL Update
    DELETE/INSERT operation. Credentials come from AIGOVKG_USER / AIGOVKG_PASSWORD
    (AIGOVKG_AUTH=basic|digest) or ~/.netrc, never from the command line.
    """
    from aigovkg.credentials import refuse_userinfo
    from aigovkg.export import dump
    from aigovkg.loader import load_graph
    from aigovkg.push import StoreURLs
    from aigovkg.push import push as run
    from aigovkg.remote import check_graph_iri

    for url in (endpoint, store_url, update_url):
        if url:
            refuse_userinfo(url)
    urls = StoreURLs.of(endpoint, store=store_url, update=update_url)
    if graph_iri is not None:
        graph_iri = check_graph_iri(graph_iri)
    loaded = load_graph(data)
    report = run(urls, dump(loaded, "ntriples"), triples=loaded.triples, fewest=len(loaded.store), graph=graph_iri,
                 timeout=timeout)
    target = f"graph <{graph_iri}>" if graph_iri else "the default graph"
    click.echo(f"pushed {report.triples} triples to {target} at {report.store} (HTTP {report.status})")
    if report.left_behind:
        click.echo(f"aigovkg: warning: the store did not drop the staging graph <{report.left_behind}>", err=True)


@cli.command()
@click.option("--port", type=int, default=7878, show_default=True)
@click.option("--bind", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep 127.0.0.1 unless you mean to expose the server.")
@click.option("--timeout", "timeout_s", type=int, default=30, show_default=True,
              help="Seconds a query may run before the server stops it.")
@data_option
@handle_errors
def serve(port: int, bind: str, timeout_s: int, data: Path | None) -> None:
    """Serve the graph read-only through the Oxigraph server, with its query page.

    Prints the endpoint URL; stops cleanly on Ctrl-C.
    """
    from aigovkg.loader import load_graph
    from aigovkg.server import serve as run

    loaded = load_graph(data)
    code = run(loaded, port=port, bind=bind, timeout_s=timeout_s, announce=lambda m: click.echo(m))
    sys.exit(0 if code in (0, -2, 130) else code)


@cli.command("releases")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def releases_command(fmt: str) -> None:
    """The releases of the graph, oldest first: version, release date, and
    where each is kept (a snapshot in releases/, or graph/ for the current one).
    Any of them answers with --as-of."""
    import json

    from aigovkg.releases import releases

    found = releases()
    if fmt == "json":
        _emit(json.dumps([{"version": r.version, "issued": r.issued, "graph": r.iri,
                           "snapshot": r.path.name if r.path else None} for r in found], indent=2) + "\n", None)
        return
    width = max(len(r.version) for r in found)
    lines = [f"{r.version:<{width}}  {r.issued}  {('releases/' + r.path.name) if r.path else 'graph/ (current)'}"
             for r in found]
    _emit("\n".join(lines) + "\n", None)


@cli.command("calendar")
@click.option("--role", default=None, help="Only deadlines that bind this role (e.g. deployer, provider).")
@click.option("--jurisdiction", default=None, help="Only instruments of this jurisdiction, by slug (e.g. eu).")
@click.option("--instrument", default=None, help="Only this instrument, by slug (e.g. eu-ai-act).")
@click.option("--from", "start", default=None, metavar="DATE", help="Only deadlines on or after this day.")
@click.option("--to", "end", default=None, metavar="DATE", help="Only deadlines on or before this day.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "ics", "atom"]), default="table",
              show_default=True, help="ics: iCalendar (RFC 5545) to subscribe to; atom: a feed of deadlines "
                                      "and of the ones an amendment moved.")
@data_option
@as_of_option
@out_option
@handle_errors
def calendar_command(role: str | None, jurisdiction: str | None, instrument: str | None, start: str | None,
                     end: str | None, fmt: str, data: Path | None, as_of: str | None, out: Path | None) -> None:
    """The deadline calendar: the days from which parts of instruments start
    to apply, as their timetables stand (amendments included), with the roles
    they bind and how many obligations start that day."""
    from aigovkg.calendar import calendar, render
    from aigovkg.queries import get

    wanted = {"role": role, "jurisdiction": jurisdiction, "instrument": instrument, "from": start, "to": end}
    get("deadlines").bindings({k: v for k, v in wanted.items() if v})  # bad values fail before loading
    result = render(calendar(_graph(data, as_of=as_of), role=role, jurisdiction=jurisdiction, instrument=instrument,
                             start=start, end=end), fmt)
    _emit(result, out)


@cli.command("mcp")
@click.option("--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True,
              help="stdio: for a client that starts the server itself; http: streamable HTTP at /mcp.")
@click.option("--port", type=int, default=8000, show_default=True, help="The port of --transport http.")
@click.option("--bind", default="127.0.0.1", show_default=True,
              help="The address of --transport http; keep 127.0.0.1 unless you mean to expose the server.")
@data_option
@endpoint_options
@timeout_option(30.0)
@handle_errors
def mcp_command(transport: str, port: int, bind: str, data: Path | None, endpoint: str | None,
                default_graph: str | None, max_bytes: int | None, timeout: float) -> None:
    """Serve the graph to AI agents over the Model Context Protocol, read-only.

    Tools give cited answers (instruments, a topic's coverage, two instruments
    compared, silent regimes, disagreements, named queries, sandboxed SPARQL);
    the named queries, the ontology and the shapes are resources. With stdio,
    standard output carries only the protocol; with http, the endpoint URL is
    printed once the port is taken. Needs pip install 'aigovkg[mcp]'.
    """
    from aigovkg.mcp_server import serve  # first: without the SDK, say so before loading anything

    kg = _graph(data, endpoint, timeout, default_graph, max_bytes)
    serve(kg, transport="http" if transport == "http" else "stdio", bind=bind, port=port, timeout=timeout,
          announce=lambda message: click.echo(message))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["mdx", "markdown"]), default="mdx", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("wiki"),
              show_default=True, help=f"The folder to write into ({_OUT_RULE}; replaced only on success); "
                                      "in a Docusaurus site, a folder of its own under docs/.")
@data_option
@handle_errors
def wiki(fmt: str, out: Path, data: Path | None) -> None:
    """Write pages for other wikis (Docusaurus, Astro, Obsidian-style): one per
    topic, instrument and jurisdiction, with YAML front matter and relative links.

    Every front-matter value is quoted; text is escaped so MDX compiles.
    """
    from aigovkg._output import check_out
    from aigovkg.build import folders_read, staged
    from aigovkg.render.wiki import write_wiki

    check_out(out, reads=folders_read(data))  # before loading
    kg = _graph(data)
    count = 0

    def fill(put: Callable[[str, str], None]) -> None:
        nonlocal count
        count = write_wiki(kg, put, fmt=fmt)

    staged(out, fill, command="wiki", reads=folders_read(data))
    click.echo(f"wrote {count} {fmt} pages to {out}")


@cli.command()
@click.argument("kind", type=click.Choice(["heatmap", "tensions", "topics"]))
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The picture to write: .png or .svg.")
@click.option("--source", default=None, metavar="SOURCE", help="Only this source's claims, e.g. policy-window.")
@data_option
@handle_errors
def plot(kind: str, out: Path, source: str | None, data: Path | None) -> None:
    """Draw a picture, headless: the coverage heatmap (instruments × topics,
    coloured by level), the tension network coloured by forum-shopping
    cluster, or the topic similarity network."""
    from aigovkg.plot import heatmap, network, save

    kg = _graph(data)
    save(heatmap(kg, source=source) if kind == "heatmap" else network(kg, kind, source=source), out)
    click.echo(f"wrote {out}")


def _rows_out(rows: list[dict[str, Any]], columns: list[str], fmt: str) -> None:
    if fmt == "json":
        import json

        click.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    from aigovkg.results import text_table

    click.echo(text_table(columns, rows), nl=False)


_TABLE_FORMATS = click.Choice(["table", "csv", "json"])


def graph_options(func: F) -> F:
    """--graph, --source, --format and --data, shared by the analysis commands."""
    for option in reversed([
        click.option("--graph", "kind", type=click.Choice(["tension", "topic", "relation", "jurisdiction"]),
                     default="tension",
                     show_default=True, help="Which graph to analyse."),
        click.option("--source", default=None, metavar="SOURCE", help="Only this source's claims or tensions."),
        click.option("--format", "fmt", type=_TABLE_FORMATS, default="table", show_default=True),
        data_option,
    ]):
        func = option(func)
    return func


@cli.command()
@click.argument("topic_slug", metavar="TOPIC")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--source", default=None, metavar="SOURCE", help="Only this source's claims, e.g. policy-window.")
@click.option("--format", "fmt", type=_TABLE_FORMATS, default="table", show_default=True)
@data_option
@handle_errors
def related(topic_slug: str, top: int, source: str | None, fmt: str, data: Path | None) -> None:
    """Topics whose coverage patterns are most like TOPIC's, with the score
    (cosine over the instruments assessed on both) and the instruments that
    drive it."""
    from aigovkg import analyse
    from aigovkg.errors import InputError
    from aigovkg.namespaces import TOPIC
    from aigovkg.queries import Param

    iri = Param("topic", "topic", False, "").to_term(topic_slug).value
    graph = analyse.topic_graph(_graph(data), source=source)
    if iri not in graph:
        raise InputError(f"no topic {topic_slug!r} with assessed claims in the graph")
    rows = [{"topic": r.topic[len(TOPIC):], "label": r.label, "score": r.score, "shared": r.shared,
             "drivers": "; ".join(r.drivers)} for r in analyse.related_topics(graph, iri, top=top)]
    _rows_out(rows, ["topic", "label", "score", "shared", "drivers"], fmt)


@cli.command()
@graph_options
@handle_errors
def clusters(kind: str, source: str | None, fmt: str, data: Path | None) -> None:
    """Communities of a graph (Louvain, fixed seed: same input, same clusters),
    with modularity and the edges that bridge clusters; forum-shopping clusters
    by default. The topic graph is first thinned to each topic's 3 most
    similar topics."""
    from aigovkg import analyse
    from aigovkg.namespaces import curie

    graph = analyse.build(_graph(data), kind, source=source)
    if kind == "topic":
        graph = analyse.backbone(graph)  # every pair of topics is somewhat similar; cluster the nearest
    found = analyse.clusters(graph)
    rows = [{"cluster": i + 1, "node": curie(n), "label": graph.nodes[n].get("label", n)}
            for i, members in enumerate(found.communities) for n in members]
    if fmt == "json":
        import json

        click.echo(json.dumps({"modularity": found.modularity, "members": rows,
                               "bridges": [[curie(a), curie(b)] for a, b in found.bridges]}, indent=2))
        return
    _rows_out(rows, ["cluster", "node", "label"], fmt)
    if fmt == "table":
        click.echo(f"{len(found.communities)} clusters, modularity {found.modularity}, {len(found.bridges)} bridges")


@cli.command()
@graph_options
@handle_errors
def centrality(kind: str, source: str | None, fmt: str, data: Path | None) -> None:
    """Rank the nodes of a graph by PageRank, with degree, weighted degree and
    betweenness."""
    from aigovkg import analyse
    from aigovkg.namespaces import curie

    rows = analyse.centrality(analyse.build(_graph(data), kind, source=source))
    for row in rows:
        row["node"] = curie(row["node"])
    _rows_out(rows, ["node", "label", "pagerank", "degree", "weightedDegree", "betweenness"], fmt)


@cli.command("graph")
@click.option("--kind", type=click.Choice(["tension", "topic", "relation", "jurisdiction"]), default="tension",
              show_default=True)
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf"]), default="graphml", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--source", default=None, metavar="SOURCE", help="Only this source's claims or tensions.")
@data_option
@handle_errors
def graph_command(kind: str, fmt: str, out: Path, source: str | None, data: Path | None) -> None:
    """Write a graph for Gephi or Cytoscape (GraphML or GEXF)."""
    import io

    import networkx as nx

    from aigovkg import analyse
    from aigovkg._io import write_atomic

    graph = analyse.for_export(analyse.build(_graph(data), kind, source=source))
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer)
    else:
        nx.write_gexf(graph, buffer)
    write_atomic(out, buffer.getvalue())
    click.echo(f"wrote {out}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")


@cli.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "atom"]), default="text", show_default=True,
              help="atom: the feed of one topic (needs --topic).")
@click.option("--topic", default=None, metavar="SLUG", help="Only this topic's claims and tensions.")
@click.option("--atom-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=f"Also write one Atom feed per topic, {{topic}}.atom, into this folder ({_OUT_RULE}; "
                   "replaced on success).")
@out_option
@handle_errors
def diff_command(old: str, new: str, fmt: str, topic: str | None, atom_dir: Path | None, out: Path | None) -> None:
    """Compare two versions of the graph: OLD and NEW are each a folder (a copy
    of graph/) or a git revision of the repository here (HEAD~3, a tag, a commit).

    Reports, per topic and per instrument: claims added or removed (per
    source), changes of level, citation, confidence and verification, tensions
    and relations added or removed, instrument facts changed, and the version
    and release date of each side. Exits 0 whether or not anything changed.
    """
    from aigovkg._output import check_out
    from aigovkg.build import folders_read, staged
    from aigovkg.diff import diff, to_json, to_text
    from aigovkg.errors import UsageError

    if fmt == "atom" and topic is None:
        raise UsageError("--format atom writes the feed of one topic: give --topic SLUG (or use --atom-dir DIR)")
    if atom_dir is not None and topic is not None:
        raise UsageError("--atom-dir writes every topic's feed; leave out --topic")
    reads = folders_read(None) + tuple(Path(side) for side in (old, new) if Path(side).is_dir())
    if atom_dir is not None:
        check_out(atom_dir, reads=reads)  # before reading both versions
    result = diff(old, new, topic=topic)
    if atom_dir is not None:
        from aigovkg.feeds import write_feeds

        count = 0

        def fill(put: Callable[[str, str | bytes], None]) -> None:
            nonlocal count
            count = write_feeds(result, put)

        staged(atom_dir, fill, command="diff", reads=reads)
        click.echo(f"wrote {count} feeds to {atom_dir}", err=True)
    if fmt == "atom":
        from aigovkg.feeds import topic_feed

        assert topic is not None
        _emit(topic_feed(result, result.topic or topic).decode("utf-8"), out)
    else:
        _emit(to_json(result) if fmt == "json" else to_text(result), out)


@cli.command()
@click.option("--instruments", type=click.IntRange(min=2), required=True, help="Number of instruments.")
@click.option("--topics", type=click.IntRange(min=1), required=True, help="Number of topics.")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed: same seed, same bytes.")
@click.option("--violations", type=click.IntRange(min=0), default=0, show_default=True,
              help="Plant this many known violations, listed in planted.json.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="A new or empty folder for the graph's Turtle files.")
@click.option("--overwrite", is_flag=True, help="Replace the folder if aigovkg made it (an earlier synth).")
@handle_errors
def synth(instruments: int, topics: int, seed: int, violations: int, out: Path, overwrite: bool) -> None:
    """Write a synthetic graph for benchmarks and scale tests.

    It uses the project's vocabulary and passes the shapes and checks (unless
    violations are planted); every label says "Synthetic": it is not data.
    Validate or query it with --data OUT.
    """
    from aigovkg.synth import synthesize

    report = synthesize(out, instruments=instruments, topics=topics, seed=seed, violations=violations,
                        overwrite=overwrite)
    click.echo(f"wrote {report.out}: {report.files} files, {report.instruments} instruments, "
               f"{report.topics} topics, {report.jurisdictions} jurisdictions, {report.claims} claims, "
               f"{report.tensions} tensions, {report.relations} relations"
               + (f", {len(report.planted)} planted violation(s) in planted.json" if report.planted else ""))


def main() -> None:
    cli(prog_name="aigovkg")

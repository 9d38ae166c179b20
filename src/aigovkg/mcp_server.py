"""The Model Context Protocol server: the graph's cited answers as MCP tools,
its named queries, ontology and shapes as resources, for AI agents.

Built on the official Python SDK (PyPI ``mcp``, the extra ``aigovkg[mcp]``),
over stdio (for a client that starts the server itself) or streamable HTTP
on 127.0.0.1. Every tool is read-only and thin over :mod:`aigovkg.answers`:
parameters are checked by the named queries' typed parameters and bound,
never written into query text, and a bad one is a tool error (``isError``)
with the query layer's message. Ad-hoc SPARQL goes through the same guard
and network-less worker as ``aigovkg sparql``, with a time limit and a row cap.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import signal
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from aigovkg import __version__, answers, queries, resources
from aigovkg.errors import AigovkgError, UsageError

try:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.server.mcpserver.resources import FileResource
    from mcp.types import ToolAnnotations
    from pydantic import Field
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
    if (exc.name or "").partition(".")[0] not in ("mcp", "mcp_types", "pydantic"):
        raise
    raise UsageError("aigovkg mcp needs the MCP SDK: pip install 'aigovkg[mcp]'") from None

if TYPE_CHECKING:
    from aigovkg.api import KnowledgeGraph

F = TypeVar("F", bound=Callable[..., Any])

INSTRUCTIONS = (
    "aigovkg is a knowledge graph of AI governance: how each instrument (laws, executive orders, "
    "declarations, company frameworks) treats each governance topic, as sourced claims. Every claim "
    "has a level (governs, implicit, silent, conflicts, or not-assessed when its text could not be "
    "read), a source (aigovkg: this project's review; policy-window: Policy Window's page), a "
    "citation and what it rests on (checkedAgainst: the instrument's text that was read; evidence: "
    "pages about it). Quote the citation and the URLs when you answer. Start with list_topics or "
    "find_instruments to learn the slugs the other tools take."
)
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                             open_world_hint=False)
_SOURCE = "Only this source's claims (aigovkg or policy-window); default: the reviewed view."

Topic = Annotated[str, Field(description="A topic slug, e.g. synthetic-content (list_topics lists them).")]
Instrument = Annotated[str, Field(description="An instrument slug, e.g. eu-ai-act (find_instruments lists them).")]
Source = Annotated[str | None, Field(description=_SOURCE)]


def _answering(func: F) -> F:
    """Turn the library's errors (a bad parameter, a refused query) into a tool
    error with its message; anything else is the SDK's internal error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AigovkgError as exc:
            raise ToolError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _add_tools(server: MCPServer, kg: KnowledgeGraph, *, timeout: float) -> None:
    """Register the tools, each a thin call into :mod:`aigovkg.answers`."""
    tool = functools.partial(server.tool, annotations=_READ_ONLY, structured_output=True)

    @tool(name="find_instruments")
    @_answering
    def find_instruments(
        text: Annotated[str | None, Field(description="Words the instrument's name or slug holds, any case, "
                                                      "e.g. 'executive order'.")] = None,
        jurisdiction: Annotated[str | None, Field(description="A jurisdiction slug, e.g. us, eu, gb "
                                                              "(subnational parts included).")] = None,
    ) -> dict[str, Any]:
        """Find tracked AI-governance instruments by name and jurisdiction: slug, label, IRI,
        jurisdiction, kind, status and date adopted. Without arguments, every instrument."""
        return answers.find_instruments(kg, text=text, jurisdiction=jurisdiction)

    @tool(name="list_topics")
    @_answering
    def list_topics() -> dict[str, Any]:
        """The governance topics, with their slugs and how many instruments have a claim on each."""
        return answers.list_topics(kg)

    @tool(name="topic_coverage")
    @_answering
    def topic_coverage(topic: Topic, source: Source = None) -> dict[str, Any]:
        """How every instrument treats a topic, with the counts per level and, for each claim, its
        level, source, citation, pinpoint, quoted words, confidence, verification and the documents it
        rests on (checkedAgainst, evidence: http(s) URLs), or why its text was not read."""
        return answers.topic_coverage(kg, topic, source=source)

    @tool(name="compare_instruments")
    @_answering
    def compare_instruments(first: Instrument, second: Instrument, source: Source = None) -> dict[str, Any]:
        """Compare two instruments topic by topic: each side's cited claims, whether their levels are
        the same, and the tensions and relations the graph records between the two."""
        return answers.compare_instruments(kg, first, second, source=source)

    @tool(name="silent_regimes")
    @_answering
    def silent_regimes(
        topic: Annotated[str | None, Field(description="A topic slug; every topic without it.")] = None,
        source: Source = None,
    ) -> dict[str, Any]:
        """The instruments recorded as silent on a topic (the gap signal), each with the cited claim
        that records the silence. Silence is never inferred from absence; cells not assessed are
        not silence."""
        return answers.silent_regimes(kg, topic, source=source)

    @tool(name="disagreements")
    @_answering
    def disagreements(
        topic: Annotated[str | None, Field(description="A topic slug; every topic without it.")] = None,
    ) -> dict[str, Any]:
        """Where two sources give the same instrument different levels on a topic, with both
        claims cited and what each rests on."""
        return answers.disagreements(kg, topic)

    @tool(name="obligations")
    @_answering
    def obligations(
        instrument: Annotated[str | None, Field(description="An instrument slug, e.g. eu-ai-act.")] = None,
        role: Annotated[str | None, Field(description="A duty holder: provider, deployer, importer, distributor, "
                                                      "authorised-representative, gpai-model-provider, "
                                                      "gpai-systemic-risk-provider, any-operator, "
                                                      "frontier-developer, large-frontier-developer, "
                                                      "generative-content-service-provider, "
                                                      "content-dissemination-platform, app-distribution-platform, "
                                                      "controller, ai-business-operator or "
                                                      "generative-ai-service-provider.")] = None,
        topic: Annotated[str | None, Field(description="A topic slug, e.g. human-oversight.")] = None,
        on: Annotated[str | None, Field(description="A day (YYYY-MM-DD): only what applied that day, as the "
                                                    "law stood that day.")] = None,
    ) -> dict[str, Any]:
        """Obligations by role: who must, must not or may do what, with the pinpoint, the instrument's
        own words and the page they were read on. With `on`, as the law stood that day; `certain` is
        false where the answer depends on an amendment whose entry into force is not recorded."""
        return answers.obligations(kg, instrument=instrument, role=role, topic=topic, on=on)

    @tool(name="deadlines")
    @_answering
    def deadlines(
        role: Annotated[str | None, Field(description="A duty holder, e.g. deployer.")] = None,
        jurisdiction: Annotated[str | None, Field(description="A jurisdiction slug, e.g. eu.")] = None,
        start: Annotated[str | None, Field(description="Only deadlines on or after this day (YYYY-MM-DD).")] = None,
        end: Annotated[str | None, Field(description="Only deadlines on or before this day (YYYY-MM-DD).")] = None,
    ) -> dict[str, Any]:
        """Deadlines: the days from which parts of instruments start to apply, as their timetables
        stand after amendments, with the roles bound and the date a deadline moved from."""
        return answers.deadlines(kg, role=role, jurisdiction=jurisdiction, start=start, end=end)

    @tool(name="list_queries")
    @_answering
    def list_queries() -> dict[str, Any]:
        """The named SPARQL queries: what each answers and its typed parameters (for run_query)."""
        return answers.list_queries()

    @tool(name="run_query")
    @_answering
    def run_query(
        name: Annotated[str, Field(description="A named query, e.g. topic-tensions (list_queries lists them).")],
        params: Annotated[dict[str, str] | None, Field(description="Its parameters by name, e.g. "
                                                                   "{\"topic\": \"synthetic-content\"}.")] = None,
    ) -> dict[str, Any]:
        """Run a named query with its parameters, checked by their declared types and bound (never
        pasted into the query). Rows as JSON, full IRIs, at most 500 rows (truncated says so)."""
        return answers.named_query(kg, name, params)

    @tool(name="sparql")
    @_answering
    def sparql(
        query: Annotated[str, Field(description="A SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE query; "
                                                "the prefixes aigov:, inst:, topic:, jur:, src:, claim:, "
                                                "skos:, rdfs:, dcterms: and others are declared.")],
    ) -> dict[str, Any]:
        """Run an ad-hoc read-only SPARQL query. SERVICE, LOAD, FROM of remote graphs and updates are
        refused before anything runs; the query runs in a worker with no network and a time limit.
        At most 500 rows or triples (truncated says so)."""
        return answers.sparql(kg, query, timeout=timeout)


def _add_resources(server: MCPServer) -> None:
    """Register each named query's text, the ontology and the shapes."""
    for named in queries.named_queries().values():
        server.add_resource(FileResource(
            uri=f"aigovkg://queries/{named.name}", name=named.name, title=f"Named query {named.name}",
            description=named.description, mime_type="application/sparql-query", path=named.path,
            encoding="utf-8"))
    server.add_resource(FileResource(
        uri="aigovkg://ontology", name="ontology", title="The aigovkg ontology (OWL, Turtle)",
        description="Classes, properties and concept schemes of the graph, with labels, definitions and sources.",
        mime_type="text/turtle", path=resources.ontology_file(), encoding="utf-8"))
    server.add_resource(FileResource(
        uri="aigovkg://shapes", name="shapes", title="The aigovkg SHACL shapes (Turtle)",
        description="The rules every node of the graph is validated against, each with its message.",
        mime_type="text/turtle", path=resources.shapes_file(), encoding="utf-8"))


def build_server(kg: KnowledgeGraph, *, timeout: float = 30.0) -> MCPServer:
    """The MCP server over ``kg``; ad-hoc queries stop after ``timeout`` seconds."""
    server: MCPServer = MCPServer("aigovkg", title="aigovkg: a knowledge graph of AI governance",
                                  version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    _add_tools(server, kg, timeout=timeout)
    _add_resources(server)
    return server


def _listen(bind: str, port: int) -> socket.socket:
    """A socket listening on ``bind:port``, or one clear error if it cannot be had."""
    try:
        family = socket.getaddrinfo(bind, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((bind, port), family=family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"{bind}:{port} is already in use by another program; "
                             f"choose another port with --port") from None
        raise UsageError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None


def _serve_http(server: MCPServer, *, bind: str, port: int, announce: Callable[[str], None]) -> None:
    """Streamable HTTP at ``http://bind:port/mcp`` until interrupted. The port is
    taken before anything is announced; on 127.0.0.1 the SDK refuses requests
    whose Host or Origin header is not local (DNS rebinding)."""
    import uvicorn

    listener = _listen(bind, port)
    host = f"[{bind}]" if ":" in bind else bind
    config = uvicorn.Config(server.streamable_http_app(host=bind), log_level="warning",
                            timeout_graceful_shutdown=5)
    with listener:
        announce(f"MCP endpoint (streamable HTTP): http://{host}:{listener.getsockname()[1]}/mcp")
        announce("read-only; press Ctrl-C to stop")
        # uvicorn stops gracefully on SIGINT or SIGTERM, then raises the signal
        # again under the handlers it found: these end the command quietly (exit 0).
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.Server(config).run(sockets=[listener])


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def serve(kg: KnowledgeGraph, *, transport: Literal["stdio", "http"] = "stdio", bind: str = "127.0.0.1",
          port: int = 8000, timeout: float = 30.0, announce: Callable[[str], None] = print) -> None:
    """Serve ``kg`` over stdio (standard output carries nothing but the
    protocol) or streamable HTTP on ``bind:port`` (announced through ``announce``)."""
    if not 0 < port < 65536:
        raise UsageError(f"port must be between 1 and 65535, got {port}")
    server = build_server(kg, timeout=timeout)
    if transport == "stdio":
        server.run("stdio")
    else:
        _serve_http(server, bind=bind, port=port, announce=announce)

"""Replace a graph on a remote store without readers seeing it half-loaded.

A push never writes into the graph that readers query. It uploads the graph
into a fresh staging graph with one Graph Store Protocol PUT, checks through
the query endpoint that the store holds every triple of it, then moves it into
place with one SPARQL 1.1 Update request (``MOVE``); if any step fails, the
staging graph is dropped and the target graph was never touched. Whether the
``MOVE`` itself is atomic for readers is the store's affair: Oxigraph runs an
update in one transaction (readers see the old graph or the new one);
Virtuoso 7.2 drops the target and then copies into it, so its readers may see
the graph empty while the move runs (never half of the new graph, and never
during the upload).
"""

from __future__ import annotations

import contextlib
import urllib.parse
import uuid
from dataclasses import dataclass

import pyoxigraph as ox

from aigovkg import __version__
from aigovkg._http import Answer, Credentials, Unreachable, exchange, store_message
from aigovkg.credentials import resolve
from aigovkg.errors import QueryError, UsageError
from aigovkg.remote import RemoteEngine, check_endpoint, check_graph_iri

_STAGING = "urn:aigovkg:push:"
_UNCHANGED = "the remote graph is unchanged"


@dataclass(frozen=True)
class StoreURLs:
    """Where a store answers queries, takes graphs (Graph Store Protocol) and updates."""

    query: str
    store: str
    update: str

    @classmethod
    def of(cls, endpoint: str, *, store: str | None = None, update: str | None = None) -> StoreURLs:
        """The URLs given, the others derived as an Oxigraph server lays them out
        (``/query``, ``/store``, ``/update``)."""
        check_endpoint(endpoint)
        base = _oxigraph_base(endpoint, "/query") or (_oxigraph_base(store, "/store") if store else None)
        if store is None or update is None:
            if base is None:
                raise UsageError("cannot derive the store URLs from this endpoint; give --store URL "
                                 "(Graph Store Protocol) and --update URL (SPARQL Update)")
            store = store or base + "/store"
            update = update or base + "/update"
        return cls(endpoint, check_endpoint(store), check_endpoint(update))


def _oxigraph_base(url: str, suffix: str) -> str | None:
    stripped = url.rstrip("/")
    return stripped[: -len(suffix)] if stripped.endswith(suffix) else None


@dataclass(frozen=True)
class PushReport:
    """What a push did: how many triples went where, and the store's answer to the move."""

    triples: int
    graph: str | None
    store: str
    status: int


def push(
    urls: StoreURLs,
    data: bytes,
    *,
    triples: int,
    graph: str | None = None,
    timeout: float = 60.0,
    user: str | None = None,
    password: str | None = None,
    auth: str | None = None,
) -> PushReport:
    """Replace ``graph`` (default: the default graph) with ``data``, N-Triples
    holding ``triples`` triples; each request must be answered within ``timeout`` s."""
    if graph is not None:
        graph = check_graph_iri(graph)
    store, store_login = resolve(urls.store, user=user, password=password, auth=auth)
    update, update_login = resolve(urls.update, user=user, password=password, auth=auth)
    staging = f"{_STAGING}{uuid.uuid4()}"
    _upload(store, staging, data, timeout, store_login)
    try:
        checker = RemoteEngine(urls.query, timeout=timeout, retries=1, user=user, password=password, auth=auth)
        _check_staged(checker, staging, triples)
        status = _move(update, staging, graph, timeout, update_login)
    except QueryError:
        _drop(update, staging, timeout, update_login)
        raise
    return PushReport(triples, graph, store, status)


def _upload(store: str, staging: str, data: bytes, timeout: float, credentials: Credentials | None) -> None:
    url = store + ("&" if "?" in store else "?") + urllib.parse.urlencode({"graph": staging})
    answer = _send("PUT", url, store, data, "application/n-triples", timeout, credentials)
    if answer.status not in (200, 201, 204):
        raise QueryError(f"{store}: push refused: {_status(answer)}; {_UNCHANGED}")


def _check_staged(engine: RemoteEngine, staging: str, triples: int) -> None:
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{staging}> {{ ?s ?p ?o }} }}"
    held = engine.select(text).records()[0]["n"]
    if held != triples:
        raise QueryError(f"{engine.endpoint}: the store holds {held} of the {triples} triples uploaded; "
                         f"{_UNCHANGED}")


def _move(update: str, staging: str, graph: str | None, timeout: float, credentials: Credentials | None) -> int:
    target = f"GRAPH {ox.NamedNode(graph)}" if graph else "DEFAULT"
    answer = _update(update, f"MOVE GRAPH <{staging}> TO {target}", timeout, credentials)
    if answer.status not in (200, 204):
        raise QueryError(f"{update}: moving the new graph into place refused: {_status(answer)}; {_UNCHANGED}")
    return answer.status


def _drop(update: str, staging: str, timeout: float, credentials: Credentials | None) -> None:
    """Best effort: a staging graph left behind is named urn:aigovkg:push:…"""
    with contextlib.suppress(QueryError):
        _update(update, f"DROP SILENT GRAPH <{staging}>", timeout, credentials)


def _update(update: str, text: str, timeout: float, credentials: Credentials | None) -> Answer:
    body = urllib.parse.urlencode({"update": text}).encode("utf-8")
    return _send("POST", update, update, body, "application/x-www-form-urlencoded", timeout, credentials)


def _send(method: str, url: str, shown: str, body: bytes, ctype: str, timeout: float,
          credentials: Credentials | None) -> Answer:
    headers = {"Content-Type": ctype, "User-Agent": f"aigovkg/{__version__}"}
    try:
        return exchange(method, url, body=body, headers=headers, timeout=timeout, max_bytes=1_000_000,
                        credentials=credentials)
    except Unreachable as exc:
        raise QueryError(f"{shown}: cannot reach the store: {exc.reason}") from None


def _status(answer: Answer) -> str:
    said = store_message(answer)
    return f"HTTP {answer.status}" + (f": {said}" if said else "")

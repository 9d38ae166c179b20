"""Replace a graph on a remote store without readers seeing it half-loaded.

A push never writes into the graph that readers query until the new graph is
complete on the store. It uploads the graph into a fresh staging graph with
one Graph Store Protocol PUT, checks through the query endpoint that the store
holds every triple of it, then swaps it in with one SPARQL 1.1 Update
operation: ``DELETE`` the target's triples and ``INSERT`` the staging graph's,
both from one ``WHERE`` (a single operation, which stores run as one
transaction); then it drops the staging graph. If any step before the swap
fails, the staging graph is dropped and the target graph was never touched.

Per store: Oxigraph runs each update in one transaction, so readers see the
old graph or the new one. Virtuoso 7.2 runs this single DELETE/INSERT as one
transaction too, but its readers see it whole only at REPEATABLE READ
(``DefaultIsolation = 4`` in virtuoso.ini): at its default READ COMMITTED a
query that runs while the swap commits can count part of each version (seen
in 1 of 24 pushes with a reader counting throughout; none in 84 at
REPEATABLE READ). ``MOVE`` and ``COPY`` are worse there, a drop and then an
insert (readers saw the graph empty or partly replaced), and so is a Graph
Store PUT into the target (readers saw it empty, then partly loaded).
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
    """What a push did: how many triples went where, and the store's answer to the swap."""

    triples: int
    graph: str | None
    store: str
    status: int
    left_behind: str | None = None  # a staging graph the store would not drop


def push(
    urls: StoreURLs,
    data: bytes,
    *,
    triples: int,
    fewest: int | None = None,
    graph: str | None = None,
    timeout: float = 60.0,
    user: str | None = None,
    password: str | None = None,
    auth: str | None = None,
) -> PushReport:
    """Replace ``graph`` (default: the default graph) with ``data``, N-Triples
    holding ``triples`` triples; each request must be answered within ``timeout`` s.
    A store that keeps literals in canonical form, as Oxigraph does, holds
    ``"1"`` and ``"01"`` of one subject and predicate as one triple: ``fewest``
    is how many it may then hold (default: all ``triples``)."""
    if graph is not None:
        graph = check_graph_iri(graph)
    store, store_login = resolve(urls.store, user=user, password=password, auth=auth)
    update, update_login = resolve(urls.update, user=user, password=password, auth=auth)
    staging = f"{_STAGING}{uuid.uuid4()}"
    _upload(store, staging, data, timeout, store_login)
    try:
        checker = RemoteEngine(urls.query, timeout=timeout, retries=1, user=user, password=password, auth=auth)
        _check_staged(checker, staging, triples, triples if fewest is None else fewest)
        status = _swap(update, staging, graph, timeout, update_login)
    except QueryError:
        _drop(update, staging, timeout, update_login)
        raise
    dropped = _drop(update, staging, timeout, update_login)
    return PushReport(triples, graph, store, status, None if dropped else staging)


def _upload(store: str, staging: str, data: bytes, timeout: float, credentials: Credentials | None) -> None:
    url = store + ("&" if "?" in store else "?") + urllib.parse.urlencode({"graph": staging})
    answer = _send("PUT", url, store, data, "application/n-triples", timeout, credentials)
    if answer.status not in (200, 201, 204):
        raise QueryError(f"{store}: push refused: {_status(answer)}; {_UNCHANGED}")


def _check_staged(engine: RemoteEngine, staging: str, triples: int, fewest: int) -> None:
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{staging}> {{ ?s ?p ?o }} }}"
    held = engine.select(text).records()[0]["n"]
    if not isinstance(held, int) or not fewest <= held <= triples:
        raise QueryError(f"{engine.endpoint}: the store holds {held} of the {triples} triples uploaded; "
                         f"{_UNCHANGED}")


def _swap(update: str, staging: str, graph: str | None, timeout: float, credentials: Credentials | None) -> int:
    """Replace the target's triples by the staging graph's in one operation."""
    old, new = _in_target("?s ?p ?o", graph), _in_target("?s2 ?p2 ?o2", graph)
    text = (f"DELETE {{ {old} }} INSERT {{ {new} }} "
            f"WHERE {{ {{ {old} }} UNION {{ GRAPH <{staging}> {{ ?s2 ?p2 ?o2 }} }} }}")
    answer = _update(update, text, timeout, credentials)
    if answer.status not in (200, 204):
        raise QueryError(f"{update}: putting the new graph in place refused: {_status(answer)}; {_UNCHANGED}")
    return answer.status


def _in_target(pattern: str, graph: str | None) -> str:
    return f"GRAPH {ox.NamedNode(graph)} {{ {pattern} }}" if graph else pattern


def _drop(update: str, staging: str, timeout: float, credentials: Credentials | None) -> bool:
    """Drop the staging graph if the store will (SILENT: Virtuoso refuses to
    DROP a graph that a Graph Store PUT made without it)."""
    with contextlib.suppress(QueryError):
        return _update(update, f"DROP SILENT GRAPH <{staging}>", timeout, credentials).status in (200, 204)
    return False


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

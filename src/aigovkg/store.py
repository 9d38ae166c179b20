"""The engine behind one interface: the embedded in-process Oxigraph store.

The embedded engine answers SELECT, ASK, CONSTRUCT and DESCRIBE on the
loaded graph; nothing in it reaches the network. The curated prefixes
(``aigov:``, ``inst:``, ``skos:``, ...) are predeclared for ad-hoc queries.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from typing import Protocol

import pyoxigraph as ox

from aigovkg.errors import QueryError
from aigovkg.namespaces import PREFIXES
from aigovkg.results import ResultTable, from_solutions


class Engine(Protocol):
    """What the query layer needs from a store."""

    name: str

    def select(self, text: str) -> ResultTable: ...

    def ask(self, text: str) -> bool: ...

    def construct(self, text: str) -> list[ox.Triple]: ...


class EmbeddedEngine:
    """Queries an in-memory pyoxigraph store."""

    name = "embedded"

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def _run(self, text: str) -> object:
        try:
            return self.store.query(text, prefixes=dict(PREFIXES))
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"query failed: {exc}") from None

    def select(self, text: str) -> ResultTable:
        result = self._run(text)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        return from_solutions(result)

    def ask(self, text: str) -> bool:
        result = self._run(text)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("expected an ASK query")
        return bool(result)

    def construct(self, text: str) -> list[ox.Triple]:
        result = self._run(text)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        return list(result)

    def run_isolated(self, text: str, *, timeout: float) -> ResultTable | bool | list[ox.Triple]:
        """Run an untrusted query in a forked worker process with a time limit.

        The worker shares the loaded store copy-on-write, so nothing is reloaded.
        A query that runs too long is stopped; one that crashes the engine takes
        down only the worker, never the caller.
        """
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(target=_worker, args=(self.store, text, sender), daemon=True)
        worker.start()
        sender.close()
        try:
            if not receiver.poll(timeout):
                if worker.is_alive():
                    raise QueryError(f"query stopped: it ran longer than the {timeout:g} s time limit")
                raise QueryError(f"query crashed the query worker (exit {worker.exitcode}); nothing else was affected")
            try:
                payload = receiver.recv_bytes()
            except EOFError:
                worker.join(5)
                raise QueryError(
                    f"query crashed the query worker (exit {worker.exitcode}); nothing else was affected"
                ) from None
        finally:
            if worker.is_alive():
                worker.kill()
            worker.join(5)
            receiver.close()
        kind, body = payload[:1], payload[1:]
        if kind == b"E":
            raise QueryError(body.decode("utf-8"))
        if kind == b"S":
            solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if isinstance(solutions, ox.QueryBoolean):
                return bool(solutions)
            return from_solutions(solutions)
        return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]


def _worker(store: ox.Store, text: str, sender: multiprocessing.connection.Connection) -> None:
    try:
        result = store.query(text, prefixes=dict(PREFIXES))
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            data = result.serialize(format=ox.QueryResultsFormat.JSON)
            payload = b"S" + (data or b"")
        else:
            payload = b"T" + (ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b"")
    except SyntaxError as exc:
        payload = b"E" + f"SPARQL syntax error: {exc}".encode()
    except Exception as exc:  # reported to the caller as a QueryError
        payload = b"E" + f"query failed: {exc}".encode()
    sender.send_bytes(payload)
    sender.close()

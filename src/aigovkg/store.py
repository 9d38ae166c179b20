"""The engine behind one interface: the embedded in-process Oxigraph store.

The embedded engine answers SELECT, ASK, CONSTRUCT and DESCRIBE on the
loaded graph; nothing in it reaches the network. The curated prefixes
(``aigov:``, ``inst:``, ``skos:``, ...) are predeclared for ad-hoc queries.
"""

from __future__ import annotations

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

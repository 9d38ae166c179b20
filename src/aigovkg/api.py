"""The library's front door: one object for notebooks, pages and the CLI.

    >>> from aigovkg import load
    >>> kg = load()
    >>> kg.results("topic-coverage-summary", topic="international-coordination", source="policy-window").records()[0]["silentCount"]
    14
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aigovkg import queries as _queries
from aigovkg.errors import QueryError, UsageError
from aigovkg.loader import LoadedGraph, load_graph
from aigovkg.namespaces import PREFIXES
from aigovkg.results import ResultTable
from aigovkg.sparql import bind, check_prefixes, check_read_only
from aigovkg.store import EmbeddedEngine, Engine

if TYPE_CHECKING:
    import pandas as pd

    from aigovkg.remote import RemoteEngine
    from aigovkg.validate import ValidationReport


class KnowledgeGraph:
    """The graph and its query engine (embedded by default)."""

    def __init__(self, engine: Engine, loaded: LoadedGraph | None = None) -> None:
        self.engine = engine
        self.loaded = loaded

    def __repr__(self) -> str:
        where = f"{self.loaded.triples} triples from {self.loaded.data_dir}" if self.loaded else self.engine.name
        return f"<KnowledgeGraph {where}>"

    # ------------------------------------------------------------ named queries

    def results(self, name: str, /, *, timeout: float | None = None, **params: Any) -> ResultTable:
        """Run a named query and return its rows (no pandas needed).

        Named queries are trusted files and run in-process; with ``timeout``
        (seconds) an embedded query runs in a worker process stopped at the limit,
        and a remote one must be answered in full within it.
        """
        text = self._select_text(name, params)
        if timeout is not None and isinstance(self.engine, EmbeddedEngine):
            result = self.engine.run_isolated(text, timeout=timeout)
            assert isinstance(result, ResultTable)
            return result
        remote = self._remote()
        if remote is not None:
            return remote.select(text, timeout=timeout)
        return self.engine.select(text)

    def rows(self, name: str, /, *, curies: bool = False, **params: Any) -> list[dict[str, Any]]:
        """A named query's rows as dictionaries of Python values: what
        ``results(name, **params).records(curies=curies)`` gives, read faster
        from the embedded store (the build reads millions of cells)."""
        if isinstance(self.engine, EmbeddedEngine):
            return self.engine.select_records(self._select_text(name, params), curies=curies)
        return self.results(name, **params).records(curies=curies)

    def select_text(self, name: str, /, **params: Any) -> str:
        """The text :meth:`rows` runs for a named SELECT query and its
        parameters (bound, after they are checked)."""
        return self._select_text(name, params)

    @staticmethod
    def _select_text(name: str, params: dict[str, Any]) -> str:
        """A named SELECT query's text with ``params`` bound (checked first)."""
        named = _queries.get(name)
        text = bind(named.text, named.bindings(params))
        if named.form != "SELECT":
            raise UsageError(f"query {name} is a {named.form} query; use kg.construct()")
        return text

    def query(self, name: str, /, *, curies: bool = False, **params: Any) -> pd.DataFrame:
        """Run a named query and return a pandas DataFrame: columns in projection
        order, typed values, unbound values missing, IRIs as CURIEs on request."""
        return self.results(name, **params).to_dataframe(curies=curies)

    def construct(self, name: str, /, **params: Any) -> list[ox.Triple]:
        """Run a named CONSTRUCT or DESCRIBE query; its triples as pyoxigraph
        :class:`~pyoxigraph.Triple` objects (``export.triples_to_text`` writes
        them as Turtle or JSON-LD)."""
        named = _queries.get(name)
        if named.form not in ("CONSTRUCT", "DESCRIBE"):
            raise UsageError(f"query {name} is a {named.form} query; use kg.query() or kg.results()")
        return self.engine.construct(bind(named.text, named.bindings(params)))

    @property
    def queries(self) -> dict[str, str]:
        """The named queries this graph answers, each with what it answers
        (``kg.query(name, **params)`` runs one; ``aigovkg queries`` lists their parameters)."""
        return {name: named.description for name, named in sorted(_queries.named_queries().items())}

    # ---------------------------------------------------------- ad-hoc queries

    def sparql_results(self, text: str, *, timeout: float | None = None) -> ResultTable | bool | list[ox.Triple]:
        """Run an ad-hoc read-only query; SERVICE, LOAD, FROM and updates are
        refused before anything runs (FROM may name a graph of the embedded
        store, never a remote one). On the embedded graph the query runs in a
        worker process stopped after ``timeout`` seconds (30 by default), so a
        runaway or crashing query cannot take the caller down; a remote endpoint
        must answer in full within ``timeout`` (default: the engine's)."""
        if isinstance(self.engine, EmbeddedEngine):
            check_read_only(text, local_graphs=self.engine.named_graphs())
            check_prefixes(text, PREFIXES)
            return self.engine.run_isolated(text, timeout=30.0 if timeout is None else timeout)
        form = check_read_only(text)
        remote = self._remote()
        if remote is not None:
            if form == "SELECT":
                return remote.select(text, timeout=timeout)
            if form == "ASK":
                return remote.ask(text, timeout=timeout)
            return remote.construct(text, timeout=timeout)
        if form == "SELECT":
            return self.engine.select(text)
        if form == "ASK":
            return self.engine.ask(text)
        return self.engine.construct(text)

    def sparql(self, text: str, *, curies: bool = False,
               timeout: float | None = None) -> pd.DataFrame | bool | list[ox.Triple]:
        """Like :meth:`sparql_results`, with SELECT results as a DataFrame."""
        result = self.sparql_results(text, timeout=timeout)
        return result.to_dataframe(curies=curies) if isinstance(result, ResultTable) else result

    def _remote(self) -> RemoteEngine | None:
        from aigovkg.remote import RemoteEngine

        return self.engine if isinstance(self.engine, RemoteEngine) else None

    # ---------------------------------------------------------------- stages

    def validate(self) -> ValidationReport:
        """Validate the loaded graph (embedded graphs only)."""
        from aigovkg.validate import validate

        if self.loaded is None:
            raise QueryError("validation needs the graph loaded locally, not a remote endpoint")
        return validate(self.loaded)


def load(
    data: str | Path | None = None,
    *,
    endpoint: str | None = None,
    store_dir: str | Path | None = None,
    as_of: str | None = None,
    **options: Any,
) -> KnowledgeGraph:
    """Load the shipped graph, another copy of ``graph/``, or connect to an endpoint.

    ``store_dir`` (a new or empty folder) loads into an on-disk store there
    instead of memory, for graphs too big for memory; remove the folder when done.
    ``as_of`` (a release such as ``"0.1.0"``, or a day ``"2026-11-30"``) loads
    the graph as that release published it (see :mod:`aigovkg.releases`).
    """
    if as_of is not None:
        if data is not None or endpoint is not None or store_dir is not None or options:
            raise UsageError("as_of reads a shipped release: give it alone, without a data folder or an endpoint")
        from aigovkg.releases import load_release, resolve

        released = load_release(resolve(as_of))
        return KnowledgeGraph(EmbeddedEngine(released.store), released)
    if endpoint is not None:
        if data is not None or store_dir is not None:
            raise UsageError("give either a data folder (and store folder) or an endpoint, not both")
        from aigovkg.remote import RemoteEngine

        return KnowledgeGraph(RemoteEngine(endpoint, **options))
    if options:
        raise UsageError(f"unknown options: {', '.join(sorted(options))}")
    loaded = load_graph(Path(data) if data is not None else None,
                        store_dir=Path(store_dir) if store_dir is not None else None)
    return KnowledgeGraph(EmbeddedEngine(loaded.store), loaded)

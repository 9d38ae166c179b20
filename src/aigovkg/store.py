"""The engine behind one interface: the embedded in-process Oxigraph store.

The embedded engine answers SELECT, ASK, CONSTRUCT and DESCRIBE on the
loaded graph. Ad-hoc queries run in a forked worker that has no network at
all (a network namespace of its own, where the system allows one), so even a
query the guard of :mod:`aigovkg.sparql` let through cannot call out. The curated prefixes
(``aigov:``, ``inst:``, ``skos:``, ...) are predeclared for ad-hoc queries.
Threads may share one engine (the MCP server's tools do): a worker is forked
only while no query runs in this process (:class:`ForkGate`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import faulthandler
import multiprocessing
import multiprocessing.connection
import os
import resource
import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import pyoxigraph as ox

from aigovkg._beside import cores
from aigovkg.errors import QueryError
from aigovkg.namespaces import PREFIXES
from aigovkg.results import ResultTable, from_solutions, tsv_records

WORKER_MEMORY = 2 * 2**30


class Engine(Protocol):
    """What the query layer needs from a store."""

    name: str

    def select(self, text: str) -> ResultTable: ...

    def ask(self, text: str) -> bool: ...

    def construct(self, text: str) -> list[ox.Triple]: ...


class ForkGate:
    """Queries in this process run together; a worker is forked only while
    none runs, and one fork at a time.

    A fork copies the engine's locks as they stand: one held by a query in
    another thread stays held in the child, whose query then waits for it
    forever (seen with concurrent MCP tool calls: about one ad-hoc query in 80
    hung until its time limit). A fork waits for the running
    queries; queries that arrive meanwhile wait for it, which takes
    milliseconds (the worker's query runs after the fork, outside the gate).
    A forked child starts with its gates open (no query of its own runs, and
    the fork that made it is over): the build's dumps worker queries the store.
    """

    def __init__(self) -> None:
        self._reset()
        _GATES.add(self)

    def _reset(self) -> None:
        self._state = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._forking = False

    @contextlib.contextmanager
    def query(self) -> Iterator[None]:
        """Hold the gate open for one query in this process."""
        with self._state:
            self._state.wait_for(lambda: not self._forking and not self._waiting)
            self._running += 1
        try:
            yield
        finally:
            with self._state:
                self._running -= 1
                self._state.notify_all()

    @contextlib.contextmanager
    def fork(self) -> Iterator[None]:
        """Hold the gate shut while a worker is forked."""
        with self._state:
            self._waiting += 1
            self._state.wait_for(lambda: not self._running and not self._forking)
            self._waiting -= 1
            self._forking = True
        try:
            yield
        finally:
            with self._state:
                self._forking = False
                self._state.notify_all()


_GATES: weakref.WeakSet[ForkGate] = weakref.WeakSet()


def _reset_gates() -> None:
    for gate in list(_GATES):
        gate._reset()


os.register_at_fork(after_in_child=_reset_gates)


class _Ahead:
    """SELECT queries answered one after another by a thread of this process
    (:meth:`EmbeddedEngine.ahead`) while the caller goes on. Oxigraph releases
    Python's lock while it evaluates a query and writes its answer, so the
    thread runs on another core, on the same store. A forked worker did this
    before, but reading Oxigraph's in-memory store writes to it, so the
    child's copy of the store became its own: on the medium benchmark graph
    the worker answering ``claim-evidence`` held 992 MB of private memory,
    beside the build's 640 MB."""

    def __init__(self, engine: EmbeddedEngine, texts: list[str]) -> None:
        self._answers: dict[str, concurrent.futures.Future[bytes]] = {text: concurrent.futures.Future()
                                                                      for text in texts}
        self._thread = threading.Thread(target=self._answer, args=(engine, list(self._answers.items())),
                                        daemon=True, name="aigovkg-queries-ahead")
        self._thread.start()

    @staticmethod
    def _answer(engine: EmbeddedEngine, answers: list[tuple[str, concurrent.futures.Future[bytes]]]) -> None:
        for text, future in answers:
            if not future.set_running_or_notify_cancel():  # given up
                continue
            try:
                future.set_result(engine.select_tsv(text))
            except BaseException as exc:  # raised again in the caller, with its traceback
                future.set_exception(exc)

    def take(self, text: str) -> bytes:
        """The answer to ``text`` (its TSV text), waiting for it if need be;
        its error, raised again, when the query failed."""
        return self._answers.pop(text).result()

    def close(self) -> None:
        """Give up the answers not taken: those not started are never asked;
        one being answered is dropped when it is done (Oxigraph cannot stop a
        query part way)."""
        for future in self._answers.values():
            future.cancel()
        self._answers.clear()


class EmbeddedEngine:
    """Queries an in-memory pyoxigraph store."""

    name = "embedded"

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.gate = ForkGate()
        self._ahead: dict[str, _Ahead] = {}
        #: Inside :meth:`kept`: the SELECT texts whose answers are kept, and those answered.
        self._kept: dict[str, ResultTable | None] = {}

    def named_graphs(self) -> list[str]:
        """The IRIs of the store's named graphs."""
        with self.gate.query():
            return [g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)]

    def _run(self, text: str) -> object:
        try:
            return self.store.query(text, prefixes=dict(PREFIXES))
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"query failed: {exc}") from None

    def select(self, text: str) -> ResultTable:
        if text in self._kept:
            table = self._kept[text]
            if table is None:
                table = self._kept[text] = self._select(text)
            return table
        return self._select(text)

    def _select(self, text: str) -> ResultTable:
        with self.gate.query():  # solutions are read lazily: the whole table inside the gate
            result = self._run(text)
            if not isinstance(result, ox.QuerySolutions):
                raise QueryError("expected a SELECT query")
            return from_solutions(result)

    def select_tsv(self, text: str) -> bytes:
        """A SELECT query's results as Oxigraph writes them in SPARQL TSV."""
        with self.gate.query():
            result = self._run(text)
            if not isinstance(result, ox.QuerySolutions):
                raise QueryError("expected a SELECT query")
            data = result.serialize(format=ox.QueryResultsFormat.TSV)
        assert data is not None
        return data

    def select_records(self, text: str, *, curies: bool = False) -> list[dict[str, Any]]:
        """``select(text).records(curies=curies)``, read from Oxigraph's TSV
        text instead of a Python object per term (see :func:`tsv_records`);
        the answer of a worker :meth:`ahead` started, where one runs this text."""
        if text in self._kept:
            return self.select(text).records(curies=curies)
        ahead = self._ahead.pop(text, None)
        data = ahead.take(text) if ahead is not None else self.select_tsv(text)
        records = tsv_records(data, curies=curies)
        return records if records is not None else self.select(text).records(curies=curies)

    @contextlib.contextmanager
    def ahead(self, texts: Iterable[str], *, parallel: bool | None = None) -> Iterator[None]:
        """Inside the block, these SELECT queries run in a thread of this
        process (:class:`_Ahead`), one after another in their order, from the
        start of the block (beside whatever this process does meanwhile, on
        another core); :meth:`select_records` called with one of these texts,
        once, takes the thread's answer (the same TSV text the query gives
        here), waiting for it if need be, instead of running it. The answers
        not taken are given up when the block ends.

        ``parallel``: None runs them ahead when more than one core is
        available; False runs nothing ahead. The build asks for its slowest
        page queries this way while it validates the graph: they need nothing
        but the loaded store. A process forked inside the block (the build's
        dumps worker) waits until no query runs (:class:`ForkGate`): fork it
        before entering the block."""
        texts = [text for text in dict.fromkeys(texts) if text not in self._ahead]
        if not texts or parallel is False or (parallel is None and cores() < 2):
            yield
            return
        worker = _Ahead(self, texts)
        self._ahead.update(dict.fromkeys(texts, worker))
        try:
            yield
        finally:
            for text in texts:
                if self._ahead.get(text) is worker:
                    del self._ahead[text]
            worker.close()

    @contextlib.contextmanager
    def kept(self, texts: Iterable[str]) -> Iterator[None]:
        """Inside the block, each of these SELECT queries runs once: its
        answer is kept and given again to :meth:`select` and
        :meth:`select_records` (as fresh records) when asked for again. The
        store must not change inside the block. The build asks this for the
        small queries its stages each read (the ``topics`` query, 0.7 s on the
        medium benchmark graph, five times in a build)."""
        texts = [text for text in dict.fromkeys(texts) if text not in self._kept]
        self._kept.update(dict.fromkeys(texts))
        try:
            yield
        finally:
            for text in texts:
                del self._kept[text]

    def ask(self, text: str) -> bool:
        with self.gate.query():
            result = self._run(text)
            if not isinstance(result, ox.QueryBoolean):
                raise QueryError("expected an ASK query")
            return bool(result)

    def construct(self, text: str) -> list[ox.Triple]:
        with self.gate.query():
            result = self._run(text)
            if not isinstance(result, ox.QueryTriples):
                raise QueryError("expected a CONSTRUCT or DESCRIBE query")
            return list(result)

    def run_isolated(
        self, text: str, *, timeout: float, memory: int = WORKER_MEMORY
    ) -> ResultTable | bool | list[ox.Triple]:
        """Run an untrusted query in a forked worker process with a time limit
        and a memory limit (``memory`` bytes beyond what the caller already uses).

        The worker shares the loaded store copy-on-write, so nothing is reloaded.
        A query that runs too long is stopped; one that needs too much memory or
        crashes the engine takes down only the worker, never the caller.
        """
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(target=_worker, args=(self.store, text, sender, memory), daemon=True)
        with self.gate.fork():
            worker.start()
        sender.close()
        try:
            if not receiver.poll(timeout):
                if worker.is_alive():
                    raise QueryError(f"query stopped: it ran longer than the {timeout:g} s time limit")
                raise QueryError(_crashed(worker.exitcode, memory))
            try:
                payload = receiver.recv_bytes()
            except EOFError:
                worker.join(5)
                raise QueryError(_crashed(worker.exitcode, memory)) from None
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


def _crashed(exitcode: int | None, memory: int) -> str:
    return (f"query stopped: the query worker ended (exit {exitcode}), most likely beyond its "
            f"{memory / 2**30:g} GiB memory limit; nothing else was affected")


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at its current size plus ``extra`` bytes."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            current = int(handle.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return  # not Linux: only the time limit applies
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def cut_network() -> bool:
    """Move this process into a new, empty network namespace: no interface
    but a loopback that is down, so every connection fails at once.

    Unprivileged processes may do this inside a new user namespace (Linux
    3.8+, where the system allows user namespaces); the process must have
    one thread, as a freshly forked worker does. Returns False where it
    cannot be done, changing nothing.
    """
    try:
        unshare = ctypes.CDLL(None, use_errno=True).unshare
    except (AttributeError, OSError):
        return False
    unshare.argtypes = [ctypes.c_int]
    unshare.restype = ctypes.c_int
    return unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0 or unshare(_CLONE_NEWNET) == 0


def network_fence() -> bool:
    """Whether ad-hoc query workers run without network on this system
    (checked once, in a short-lived child process)."""
    global _FENCE
    if _FENCE is None:
        context = multiprocessing.get_context("fork")
        probe = context.Process(target=lambda: os._exit(0 if cut_network() else 1), daemon=True)
        probe.start()
        probe.join(10)
        _FENCE = probe.exitcode == 0
    return _FENCE


_FENCE: bool | None = None


def _worker(store: ox.Store, text: str, sender: multiprocessing.connection.Connection, memory: int) -> None:
    cut_network()  # defence in depth: the guard already refused SERVICE and LOAD
    _limit_memory(memory)
    # An engine that aborts (out of memory) prints a Rust backtrace; the caller
    # reports the failure in one line instead.
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
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

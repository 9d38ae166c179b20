"""Work done beside the caller, on another core: a forked child process.

The build writes its dumps this way while it loads the graph and makes the
pages: the child, forked before the loading, reads the graph's files, and the
two share nothing but the staging folder, where each writes its own files. On a
machine with one core, or when asked not to, the work runs in the caller
when its result is wanted, with the same result.

>>> with Beside(lambda: 6 * 7, parallel=False) as job:
...     job.result()
42
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from aigovkg.errors import AigovkgError

T = TypeVar("T")
A = TypeVar("A")


class WorkerDied(AigovkgError):
    """The child ended without an answer (killed, most likely out of memory)."""


def cores() -> int:
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def available_memory() -> int | None:
    """Bytes of memory the system can give without swapping (Linux's
    MemAvailable), or None where it does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def resident_memory() -> int:
    """Bytes of memory this process holds now (its resident set), 0 where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Beside(Generic[T]):
    """``work()`` run in a forked child from entering the ``with`` block;
    :meth:`result` waits for it and gives its value, or raises its error: an
    :class:`~aigovkg.errors.AigovkgError` as it was raised, anything else as
    a RuntimeError carrying the child's traceback. Leaving the block before
    the result was taken (the caller failed) stops the child first, so that
    nothing it writes outlives the caller's clean-up.

    ``parallel`` None: in a child when processes can be forked, more than
    one core is available and the system has ``needs`` bytes of memory to
    spare for the two processes (when it does not say, it is assumed to).
    ``hold`` is held while forking (e.g. a store's fork gate, so that no
    query of another thread is copied half-run)."""

    def __init__(self, work: Callable[[], T], *, parallel: bool | None = None, needs: int = 0,
                 hold: Callable[[], contextlib.AbstractContextManager[Any]] | None = None) -> None:
        self._work = work
        if parallel is None:  # where processes cannot be forked (Windows), in the caller
            spare = available_memory()
            parallel = ("fork" in multiprocessing.get_all_start_methods() and cores() > 1
                        and (spare is None or spare >= needs))
        self._parallel = parallel
        self._hold = hold or contextlib.nullcontext
        self._process: multiprocessing.process.BaseProcess | None = None
        self._receiver: multiprocessing.connection.Connection | None = None
        self._done = False

    def __enter__(self) -> Self:
        if self._parallel:
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_child, args=(self._work, sender, os.getpid()), daemon=True)
            with self._hold():
                self._process.start()
            sender.close()
        return self

    @property
    def forked(self) -> bool:
        """Whether the work runs (or ran) in a child."""
        return self._process is not None

    def result(self) -> T:
        """The work's value, once it is done."""
        if self._done:
            raise RuntimeError("the result was already taken")
        self._done = True
        if self._process is None:
            return self._work()
        assert self._receiver is not None
        try:
            payload = self._receiver.recv_bytes()
        except EOFError:
            self._process.join()
            raise WorkerDied(f"the worker beside this process ended without an answer (exit "
                             f"{self._process.exitcode}), most likely out of memory") from None
        finally:
            self._receiver.close()
        self._process.join()
        kind, value = pickle.loads(payload)
        if kind == "ok":
            return value
        if isinstance(value, BaseException):
            raise value
        raise RuntimeError(f"the worker beside this process failed:\n{value}")

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        process = self._process
        if process is not None and process.is_alive():
            process.kill()  # the caller failed, or never asked: the work is not wanted
            process.join()
        if self._receiver is not None and not self._receiver.closed:
            self._receiver.close()


class Later(Beside[T], Generic[A, T]):
    """``work(value)`` run in a child forked on entering the ``with`` block,
    which waits for ``value`` until the caller gives it (:meth:`give`, once):
    the child is forked while the caller is still small (the build forks it
    before loading the graph) and receives only what it needs, pickled. A
    child forked later would keep its own copy of every page the caller
    changes after the fork. Otherwise as :class:`Beside`; without a child,
    ``work(value)`` runs in the caller when its result is wanted.

    >>> with Later(lambda n: n * 7, parallel=False) as job:
    ...     job.give(6)
    ...     job.result()
    42
    """

    def __init__(self, work: Callable[[A], T], **beside: Any) -> None:
        self._given: list[A] = []
        self._input: tuple[multiprocessing.connection.Connection, multiprocessing.connection.Connection] | None = None

        def wait_then_work() -> T:
            if self._input is None:  # in the caller
                return work(self._given[0])
            reader, writer = self._input  # in the child
            writer.close()
            try:
                value = pickle.loads(reader.recv_bytes())
            finally:
                reader.close()
            return work(value)

        super().__init__(wait_then_work, **beside)

    def __enter__(self) -> Self:
        if self._parallel:
            self._input = multiprocessing.get_context("fork").Pipe(duplex=False)
        super().__enter__()
        if self._input is not None:
            self._input[0].close()  # the caller only writes
        return self

    def give(self, value: A) -> None:
        """Hand ``value`` to the work (to the child: pickled, now)."""
        if self._given:
            raise RuntimeError("the value was already given")
        self._given.append(value)
        if self._input is not None:
            writer = self._input[1]
            with contextlib.suppress(BrokenPipeError):  # the child died: result() says so
                writer.send_bytes(pickle.dumps(value))
            writer.close()

    def result(self) -> T:
        if not self._given:
            raise RuntimeError("the work's value was never given")
        return super().result()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        super().__exit__(kind, exc, tb)
        if self._input is not None and not self._input[1].closed:
            self._input[1].close()


def _child(work: Callable[[], Any], sender: multiprocessing.connection.Connection, parent: int) -> None:
    _die_with(parent)
    try:
        payload = pickle.dumps(("ok", work()))
    except AigovkgError as exc:  # a message for the user, raised again in the caller
        payload = _error(exc)
    except BaseException:  # a bug: its traceback, for the caller's error
        payload = pickle.dumps(("error", traceback.format_exc()))
    with contextlib.suppress(BrokenPipeError):
        sender.send_bytes(payload)
    sender.close()


def _die_with(parent: int) -> None:
    """End this child when its parent ends, even killed (Linux): a killed build's
    worker must not go on writing into the staging folder the next build removes."""
    with contextlib.suppress(AttributeError, OSError):
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong]
        prctl.restype = ctypes.c_int
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent was gone before the line above
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _error(exc: AigovkgError) -> bytes:
    try:
        payload = pickle.dumps(("error", exc))
        pickle.loads(payload)
    except Exception:  # an error class that cannot be rebuilt: its message and exit code, as such an error
        plain = AigovkgError(str(exc))
        plain.exit_code = exc.exit_code
        payload = pickle.dumps(("error", plain))
    return payload


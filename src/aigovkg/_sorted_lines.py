"""Lines of text sorted in bounded memory: an external merge sort.

The dumps of a large graph are gigabytes of N-Triples and N-Quads lines,
which must be written in sorted order. :class:`SortedLines` holds lines up
to a budget of bytes; beyond it, it sorts what it holds into a run file in a
scratch folder and starts again, and the runs are merged when the lines are
read. A small graph never touches the disk.

Lines are compared as bytes, as ``sorted`` compares them; each ends in
``\\n`` (N-Triples escapes line feeds inside terms), so a run file reads
back as the lines written to it.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

#: Bytes of lines held before a run is written (with the list and the bytes
#: objects around them, about 1.5 times this in memory).
BUDGET = 64 << 20
#: Runs merged at once (each an open file); more are first merged into one.
FAN_IN = 64
_NAMES = itertools.count()  # of files in scratch folders: one per run or text, never reused


def scratch_file(scratch: Path, kind: str) -> Path:
    """A new file name in a scratch folder (names are never reused in a process)."""
    return scratch / f"{kind}-{next(_NAMES)}"


class SortedLines:
    """Lines added in any order, read back sorted (and without repeats when
    ``unique``). Without a ``scratch`` folder, every line is held."""

    def __init__(self, scratch: Path | None = None, *, unique: bool = False, budget: int | None = None) -> None:
        self.scratch = scratch
        self.unique = unique
        self.budget = BUDGET if budget is None else budget
        self._held: list[bytes] = []
        self._size = 0
        self._runs: list[Path] = []

    def add(self, lines: Iterable[bytes]) -> None:
        """Add lines (each ending in a line feed)."""
        start = len(self._held)
        self._held.extend(lines)
        self._size += sum(map(len, itertools.islice(self._held, start, None)))
        if self.scratch is not None and self._size > self.budget:
            self._spill()

    def add_text(self, text: bytes) -> None:
        """Add the lines of ``text``."""
        self.add(text.splitlines(keepends=True))

    def _sorted_held(self) -> list[bytes]:
        held = list(dict.fromkeys(self._held)) if self.unique else self._held
        held.sort()
        self._held, self._size = [], 0
        return held

    def _run(self) -> Path:
        assert self.scratch is not None
        return scratch_file(self.scratch, "run")

    def _spill(self) -> None:
        run = self._run()
        held = self._sorted_held()
        with run.open("xb") as handle:
            handle.writelines(held)
        self._runs.append(run)
        if len(self._runs) > FAN_IN:  # merge the runs so far into one, to keep few files open
            run = self._run()
            with run.open("xb") as handle:
                handle.writelines(self._merged())
            self._runs = [run]

    def __iter__(self) -> Iterator[bytes]:
        """The lines, sorted; held lines are given up as they are read."""
        if not self._runs:
            return iter(self._sorted_held())
        if self._held:
            self._spill()
        return self._merged()

    def _merged(self) -> Iterator[bytes]:
        with ExitStack() as stack:
            handles: list[BinaryIO] = [stack.enter_context(run.open("rb")) for run in self._runs]
            merged = heapq.merge(*handles)
            yield from (line for line, _ in itertools.groupby(merged)) if self.unique else merged
        for run in self._runs:
            run.unlink()
        self._runs = []

    def write_to(self, output: BinaryIO) -> None:
        """Write the lines, sorted, to ``output``."""
        output.writelines(self)

    def text(self) -> bytes:
        """The lines, sorted, joined (all of them in memory)."""
        return b"".join(self)

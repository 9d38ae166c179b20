"""Load stage: Turtle files into an in-memory Oxigraph store.

Parsing is strict (pyoxigraph): malformed Turtle is rejected with the file,
line and column, and nothing is loaded. Every subject remembers the files
that describe it, so that validation can name the file behind a violation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pyoxigraph as ox

from aigovkg import resources
from aigovkg.errors import InputError


@dataclass(frozen=True)
class LoadedFile:
    """One Turtle file that was loaded."""

    path: Path


@dataclass(frozen=True)
class LoadedGraph:
    """The result of loading: the store, and where each subject was defined.

    Which files describe a subject is only needed to report violations, so
    it is worked out on first use (one more parse of the files), not while
    loading: loading stays inside Oxigraph, with no per-triple Python work.
    """

    store: ox.Store
    data_dir: Path
    files: tuple[LoadedFile, ...]
    _index: dict[str, tuple[Path, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def triples(self) -> int:
        return len(self.store)

    @property
    def subject_files(self) -> Mapping[str, tuple[Path, ...]]:
        """Every IRI subject and the files that hold triples about it."""
        if not self._index:
            subjects: dict[str, list[Path]] = {}
            for loaded in self.files:
                for quad in parse_turtle(loaded.path):
                    if isinstance(quad.subject, ox.NamedNode):
                        owners = subjects.setdefault(quad.subject.value, [])
                        if not owners or owners[-1] != loaded.path:
                            owners.append(loaded.path)
            self._index.update({iri: tuple(dict.fromkeys(owners)) for iri, owners in subjects.items()})
        return MappingProxyType(self._index)

    def files_of(self, iri: str) -> tuple[Path, ...]:
        """The files that hold triples about ``iri`` as subject."""
        return self.subject_files.get(iri, ())


def data_files(data_dir: Path) -> list[Path]:
    """The Turtle files of a data folder, in a stable order."""
    if not data_dir.exists():
        raise InputError(f"{data_dir}: no such data folder")
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: not a folder (--data takes a copy of graph/)")
    files = sorted(p for p in data_dir.rglob("*.ttl") if p.is_file())
    if not files:
        raise InputError(f"{data_dir}: no .ttl files in this folder")
    return files


def parse_turtle(path: Path) -> list[ox.Quad]:
    """Parse one Turtle file strictly; a syntax error names file, line and column."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return list(
            ox.parse(
                data,
                format=ox.RdfFormat.TURTLE,
                rename_blank_nodes=True,
                without_named_graphs=True,
            )
        )
    except SyntaxError as exc:
        raise InputError(_syntax_message(path, exc)) from None
    except ValueError as exc:  # pyoxigraph reports some encoding errors this way
        raise InputError(f"{path}: {exc}") from None


def _syntax_message(path: Path, exc: SyntaxError) -> str:
    text = str(exc.msg if exc.msg else exc)
    # pyoxigraph says "Parser error between line L column C and ...: what"; keep the what.
    if text.startswith("Parser error") and ": " in text:
        text = text.split(": ", 1)[1]
    line = exc.lineno or 1
    column = exc.offset or 1
    return f"{path}:{line}:{column}: Turtle syntax error: {text}"


def load_graph(
    data_dir: Path | None = None,
    *,
    ontology: bool = True,
    extra_files: Iterable[Path] = (),
) -> LoadedGraph:
    """Load every ``.ttl`` file under ``data_dir`` (default: the shipped graph)
    and, unless ``ontology=False``, the ontology, into one in-memory store."""
    data_dir = Path(data_dir) if data_dir is not None else resources.graph_dir()
    paths = data_files(data_dir)
    if ontology:
        paths.insert(0, resources.ontology_file())
    paths.extend(extra_files)
    store = ox.Store()
    loaded: list[LoadedFile] = []
    for path in paths:
        _load_into(store, path)
        loaded.append(LoadedFile(path))
    return LoadedGraph(store, data_dir, tuple(loaded))


def _load_into(store: ox.Store, path: Path) -> None:
    """Parse one Turtle file straight into the store (blank nodes renamed, so
    that ``_:b`` in two files stays two nodes); errors as in parse_turtle."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        store.load(data, format=ox.RdfFormat.TURTLE)
    except SyntaxError as exc:
        raise InputError(_syntax_message(path, exc)) from None
    except ValueError as exc:  # pyoxigraph reports some encoding errors this way
        raise InputError(f"{path}: {exc}") from None

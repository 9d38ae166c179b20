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
    """One Turtle file and the number of triples it held."""

    path: Path
    triples: int


@dataclass(frozen=True)
class LoadedGraph:
    """The result of loading: the store and where each subject was defined."""

    store: ox.Store
    data_dir: Path
    files: tuple[LoadedFile, ...]
    subject_files: Mapping[str, tuple[Path, ...]] = field(repr=False)

    @property
    def triples(self) -> int:
        return len(self.store)

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
    subjects: dict[str, list[Path]] = {}
    for path in paths:
        quads = parse_turtle(path)
        store.extend(quads)
        loaded.append(LoadedFile(path, len(quads)))
        for quad in quads:
            if isinstance(quad.subject, ox.NamedNode):
                owners = subjects.setdefault(quad.subject.value, [])
                if not owners or owners[-1] != path:
                    owners.append(path)
    frozen = {iri: tuple(dict.fromkeys(owners)) for iri, owners in subjects.items()}
    return LoadedGraph(store, data_dir, tuple(loaded), MappingProxyType(frozen))

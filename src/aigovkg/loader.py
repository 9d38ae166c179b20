"""Load stage: Turtle files into an Oxigraph store, in memory by default or
on disk (``store_dir``: a fraction of the memory, a few times slower to query).

Each file is parsed strictly (pyoxigraph), checked, and added to the store:
malformed Turtle is rejected with the file, line and column, and nothing is
loaded. The graph is RDF 1.1: RDF 1.2 syntax (triple terms, reifiers,
annotations, base directions, VERSION) is refused, as are NUL bytes outside
strings and comments, ill-typed XSD literals and blank nodes nested or chained
deeper than ``MAX_BLANK_DEPTH`` (their canonical labelling would take time and
memory without bound). A UTF-8 byte-order mark at the start of a file is
skipped. Relative IRIs resolve against ``BASE_IRI``, the dataset's namespace,
unless the file states its own ``@base``: the files are one graph split for
editing, so a triple means the same in whichever file it sits and on whichever
machine it is loaded. Literals the store keeps in another form than written
(``"01"^^xsd:integer`` as ``"1"``: see ``aigovkg._as_written``) are recorded
as written. Every subject remembers the files that describe it, so that
validation can name the file behind a violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pyoxigraph as ox

from aigovkg import resources
from aigovkg._as_written import AsWritten, Recorder, written
from aigovkg._literals import ill_typed
from aigovkg.errors import InputError
from aigovkg.namespaces import ID

#: The base IRI of every loaded file that does not state its own (``@base``):
#: the dataset's namespace, so ``<instrument/eu-ai-act>`` is ``inst:eu-ai-act``.
BASE_IRI = ID
MAX_BLANK_DEPTH = 64
_BOM = b"\xef\xbb\xbf"
# Turtle tokens inside which RDF 1.2 markers mean nothing: strings, IRIs,
# escaped local-name characters and comments.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^\x00-\x20<>"{}|^`\\]*>'
    r"|\\."
    r"|#[^\n\r]*",
    re.DOTALL,
)
_RDF12 = re.compile(
    r"(<<|>>|\{\||\|\}|~)"
    r"|@[A-Za-z]+(?:-[A-Za-z0-9]+)*(--)(?:ltr|rtl)"
    r"|(?:^|(?<=[\s.]))(@version|version)(?=\s)",
    re.IGNORECASE | re.MULTILINE,
)
# Byte sequences without which a file holds no RDF 1.2 syntax (triple terms,
# reified triples, annotations, reifiers, base directions) and no VERSION directive.
_RDF12_MARKERS = (b"<<", b"{|", b"~", b"--ltr", b"--rtl", b"version")
_RDF12_NAMES = {"<<": "triple terms (<< >>)", ">>": "triple terms (<< >>)", "{|": "annotations ({| |})",
                "|}": "annotations ({| |})", "~": "reifiers (~)"}


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
    #: The store's triples whose literal the files wrote in another form
    #: (``"01"^^xsd:integer``, stored as ``"1"``), each with the triples as written.
    as_written: AsWritten = field(default_factory=dict, repr=False)
    _index: dict[str, tuple[Path, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def triples(self) -> int:
        """How many triples the files say (the store may hold some as one)."""
        return len(self.store) + sum(len(triples) - 1 for triples in self.as_written.values())

    def written_triples(self) -> Iterator[ox.Triple]:
        """Every triple as the files wrote it."""
        return written((quad.triple for quad in self.store), self.as_written)

    @property
    def subject_files(self) -> Mapping[str, tuple[Path, ...]]:
        """Every IRI subject and the files that hold triples about it; an IRI that
        is never a subject (a document cited as evidence) maps to the files citing it."""
        if not self._index:
            self._index.update(subject_files(loaded.path for loaded in self.files))
        return MappingProxyType(self._index)

    def files_of(self, iri: str) -> tuple[Path, ...]:
        """The files that hold triples about ``iri`` as subject."""
        return self.subject_files.get(iri, ())


def subject_files(paths: Iterable[Path]) -> dict[str, tuple[Path, ...]]:
    """Every IRI subject of the files and the files that hold triples about it;
    an IRI that is never a subject (a document cited as evidence) maps to the
    files citing it (see :attr:`LoadedGraph.subject_files`)."""
    subjects: dict[str, list[Path]] = {}
    citing: dict[str, list[Path]] = {}  # IRIs only ever objects (a cited document): where they are cited
    for path in paths:
        for quad in _parse_plain(path):
            if isinstance(quad.subject, ox.NamedNode):
                owners = subjects.setdefault(quad.subject.value, [])
                if not owners or owners[-1] != path:
                    owners.append(path)
            if isinstance(quad.object, ox.NamedNode):
                citers = citing.setdefault(quad.object.value, [])
                if not citers or citers[-1] != path:
                    citers.append(path)
    index = {iri: tuple(dict.fromkeys(owners)) for iri, owners in citing.items()}
    index.update({iri: tuple(dict.fromkeys(owners)) for iri, owners in subjects.items()})
    return index


def data_files(data_dir: Path) -> list[Path]:
    """The Turtle files of a data folder, in a stable order; a link to a file
    outside the folder is refused (the folder is what is read, nothing else)."""
    if not data_dir.exists():
        raise InputError(f"{data_dir}: no such data folder")
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: not a folder (--data takes a copy of graph/)")
    files = sorted(p for p in data_dir.rglob("*.ttl") if p.is_file())
    if not files:
        raise InputError(f"{data_dir}: no .ttl files in this folder")
    root = data_dir.resolve()
    for path in files:
        if root not in path.resolve().parents:
            raise InputError(f"{path}: a link to {path.resolve()}, outside the data folder {data_dir}; "
                             "copy the file in instead")
    return files


def parse_turtle(path: Path, data: bytes | None = None) -> list[ox.Quad]:
    """Parse one Turtle file (whose bytes are ``data``, when already read)
    strictly; an error names file, line and column."""
    data = _read(path) if data is None else data
    _check_nul(path, data)
    with _turtle_errors(path):
        quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=BASE_IRI, rename_blank_nodes=True,
                              without_named_graphs=True))
    _check_rdf11(path, data, quads)
    _check_literals(path, data, quads)
    _check_blank_depth(path, quads)
    return quads


@contextmanager
def _turtle_errors(path: Path) -> Iterator[None]:
    """pyoxigraph's parse errors as one-line input errors naming the place."""
    try:
        yield
    except SyntaxError as exc:
        raise InputError(_syntax_message(path, exc)) from None
    except ValueError as exc:  # pyoxigraph reports some encoding errors this way
        raise InputError(f"{path}: {exc}") from None


def _syntax_message(path: Path, exc: SyntaxError) -> str:
    text = " ".join(str(exc.msg if exc.msg else exc).split())
    # pyoxigraph says "Parser error between line L column C and ...: what"; keep the what.
    if text.startswith("Parser error") and ": " in text:
        text = text.split(": ", 1)[1]
    line = exc.lineno or 1
    column = exc.offset or 1
    return f"{path}:{line}:{column}: Turtle syntax error: {text}"


def _position(text: str, index: int) -> tuple[int, int]:
    """Line and column (from 1) of ``index`` in ``text``."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _check_nul(path: Path, data: bytes) -> None:
    """Refuse a NUL byte outside strings and comments, where the Turtle grammar
    has no place for it (inside them it is a character like any other, and
    is loaded). pyoxigraph's own message for it shows a blank."""
    if b"\x00" not in data:
        return
    text = data.decode("utf-8", "replace")
    code = _SKIP.sub(lambda m: " " * len(m.group(0)), text)
    nul = code.find("\x00")
    if nul >= 0:
        line, column = _position(code, nul)
        raise InputError(f"{path}:{line}:{column}: Turtle syntax error: a NUL byte outside a string or comment "
                         "(is this a binary file?)")


def _check_rdf11(path: Path, data: bytes, quads: list[ox.Quad]) -> None:
    """Refuse RDF 1.2 syntax, which pyoxigraph accepts: aigovkg data is RDF 1.1.
    Only files whose bytes hold a marker of it are looked at quad by quad."""
    lowered = data.lower()
    if not any(marker in lowered for marker in _RDF12_MARKERS):
        return
    rdf12 = any(
        isinstance(q.subject, ox.Triple)
        or isinstance(q.object, ox.Triple)
        or (isinstance(q.object, ox.Literal) and q.object.direction is not None)
        for q in quads
    )
    if not rdf12 and b"version" not in lowered:
        return
    text = data.decode("utf-8", "replace")
    code = _SKIP.sub(lambda m: " " * len(m.group(0)), text)
    match = _RDF12.search(code)
    if match is None:
        if not rdf12:
            return
        what, (line, column) = "triple terms or base directions", (1, 1)
    else:
        what = _RDF12_NAMES.get(match.group(1) or "", "triple terms (<< >>)")
        if match.group(2):
            what = "base directions (@lang--ltr, @lang--rtl)"
        elif match.group(3):
            what = "a VERSION directive"
        line, column = _position(code, match.start())
    raise InputError(f"{path}:{line}:{column}: Turtle syntax error: RDF 1.2 syntax ({what}) is not allowed; "
                     "aigovkg data is RDF 1.1")


def _check_literals(path: Path, data: bytes, quads: list[ox.Quad]) -> None:
    """Refuse literals outside the lexical space of their XSD datatype."""
    for quad in quads:
        term = quad.object
        if not isinstance(term, ox.Literal) or term.language is not None:
            continue
        problem = ill_typed(term.value, term.datatype.value)
        if problem is None:
            continue
        shown = term.value if len(term.value) <= 60 else term.value[:57] + "..."
        text = data.decode("utf-8", "replace")
        index = text.find(f'"{term.value}"')
        where = "{}:{}:{}".format(path, *_position(text, index)) if index >= 0 else str(path)
        raise InputError(f"{where}: ill-typed literal \"{' '.join(shown.split())}\": {problem}")


def _check_blank_depth(path: Path, quads: list[ox.Quad]) -> None:
    """Refuse chains of blank nodes (nested ``[ ]`` or long collections) deeper
    than ``MAX_BLANK_DEPTH``: canonical labelling (RDFC-1.0) of such chains
    takes time and memory that grow without bound."""
    children: dict[str, list[str]] = {}
    for quad in quads:
        if isinstance(quad.subject, ox.BlankNode) and isinstance(quad.object, ox.BlankNode):
            children.setdefault(quad.subject.value, []).append(quad.object.value)
    if _deeper_than(children, MAX_BLANK_DEPTH):
        raise InputError(
            f"{path}: blank nodes nested or chained deeper than {MAX_BLANK_DEPTH} levels "
            "(nested [ ] or a collection of more items); give the nodes IRIs"
        )


def graph_paths(data_dir: Path | None = None, *, ontology: bool = True, extra_files: Iterable[Path] = ()) -> list[Path]:
    """The files :func:`load_graph` loads, in its order: the ontology (unless
    ``ontology=False``), the Turtle files of ``data_dir`` (default: the shipped
    graph), then ``extra_files``."""
    data_dir = Path(data_dir) if data_dir is not None else resources.graph_dir()
    paths = data_files(data_dir)
    if ontology:
        paths.insert(0, resources.ontology_file())
    paths.extend(extra_files)
    return paths


def load_graph(
    data_dir: Path | None = None,
    *,
    ontology: bool = True,
    extra_files: Iterable[Path] = (),
    store_dir: Path | None = None,
) -> LoadedGraph:
    """Load every ``.ttl`` file under ``data_dir`` (default: the shipped graph)
    and, unless ``ontology=False``, the ontology, into one store.

    The store is in memory unless ``store_dir`` names a new or empty folder:
    then it is an on-disk Oxigraph store (RocksDB) there, filled by Oxigraph's
    bulk loader (no transaction log: after an input error the folder holds part
    of the graph, to be removed, not reused). On the medium benchmark graph
    (1.7 million triples) that validates in about 450 MB instead of 850 MB, at
    a few times the time. The folder is the caller's to remove when done.
    """
    data_dir = Path(data_dir) if data_dir is not None else resources.graph_dir()
    paths = graph_paths(data_dir, ontology=ontology, extra_files=extra_files)
    on_disk = store_dir is not None
    store = _disk_store(Path(store_dir)) if store_dir is not None else ox.Store()
    recorder = Recorder()
    for path in paths:
        quads = parse_turtle(path)
        recorder.add(quads)
        if on_disk:
            store.bulk_extend(quads)
        else:
            store.extend(quads)
        del quads
    if recorder.needs_presence:
        for path in paths:
            recorder.add_present(quad.triple for quad in _parse_plain(path))
    if on_disk:
        # The bulk loader leaves many small sorted files; merging them once
        # makes every later lookup cheaper (medium graph: 1.7 s, queries ~1.5x faster).
        store.optimize()
    return LoadedGraph(store, data_dir, tuple(LoadedFile(path) for path in paths), recorder.as_written())


def reparse(path: Path) -> Iterator[ox.Quad]:
    """The quads of a file that was loaded, parsed again as the loader did
    (base IRI, byte-order mark) without its checks: it passed them."""
    return _parse_plain(path)


def _parse_plain(path: Path) -> Iterator[ox.Quad]:
    """A file parsed again, without the load checks (it was loaded: it passes them)."""
    return iter(ox.parse(_read(path), format=ox.RdfFormat.TURTLE, base_iri=BASE_IRI, rename_blank_nodes=True))


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return data[len(_BOM):] if data.startswith(_BOM) else data


def _disk_store(folder: Path) -> ox.Store:
    """A new on-disk store in ``folder``, which must be new or empty: loading
    into an existing store would mix two graphs."""
    try:
        if folder.exists() and any(folder.iterdir()):
            raise InputError(f"{folder}: the on-disk store needs a new or empty folder; this one is not empty")
        folder.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(folder))
    except OSError as exc:
        raise InputError(f"{folder}: cannot create an on-disk store: {exc.strerror or exc}") from None


def _deeper_than(children: Mapping[str, list[str]], limit: int) -> bool:
    """Whether a chain of blank nodes (subject to object) is longer than ``limit``."""
    depth: dict[str, int] = {}
    for root in children:
        stack: list[tuple[str, bool]] = [(root, False)]
        on_path: set[str] = set()
        while stack:
            node, done = stack.pop()
            if done:
                on_path.discard(node)
                depth[node] = 1 + max((depth.get(c, 0) for c in children.get(node, ())), default=0)
                if depth[node] > limit:
                    return True
            elif node not in depth and node not in on_path:
                on_path.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in children.get(node, ()))
    return False

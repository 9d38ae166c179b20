"""Export stage: the graph and query results as RDF, deterministically.

Same graph, same bytes: triples are sorted, blank nodes get canonical labels
(RDFC-1.0), prefixes are the curated ones, and JSON-LD is compacted with the
shipped context (``ontology/context.jsonld``), embedded so that nothing is
fetched from the network. Literals are written as the files wrote them, also
where Oxigraph's store keeps another form (see ``aigovkg._as_written``).

The N-Quads and TriG dumps of a loaded graph put each triple in a named graph
by the file it came from: the ontology, one graph per folder of claims
(``graph/claims/{source}/``: that source's claims and tensions), and the rest of
the curated data (``GRAPHS``); their union is the graph the other formats
write. A store dumped on its own (no files) has everything in the default graph.

A literal holding a character XML 1.0 cannot carry (U+0000, other C0
controls but tab, line feed and carriage return, U+FFFE, U+FFFF) has no
RDF/XML form: the RDF/XML writer refuses it, naming the node and property,
instead of writing XML that no parser accepts. The other formats escape it.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import pyoxigraph as ox

from aigovkg import resources
from aigovkg._as_written import AsWritten, written
from aigovkg._sorted_lines import SortedLines, scratch_file
from aigovkg._text import first_unwritable
from aigovkg.errors import InputError
from aigovkg.loader import LoadedGraph, reparse
from aigovkg.namespaces import ID, PREFIXES, curie

#: The named graphs of the N-Quads and TriG dumps, under this namespace.
GRAPHS = ID + "graph/"
ONTOLOGY_GRAPH = GRAPHS + "ontology"
CURATED_GRAPH = GRAPHS + "curated"
CLAIMS_GRAPHS = GRAPHS + "claims/"


class ExportFormat(StrEnum):
    TURTLE = "turtle"
    NTRIPLES = "ntriples"
    NQUADS = "nquads"
    TRIG = "trig"
    JSONLD = "jsonld"
    RDFXML = "rdfxml"


SUFFIX = {
    ExportFormat.TURTLE: "ttl",
    ExportFormat.NTRIPLES: "nt",
    ExportFormat.NQUADS: "nq",
    ExportFormat.TRIG: "trig",
    ExportFormat.JSONLD: "jsonld",
    ExportFormat.RDFXML: "rdf",
}
PARSE_FORMAT = {
    ExportFormat.TURTLE: ox.RdfFormat.TURTLE,
    ExportFormat.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    ExportFormat.NQUADS: ox.RdfFormat.N_QUADS,
    ExportFormat.TRIG: ox.RdfFormat.TRIG,
    ExportFormat.JSONLD: ox.RdfFormat.JSON_LD,
    ExportFormat.RDFXML: ox.RdfFormat.RDF_XML,
}


@cache
def context() -> dict[str, Any]:
    """The shipped JSON-LD context (the value of its ``@context``)."""
    with (resources.ontology_dir() / "context.jsonld").open(encoding="utf-8") as handle:
        return dict(json.load(handle)["@context"])


def _has_blank_nodes(triples: Iterable[ox.Triple]) -> bool:
    return any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples)


class Text:
    """Sorted N-Triples or N-Quads text, held as bytes or in a file, and read
    as a stream either way (a large graph's is gigabytes)."""

    def __init__(self, source: bytes | Path) -> None:
        self.source = source

    def open(self) -> BinaryIO:
        """The text from its start, as a seekable binary stream."""
        return io.BytesIO(self.source) if isinstance(self.source, bytes) else self.source.open("rb")

    def read(self) -> bytes:
        """The whole text."""
        return self.source if isinstance(self.source, bytes) else self.source.read_bytes()

    def parse(self, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> Iterator[ox.Quad]:
        """The quads, parsed one at a time."""
        if isinstance(self.source, bytes):
            return iter(ox.parse(self.source, format=fmt))
        return iter(ox.parse(path=self.source, format=fmt))

    def chunks(self, size: int = 16 << 20) -> Iterator[bytes]:
        """The text in pieces of about ``size`` bytes, each ending at a line's end."""
        with self.open() as handle:
            while chunk := handle.read(size):
                yield chunk + handle.readline()

    def write_to(self, output: BinaryIO) -> None:
        """Copy the text to ``output``."""
        with self.open() as handle:
            shutil.copyfileobj(handle, output, 1 << 20)


@dataclass(frozen=True)
class Quads:
    """A dataset in canonical form, for the N-Quads and TriG dumps: its
    N-Quads lines sorted; the same lines a graph at a time, the graphs in the
    order of their names (TriG writes each graph as one block); and how many
    lines each graph holds."""

    text: Text
    by_graph: tuple[Text, ...]
    sizes: dict[str, int]
    #: Their triples, each once, as sorted N-Triples lines (when asked for: see
    #: :func:`canonical_files`).
    triples: Text | None = None

    def quads_by_graph(self) -> Iterator[ox.Quad]:
        return itertools.chain.from_iterable(text.parse(ox.RdfFormat.N_QUADS) for text in self.by_graph)


@dataclass(frozen=True)
class Canonical:
    """A graph in canonical form: its N-Triples lines, sorted, blank nodes
    relabelled canonically (RDFC-1.0). Every export format is written from
    this text, so a large graph is held once, as bytes (or in a file), and
    not as millions of Python objects."""

    text: Text
    blank_nodes: bool
    #: The same triples in named graphs (made when asked: ``named_quads``), for
    #: the N-Quads and TriG dumps; None: the default graph.
    named: Callable[[], Quads] | None = None

    def triples(self) -> Iterator[ox.Triple]:
        """The triples, parsed one at a time."""
        return (quad.triple for quad in self.quads())

    def quads(self) -> Iterator[ox.Quad]:
        """The triples as default-graph quads, parsed one at a time."""
        return self.text.parse()


def _text(lines: SortedLines) -> Text:
    """Sorted lines as text: held, or written to a file in their scratch folder."""
    if lines.scratch is None:
        return Text(lines.text())
    path = scratch_file(lines.scratch, "sorted")
    with path.open("xb") as handle:
        lines.write_to(handle)
    return Text(path)


def canonicalize(triples: Iterable[ox.Triple]) -> Canonical:
    """Triples in canonical form (sorted, blank nodes relabelled)."""
    items = list(triples)
    blank_nodes = _has_blank_nodes(items)
    if blank_nodes:
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in items)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        items = [q.triple for q in dataset]
    lines = SortedLines()
    lines.add_text(_bytes(ox.serialize(items, format=ox.RdfFormat.N_TRIPLES)))
    del items  # each stage frees the one before: on large graphs they are gigabytes each
    return Canonical(Text(lines.text()), blank_nodes)


def canonical_store(store: ox.Store, *, as_written: AsWritten | None = None,
                    scratch: Path | None = None) -> Canonical:
    """All triples of the store in canonical form; given the loader's
    ``as_written``, with each literal as the files wrote it. A store of named
    IRIs and literals only (what the loader makes) is dumped by Oxigraph
    straight to N-Triples, without a Python object per triple; given a
    ``scratch`` folder, through files there, in bounded memory. Its lines,
    sorted as bytes, are in the order of the triples' ``str`` (a line is the
    triple's text and " .", and a space sorts before any character that could
    follow a term); sorting bytes Oxigraph wrote is far cheaper than sorting a
    million Python objects."""
    as_written = as_written or {}
    if any(True for _ in store.named_graphs()) or store.query(_ANY_BLANK_NODE):
        return canonicalize(written((quad.triple for quad in store), as_written))
    stored = {_bytes(ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES)) for triple in as_written}
    lines = SortedLines(scratch)
    # The store's N-Triples, held or in a scratch file, read a part at a time.
    if scratch is None:
        dumped: Text = Text(_bytes(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())))
    else:
        path = scratch_file(scratch, "store")
        store.dump(path, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        dumped = Text(path)
    for chunk in dumped.chunks(lines.budget // 4):
        lines.add(line for line in chunk.splitlines(keepends=True) if line not in stored)
    if isinstance(dumped.source, Path):
        dumped.source.unlink()
    del dumped
    # Each stored triple the files wrote otherwise is replaced by the triples as written.
    as_written_triples = [triple for group in as_written.values() for triple in group]
    if as_written_triples:
        lines.add_text(_bytes(ox.serialize(as_written_triples, format=ox.RdfFormat.N_TRIPLES)))
    return Canonical(_text(lines), False)


def canonical_graph(loaded: LoadedGraph, *, scratch: Path | None = None) -> Canonical:
    """The loaded graph, as the files wrote it, in canonical form (with its
    named graphs, for the N-Quads and TriG dumps); given a ``scratch`` folder,
    made in bounded memory through files there."""
    canonical = canonical_store(loaded.store, as_written=loaded.as_written, scratch=scratch)
    if not loaded.files:
        return canonical
    return Canonical(canonical.text, canonical.blank_nodes, lambda: named_quads(loaded, scratch=scratch))


def graph_name(path: Path, data_dir: Path) -> str:
    """The named graph of a loaded file's triples in the N-Quads and TriG dumps.

    >>> graph_name(Path("graph/claims/policy-window/x.ttl"), Path("graph"))
    'https://w3id.org/aigovkg/id/graph/claims/policy-window'
    >>> graph_name(Path("graph/instruments/eu-ai-act.ttl"), Path("graph"))
    'https://w3id.org/aigovkg/id/graph/curated'
    """
    if path.resolve() == resources.ontology_file().resolve():
        return ONTOLOGY_GRAPH
    try:
        parts = path.resolve().relative_to(data_dir.resolve()).parts
    except ValueError:  # a file loaded from elsewhere (extra_files)
        return CURATED_GRAPH
    if len(parts) > 2 and parts[0] == "claims":
        return CLAIMS_GRAPHS + quote(parts[1], safe="-._~")
    return CURATED_GRAPH


def graph_description(name: str) -> str:
    """What a named graph of the dumps holds, in a sentence.

    >>> graph_description("https://w3id.org/aigovkg/id/graph/claims/aigovkg")
    'The files of graph/claims/aigovkg/: the coverage claims and tensions of the source aigovkg.'
    """
    if name == ONTOLOGY_GRAPH:
        return "The ontology, ontology/aigov.ttl."
    if name.startswith(CLAIMS_GRAPHS):
        source = name[len(CLAIMS_GRAPHS):]
        return f"The files of graph/claims/{source}/: the coverage claims and tensions of the source {source}."
    return ("Every other file of graph/: instruments and their attested facts, topics, jurisdictions and "
            "memberships, lifecycle events, relations, obligations, documents, sources and the dataset's record.")


def graph_sizes(loaded: LoadedGraph) -> dict[str, int]:
    """How many triples each named graph of the dumps holds."""
    return named_quads(loaded).sizes


def named_quads(loaded: LoadedGraph, *, scratch: Path | None = None) -> Quads:
    """Every triple as its file wrote it, in its file's named graph (``graph_name``):
    sorted N-Quads lines, one per distinct quad, blank nodes labelled canonically.
    Without blank nodes, each file's N-Triples lines get their graph appended, a
    file at a time, so that no Python object per triple outlives its file; given
    a ``scratch`` folder, they are sorted and split by graph through files there."""
    quads = _named_quads_of_files([loaded_file.path for loaded_file in loaded.files], loaded.data_dir,
                                  scratch=scratch)
    return quads if quads is not None else _named_quads_with_blank_nodes(loaded)


def canonical_files(paths: Sequence[Path], data_dir: Path, *, scratch: Path | None = None) -> Canonical | None:
    """What :func:`canonical_graph` makes of the graph loaded from ``paths``
    (the files of ``data_dir``, and the ontology), made from the files alone,
    without a store: the union of their named graphs is the graph as the files
    wrote it. None when a file has a blank node (its canonical label depends on
    the whole graph: :func:`canonical_graph` relabels it from the store).

    A process that has not loaded the graph can make the dumps this way: the
    build's dumps worker, which starts with the loading and holds no store."""
    quads = _named_quads_of_files(paths, data_dir, scratch=scratch, triples=True)
    if quads is None:
        return None
    assert quads.triples is not None
    return Canonical(quads.triples, False, lambda: quads)


def _named_quads_of_files(paths: Sequence[Path], data_dir: Path, *, scratch: Path | None,
                          triples: bool = False) -> Quads | None:
    """:func:`named_quads` of files without blank nodes; None when one has one."""
    lines = SortedLines(scratch, unique=True)
    for path in paths:
        # The file's triples as N-Triples lines (quads in the default graph are
        # written as N-Triples lines), each quad dropped once written.
        text = _bytes(ox.serialize(reparse(path), format=ox.RdfFormat.N_QUADS))
        if b"_:" in text:  # a blank node, or these characters in a literal or an IRI: the general way
            return None
        graph = str(ox.NamedNode(graph_name(path, data_dir))).encode("utf-8")
        lines.add(line[: -len(b".\n")] + graph + b" .\n" for line in text.splitlines(keepends=True))
    return _split_by_graph(lines, triples=triples)


def _split_by_graph(lines: SortedLines, *, triples: bool = False) -> Quads:
    """Sorted N-Quads lines, written once as they are and once a graph at a
    time (and, given ``triples``, once more as N-Triples lines, each triple
    once): into files in the lines' scratch folder, or held when they have none.

    A quad's line is its triple's line with the graph put before the " ." that
    ends it: the lines of one triple are next to one another (a term is never
    followed by a space inside the term that follows), and the triples' lines
    come out in their own sorted order (a space sorts before any character that
    could follow a term), so dropping repeats as they come is enough."""
    scratch = lines.scratch
    sizes: dict[bytes, int] = {}
    with contextlib.ExitStack() as stack:

        def sink(kind: str) -> tuple[BinaryIO, Callable[[], Text]]:
            if scratch is None:
                buffer = io.BytesIO()
                return buffer, lambda: Text(buffer.getvalue())
            path = scratch_file(scratch, kind)
            return stack.enter_context(path.open("xb")), lambda: Text(path)

        output, whole = sink("quads")
        as_triples, made = sink("triples") if triples else (None, None)
        previous = b""
        graphs: dict[bytes, tuple[BinaryIO, Callable[[], Text]]] = {}
        for line in lines:
            output.write(line)
            triple, name, _ = line.rsplit(b" ", 2)
            if as_triples is not None and triple != previous:
                as_triples.write(triple + b" .\n")
                previous = triple
            if name not in graphs:
                graphs[name], sizes[name] = sink("graph"), 0
            graphs[name][0].write(line)
            sizes[name] += 1
    by_graph = tuple(graphs[name][1]() for name in sorted(graphs))
    return Quads(whole(), by_graph, dict(sorted((name.decode("utf-8")[1:-1], size) for name, size in sizes.items())),
                 made() if made is not None else None)


def _named_quads_with_blank_nodes(loaded: LoadedGraph) -> Quads:
    """``named_quads`` of a graph with blank nodes: relabelled canonically (RDFC-1.0) over the whole dataset."""
    quads: list[ox.Quad] = []
    for loaded_file in loaded.files:
        graph = ox.NamedNode(graph_name(loaded_file.path, loaded.data_dir))
        quads.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in reparse(loaded_file.path))
    dataset = ox.Dataset(quads)
    del quads
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = SortedLines(unique=True)
    lines.add_text(_bytes(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)))
    return _split_by_graph(lines)


_ANY_BLANK_NODE = "ASK { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }"


def canonical_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Triples sorted, with blank nodes relabelled canonically (RDFC-1.0)."""
    return list(canonicalize(triples).triples())


def graph_triples(store: ox.Store) -> list[ox.Triple]:
    """All triples of the store (of every graph, as triples), in canonical order."""
    return list(canonical_store(store).triples())


def _bytes(data: bytes | None) -> bytes:
    assert data is not None
    return data


def serialize(triples: Iterable[ox.Triple], fmt: ExportFormat | str = ExportFormat.TURTLE) -> bytes:
    """Serialise triples deterministically in one of the export formats."""
    return _written(canonicalize(triples), ExportFormat(fmt))


def _written(canonical: Canonical, fmt: ExportFormat, *, files_of: FilesOf | None = None) -> bytes:
    """What ``write`` writes, as bytes."""
    buffer = io.BytesIO()
    write(canonical, fmt, buffer, files_of=files_of)
    return buffer.getvalue()


FilesOf = Callable[[str], tuple[Path, ...]]


def write(canonical: Canonical, fmt: ExportFormat, output: BinaryIO, *, files_of: FilesOf | None = None) -> None:
    """Write a graph in canonical form to ``output`` in one format, streaming:
    triples are parsed from the canonical text as the serializer asks for them.
    ``files_of`` names the files behind a node in an error."""
    prefixes = dict(PREFIXES)
    if fmt is ExportFormat.NQUADS and canonical.named is not None:
        canonical.named().text.write_to(output)
    elif fmt in (ExportFormat.NTRIPLES, ExportFormat.NQUADS):
        # Default-graph quads are N-Triples lines in N-Quads: the text itself.
        canonical.text.write_to(output)
    elif fmt is ExportFormat.TURTLE:
        ox.serialize(canonical.triples(), output, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    elif fmt is ExportFormat.TRIG:
        quads = canonical.named().quads_by_graph() if canonical.named is not None else canonical.quads()
        ox.serialize(quads, output, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    elif fmt is ExportFormat.RDFXML:
        _check_xml_writable(canonical, files_of)
        ox.serialize(canonical.triples(), output, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
    else:
        _write_jsonld(canonical, output)


# How N-Triples writes a character XML 1.0 cannot carry (it escapes every one):
# a cheap screen of the text; a match may also be an escaped backslash and a "u".
_NT_UNWRITABLE = re.compile(rb"\\u00(?:0[0-8BCEF]|1[0-9A-F])|\\[bf]|\\uFFF[EF]")


def _check_xml_writable(canonical: Canonical, files_of: FilesOf | None) -> None:
    """Refuse a graph with a literal that RDF/XML cannot carry, naming it."""
    if not any(_NT_UNWRITABLE.search(chunk) for chunk in canonical.text.chunks()):
        return
    for triple in canonical.triples():
        term = triple.object
        char = first_unwritable(term.value) if isinstance(term, ox.Literal) else None
        if char is not None:
            subject = triple.subject
            name = curie(subject.value) if isinstance(subject, ox.NamedNode) else str(subject)
            files = files_of(subject.value) if files_of and isinstance(subject, ox.NamedNode) else ()
            where = "".join(f"{path}, " for path in files[:-1]) + (f"{files[-1]}: " if files else "")
            raise InputError(
                f"{where}{name} {curie(triple.predicate.value)}: RDF/XML cannot carry U+{ord(char):04X} "
                "(XML 1.0 has no way to write it); the Turtle, N-Triples, N-Quads, TriG and JSON-LD dumps carry it"
            )


def _write_jsonld(canonical: Canonical, output: BinaryIO) -> None:
    """JSON-LD compacted with the shipped context, by one pass over the
    subjects in the order of their ids (see :mod:`aigovkg._jsonld`): each
    node is parsed from its subject's lines and written as it is made."""
    from aigovkg._jsonld import write_jsonld

    with canonical.text.open() as text:
        write_jsonld(text, canonical.blank_nodes, context(), output)


def dump(graph: LoadedGraph | ox.Store, fmt: ExportFormat | str = ExportFormat.TURTLE) -> bytes:
    """The whole graph in one of the export formats: a loaded graph as the files
    wrote it (an error names the files behind a node), or a store as it holds it."""
    buffer = io.BytesIO()
    dump_to(graph, fmt, buffer)
    return buffer.getvalue()


def dump_to(graph: LoadedGraph | ox.Store, fmt: ExportFormat | str, output: BinaryIO, *,
            scratch: Path | None = None) -> None:
    """What :func:`dump` returns, streamed to ``output`` (a dump of a large
    graph is gigabytes: it is never written from one string); given a
    ``scratch`` folder, the graph is also sorted in bounded memory, through
    files there (see :mod:`aigovkg._sorted_lines`)."""
    if isinstance(graph, LoadedGraph):
        write(canonical_graph(graph, scratch=scratch), ExportFormat(fmt), output, files_of=graph.files_of)
    else:
        write(canonical_store(graph, scratch=scratch), ExportFormat(fmt), output)


def triples_to_text(triples: Iterable[ox.Triple], fmt: str = "turtle") -> str:
    """CONSTRUCT / DESCRIBE results as Turtle or JSON-LD text."""
    return serialize(triples, fmt).decode("utf-8")

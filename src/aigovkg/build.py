"""The main job: validate, then write the site, pages and dumps into one folder.

Output is built in a staging folder beside the target and swapped in with
renames only when complete, so a failed or interrupted build leaves the
previous output untouched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from aigovkg import resources
from aigovkg._beside import Beside, Later, WorkerDied
from aigovkg._io import exchange
from aigovkg._output import MARKER, check_out, make_staging, marker_text, remove, remove_stale, staging_name
from aigovkg.api import KnowledgeGraph, load
from aigovkg.errors import AigovkgError, InputError
from aigovkg.loader import LoadedGraph, graph_paths
from aigovkg.store import EmbeddedEngine

if TYPE_CHECKING:
    from aigovkg.export import Canonical, FilesOf
    from aigovkg.render.site import Pictures

Put = Callable[[str, "str | bytes"], None]


class ValidationFailed(AigovkgError):
    exit_code = 1


@dataclass(frozen=True)
class BuildSummary:
    out: Path
    files: tuple[str, ...]
    triples: int
    topics: int
    pages: int
    #: How long writing the dumps took (beside the pages, when on another core).
    dumps_seconds: float = 0.0
    #: Whether a forked worker wrote the dumps beside the pages (else this process, after them).
    dumps_beside: bool = False


class Stage:
    """A staging folder being filled: ``stage(rel, data)`` writes a file (it
    is a :data:`Put`), ``stage.open(rel)`` streams one too large to hold. A
    path that would leave the folder is refused."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[str] = []

    def _path(self, rel: str) -> Path:
        normal = os.path.normpath(rel)
        if os.path.isabs(normal) or normal == "." or normal.split(os.sep, 1)[0] == "..":
            raise InputError(f"refused to write {rel!r}: it is not a path inside the output folder")
        path = self.folder / normal
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def __call__(self, rel: str, data: str | bytes) -> None:
        self._path(rel).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.written.append(rel)

    @contextlib.contextmanager
    def open(self, rel: str) -> Iterator[BinaryIO]:
        with self._path(rel).open("wb") as handle:
            yield handle
        self.written.append(rel)


def staged(out: Path, fill: Callable[[Stage], None], *, command: str = "",
           reads: Iterable[Path] = ()) -> tuple[str, ...]:
    """Write files through a :class:`Stage` into a staging folder, then swap it
    in for ``out``, which must be a folder aigovkg may replace (see
    :func:`aigovkg._output.check_out`; ``reads`` are the folders the command
    reads). The staging folders of earlier runs killed before they ended are
    removed first; the new output holds the marker, naming ``command``."""
    target = check_out(out, reads=reads)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target.parent, target.name)
    stage = Stage(make_staging(target.parent, target.name))
    try:
        stage(MARKER, marker_text(command))
        fill(stage)
        _swap(stage.folder, target)
    except BaseException:
        remove(stage.folder)
        raise
    return tuple(sorted(stage.written))


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` in place of ``out``. Where the system can, the two are
    exchanged in one atomic rename, so there is no moment without ``out`` (a
    build killed at any point, or two builds at once, leave a complete one)."""
    while True:
        try:
            os.rename(staging, out)  # only succeeds when out is absent (or an empty folder)
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR):
                raise
        try:
            swapped = exchange(staging, out)
        except FileNotFoundError:  # out went away meanwhile: rename again
            continue
        if swapped:
            remove(staging)  # now holds the previous output
            return
        old = staging_name(out.parent, out.name)
        with contextlib.suppress(FileNotFoundError):
            os.replace(out, old)
        try:
            os.replace(staging, out)
        finally:
            remove(old)
        return


def folders_read(data: Path | None = None) -> tuple[Path, ...]:
    """The folders a command reads, which its output may not touch: the data
    folder, and the shipped graph, ontology and queries."""
    shipped = (resources.graph_dir(), resources.ontology_dir(), resources.queries_dir())
    return shipped if data is None else (Path(data), *shipped)


def build(
    out: Path,
    *,
    data: Path | None = None,
    base_url: str = "https://w3id.org/aigovkg/",
    site_url: str | None = None,
    progress: Callable[[str], None] = lambda _m: None,
    parallel: bool | None = None,
) -> BuildSummary:
    """Validate the graph, then write the site, topic pages (Markdown, HTML,
    JSON) and the dumps with their description.

    The dumps are written by a forked child beside the loading and the pages
    (``parallel`` None: when more than one core is available and the memory
    for the child, see :func:`_dumps_beside`; False: after the pages, in this
    process, with the same files; nothing runs ahead either). So are the
    site's pictures, by a second child forked likewise, which waits for what
    they are drawn from (see :func:`_pictures_beside`). The slowest queries
    the pages read (``_AHEAD``) run beside the validation, one after another
    in a thread (see :meth:`EmbeddedEngine.ahead`), and the pages take their
    answers."""
    check_out(out, reads=folders_read(data))  # before the minutes of loading and validating
    paths = graph_paths(data)  # a data folder that is not one is refused before anything is made
    return _build(paths, out, data=data, base_url=base_url, site_url=site_url, progress=progress, parallel=parallel)


#: The queries the build runs ahead, beside the validation, in the order it
#: reads them: the pages' slowest (on the medium benchmark graph, 11.5 s, 4.4 s
#: and 4.2 s of its 22.5 s of queries, measured one at a time), then the
#: counts of the dumps' VoID description, written once the pages are done.
_AHEAD = ("claim-evidence", "jurisdiction-gaps", "disagreements",
          "dataset-statistics", "dataset-classes", "dataset-properties")


#: The queries the build's stages each read, run once (see
#: EmbeddedEngine.kept): on the medium benchmark graph, ``topics`` (0.7 s)
#: was run five times.
_KEPT = ("topics", "instruments", "jurisdictions", "dataset-version", "timetable", "document-tiers")


def _build(paths: list[Path], out: Path, *, data: Path | None, base_url: str, site_url: str | None,
           progress: Callable[[str], None], parallel: bool | None) -> BuildSummary:
    from aigovkg import analyse
    from aigovkg.model import (
        claims_by_instrument,
        claims_read,
        coverage_matrix_rows,
        silence_index,
        subject_rows,
        topic_page_rows,
        topic_pages,
    )
    from aigovkg.render import page_name, render_topic
    from aigovkg.render.site import SILENCE_SOURCES, pictures_of, write_site
    from aigovkg.render.wiki import write_wiki

    topics: list[dict[str, Any]] = []
    pages = 0
    triples = 0
    dumps_seconds = 0.0
    dumps_beside = False

    def fill(put: Stage) -> None:
        nonlocal topics, pages, triples, dumps_seconds, dumps_beside
        # The dumps need only the files: they are written beside the loading,
        # the validation and the pages, on the other core (see _dumps_beside);
        # a graph that does not load or validate stops them, and the staging folder goes.
        with _dumps_beside(paths, data, put, parallel=parallel) as dumps, \
                _pictures_beside(put, parallel=parallel) as drawing, contextlib.ExitStack() as ahead:
            progress("loading")
            kg: KnowledgeGraph = load(data)
            assert kg.loaded is not None
            triples = kg.loaded.triples
            if isinstance(kg.engine, EmbeddedEngine):
                # The slowest queries the pages read run beside the validation, one after
                # another in a thread (see EmbeddedEngine.ahead), started once the dumps
                # worker is forked (a fork waits for the queries running); the pages take
                # their answers.
                ahead.enter_context(kg.engine.ahead([kg.select_text(name) for name in _AHEAD], parallel=parallel))
                # The small queries several stages read run once.
                ahead.enter_context(kg.engine.kept([kg.select_text(name) for name in _KEPT]))
            progress("validating")
            report = kg.validate()
            if not report.conforms:
                raise ValidationFailed("the graph does not validate; nothing was written\n"
                                       + report.to_text().rstrip())
            topics = kg.results("topics").records()
            progress("topic pages")
            # What every claim rests on, for every kind of page, and each claim
            # once: one reading of every claim, for the topic pages' coverage rows
            # and the instrument pages'.
            evidence, claims = claims_read(kg)
            topic_rows = topic_page_rows(kg, claims=claims)
            # One coverage matrix for the topic similarity graph (the topic pages'
            # related topics, the site's picture), the compare page and the heatmap.
            # It is computed from the topic pages' rows, gathered once for all topics.
            coverage = coverage_matrix_rows(topic_rows)
            similarity = analyse.topic_graph(kg, rows=coverage)
            pictures = pictures_of(kg, coverage, similarity)
            by_instrument = claims_by_instrument(claims)
            del claims
            # Each source's own silence index for the site's index page, counted
            # from the same rows (every claim of every source) instead of queried.
            silence_by_source = {slug: silence_index([r for claims in by_instrument.values() for r in claims
                                                      if r["sourceSlug"] == slug]) for slug in SILENCE_SOURCES}
            # The topic pages, rendered by the site, the wiki and as Markdown / JSON; each
            # topic's rows are let go once its page is made.
            views = topic_pages(kg, similarity=similarity, evidence=evidence, rows=topic_rows, consume=True)
            del topic_rows
            progress("instrument and jurisdiction pages")
            rows = subject_rows(kg, evidence=evidence, coverage=by_instrument)  # likewise, for the site and the wiki
            del by_instrument
            silence = silence_index(coverage)  # the site's and the wiki's index pages
            # The site's pictures are drawn by the worker waiting for them, beside the
            # pages: given now, once the rows gathered for all pages are let go (the
            # gathering is the build's peak of memory, and the drawing takes 600 MB
            # on the medium benchmark graph).
            drawing.give(pictures)
            progress("site")
            pages = write_site(kg, put, pages=views, rows=rows, similarity=similarity, coverage=coverage,
                               silence=silence, silence_by_source=silence_by_source, progress=progress,
                               pictures=False)
            for slug, view in views.items():
                name = page_name(kg, slug, view.iri)
                put(f"topics/{name}.md", render_topic(view, "markdown"))
                put(f"topics/{name}.json", render_topic(view, "json"))
            progress("wiki")
            write_wiki(kg, lambda rel, text: put(f"wiki/{rel}", text), fmt="mdx", pages=views, rows=rows,
                       silence=silence)
            del views, rows, coverage, similarity
            progress("pictures")
            _take_pictures(drawing, pictures, put, progress)
            progress("dumps")
            dumps_seconds, dumps_beside = _take(dumps, kg, put, base_url=base_url, progress=progress)
            progress("ontology")
            write_publishing(put, site_url=site_url)
            put("validation.txt", report.to_text())

    files = staged(out, fill, command="build", reads=folders_read(data))
    return BuildSummary(Path(out), files, triples, len(topics), pages, dumps_seconds, dumps_beside)


#: What the dumps worker returns: the files it wrote, the seconds it took, and
#: how many triples each named graph holds; None: the files have blank nodes,
#: and it wrote nothing (see :func:`write_file_dumps`).
_Made = tuple[list[str], float, dict[str, int]] | None


class _Dumps(Beside[_Made]):
    """The dumps being written beside the pages (see :func:`_dumps_beside`)."""

    def __init__(self, paths: list[Path], data: Path | None, folder: Path, **beside: Any) -> None:
        def work() -> _Made:
            start = time.perf_counter()
            mine = Stage(folder)  # its own list of what it wrote: the caller's copy is not the child's
            sizes = write_file_dumps(paths, data_dir, mine)
            return None if sizes is None else (mine.written, time.perf_counter() - start, sizes)

        data_dir = Path(data) if data is not None else resources.graph_dir()
        super().__init__(work, **beside)
        self.paths = paths
        self.folder = folder


def _dumps_beside(paths: list[Path], data: Path | None, put: Stage, *, parallel: bool | None) -> _Dumps:
    """:func:`write_file_dumps` of ``paths`` (the files the build loads) into
    the staging folder, in a child forked before the graph is loaded (when
    ``parallel``, or by default when there is more than one core and the
    memory for the child), while the caller loads, validates and goes on with
    the pages: on the medium benchmark graph the dumps take about as long as
    the pages. :func:`_take` waits for them, and writes them itself, in this
    process, when there is no child, or it died, or it found blank nodes.

    The child holds no store: it reads the files. A child forked once the
    graph was loaded held a copy of the store, whatever it read, since
    reading Oxigraph's store writes to its memory: the pages a process
    reads become its own (600-700 MB of the medium graph's worker, and too
    much for the large graph's to fork at all)."""
    return _Dumps(paths, data, put.folder, parallel=parallel, needs=_DUMPS_WORKER_NEEDS)


#: The memory the dumps worker needs: it sorts in bounded memory (see
#: :mod:`aigovkg._sorted_lines`) and parses a file at a time. Writing the
#: medium benchmark graph's dumps this way alone peaked at 159 MB (RSS).
_DUMPS_WORKER_NEEDS = 512 << 20


def _take(dumps: _Dumps, kg: KnowledgeGraph, put: Stage, *, base_url: str,
          progress: Callable[[str], None]) -> tuple[float, bool]:
    """Wait for the dumps written beside; record their files, and write their
    description; their seconds, and whether the worker wrote them. When it
    died part way (killed: most likely out of memory), or read files other
    than those loaded (the folder changed meanwhile), what it wrote is
    removed, and the dumps are written here from the loaded store, now that
    the pages are done and their rows given up; so they are when the files
    have blank nodes."""
    assert kg.loaded is not None
    made: _Made = None
    try:
        made = dumps.result()
        if made is None:
            progress("the files have blank nodes: writing the dumps from the graph loaded")
        elif dumps.paths != [loaded.path for loaded in kg.loaded.files]:
            progress("the data folder changed while the build read it; writing the dumps from the graph loaded")
            made = None
    except WorkerDied as died:
        progress(f"{died}; writing the dumps in this process instead")
    if made is None:
        for partial in [dumps.folder / "dumps", *dumps.folder.glob(".scratch-*")]:
            shutil.rmtree(partial, ignore_errors=True)
        start = time.perf_counter()
        mine = Stage(put.folder)
        sizes = write_store_dumps(kg.loaded, mine)
        put.written.extend(mine.written)
        seconds, beside = time.perf_counter() - start, False
    else:
        written, seconds, sizes = made
        put.written.extend(written)
        beside = dumps.forked
    write_dumps_description(kg, put, base_url=base_url, sizes=sizes)
    return seconds, beside


def _pictures_beside(put: Stage, *, parallel: bool | None) -> Later[Pictures, list[str]]:
    """The site's pictures drawn into the staging folder by a child forked
    before the graph is loaded (when ``parallel``, or by default when there is
    more than one core and the memory for it), which waits for their data
    (:func:`aigovkg.render.site.pictures_of`: a grid and two small graphs,
    pickled) and draws them while the caller renders the pages. It gives the
    files it wrote; :func:`_take_pictures` waits for them."""
    folder = put.folder

    def draw(pictures: Pictures) -> list[str]:
        from aigovkg.render.site import draw_pictures

        mine = Stage(folder)  # its own list of what it wrote
        draw_pictures(pictures, mine)
        return mine.written

    return Later(draw, parallel=parallel, needs=_PICTURES_WORKER_NEEDS)


#: The memory the pictures worker needs: matplotlib and a heatmap of up to
#: 3,700 × 5,000 pixels (on the medium benchmark graph it peaked at 628 MB, PSS).
_PICTURES_WORKER_NEEDS = 1 << 30


def _take_pictures(drawing: Later[Pictures, list[str]], pictures: Pictures, put: Stage,
                   progress: Callable[[str], None]) -> None:
    """Wait for the pictures drawn beside and record their files; when the
    worker died part way, remove what it wrote and draw them here."""
    from aigovkg.render.site import draw_pictures

    try:
        put.written.extend(drawing.result())
    except WorkerDied as died:
        progress(f"{died}; drawing the pictures in this process instead")
        shutil.rmtree(put.folder / "pictures", ignore_errors=True)
        draw_pictures(pictures, put)


def write_dumps(kg: KnowledgeGraph, stage: Stage, *, base_url: str) -> None:
    """Every export format, the VoID description and the JSON-LD context, under
    ``dumps/``: made from the loaded graph's files (:func:`write_file_dumps`),
    or from its store when they have blank nodes (:func:`write_store_dumps`)."""
    assert kg.loaded is not None
    loaded = kg.loaded
    sizes = write_file_dumps([file.path for file in loaded.files], loaded.data_dir, stage)
    if sizes is None:
        sizes = write_store_dumps(loaded, stage)
    write_dumps_description(kg, stage, base_url=base_url, sizes=sizes)


def write_file_dumps(paths: Sequence[Path], data_dir: Path, stage: Stage) -> dict[str, int] | None:
    """The graph loaded from ``paths`` (the files of ``data_dir``, and the
    ontology) in every export format, under ``dumps/``, made from the files
    alone, without a store (see :func:`aigovkg.export.canonical_files`); how
    many triples each named graph holds. None, having written nothing, when a
    file has a blank node.

    Each file's triples get their named graph, and the lines are sorted once:
    the N-Quads dump, the named graphs of the TriG dump and the other formats'
    triples come from them. They are sorted in bounded memory, through a
    scratch folder in the staging folder, removed when done (the large
    benchmark graph's dumps are gigabytes each: none is held in memory whole)."""
    from aigovkg.export import canonical_files
    from aigovkg.loader import subject_files

    index: dict[str, tuple[Path, ...]] = {}

    def files_of(iri: str) -> tuple[Path, ...]:  # only for an error: the files are read again then
        if not index:
            index.update(subject_files(paths))
        return index.get(iri, ())

    stage.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=stage.folder) as scratch:
        canonical = canonical_files(paths, data_dir, scratch=Path(scratch))
        return None if canonical is None else _write_formats(canonical, stage, files_of)


def write_store_dumps(loaded: LoadedGraph, stage: Stage) -> dict[str, int] | None:
    """What :func:`write_file_dumps` writes, made from the loaded store (with
    blank nodes, labelled canonically over the whole graph); how many triples
    each named graph holds (None: a store without files, all in the default graph)."""
    from aigovkg.export import canonical_graph

    stage.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=stage.folder) as scratch:
        return _write_formats(canonical_graph(loaded, scratch=Path(scratch)), stage, loaded.files_of)


def _write_formats(canonical: Canonical, stage: Stage, files_of: FilesOf) -> dict[str, int] | None:
    from aigovkg.export import SUFFIX, ExportFormat, Quads, write

    sizes = None
    if canonical.named is not None:  # made once, for the N-Quads and TriG dumps and the VoID's graph sizes
        quads = canonical.named()

        def made() -> Quads:
            return quads

        canonical = dataclasses.replace(canonical, named=made)
        sizes = quads.sizes
    for fmt in ExportFormat:
        with stage.open(f"dumps/aigovkg.{SUFFIX[fmt]}") as handle:
            write(canonical, fmt, handle, files_of=files_of)
    return sizes


def write_dumps_description(kg: KnowledgeGraph, stage: Stage | Put, *, base_url: str,
                            sizes: dict[str, int] | None) -> None:
    """The dumps' VoID description (with each named graph's triples, ``sizes``)
    and JSON-LD context, under ``dumps/``; for the shipped graph, its earlier releases."""
    from aigovkg.describe import describe_turtle
    from aigovkg.export import context

    assert kg.loaded is not None
    stage("dumps/void.ttl", describe_turtle(kg, base_url=base_url, sizes=sizes))
    stage("dumps/context.jsonld", json.dumps({"@context": context()}, indent=2, sort_keys=True) + "\n")
    if kg.loaded.data_dir.resolve() == resources.graph_dir().resolve():
        # The shipped graph's earlier releases, as published: one named graph each.
        from aigovkg.releases import releases

        for release in releases():
            if release.path is not None:
                stage(f"dumps/releases/{release.path.name}", release.path.read_bytes())


def write_publishing(put: Put, *, site_url: str | None) -> None:
    """The ontology's documentation and formats under ``ontology/``, and the
    content-negotiation table for the w3id IRIs under ``w3id/`` (the
    ``.htaccess`` only when the site's address is known)."""
    from aigovkg.conneg import htaccess, redirects_json
    from aigovkg.ontodoc import write_ontology

    write_ontology(put)
    put("w3id/redirects.json", redirects_json(site_url))
    if site_url:
        put("w3id/.htaccess", htaccess(site_url))


def build_site(
    out: Path,
    *,
    data: Path | None = None,
    base_url: str = "https://w3id.org/aigovkg/",
    site_url: str | None = None,
    progress: Callable[[str], None] = lambda _m: None,
    parallel: bool | None = None,
) -> int:
    """Write the static site, with the dumps it links to, into ``out``
    (atomically); the dumps beside the pages, as :func:`build` does."""
    from aigovkg.render.site import write_site

    check_out(out, reads=folders_read(data))
    paths = graph_paths(data)
    count = 0

    def fill(put: Stage) -> None:
        nonlocal count
        with _dumps_beside(paths, data, put, parallel=parallel) as dumps:
            progress("loading")
            kg = load(data)
            progress("site")
            count = write_site(kg, put, progress=progress)
            progress("dumps")
            _take(dumps, kg, put, base_url=base_url, progress=progress)
        progress("ontology")
        write_publishing(put, site_url=site_url)

    staged(out, fill, command="site", reads=folders_read(data))
    return count

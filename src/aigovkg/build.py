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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from aigovkg import resources
from aigovkg._beside import Beside, WorkerDied, resident_memory
from aigovkg._io import exchange
from aigovkg._output import MARKER, check_out, make_staging, marker_text, remove, remove_stale, staging_name
from aigovkg.api import KnowledgeGraph, load
from aigovkg.errors import AigovkgError, InputError
from aigovkg.store import EmbeddedEngine

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

    The dumps are written by a forked child beside the pages (``parallel``
    None: when more than one core is available and the memory for both, see
    :func:`_dumps_beside`; False: after the pages, in this process, with the
    same files; nothing runs ahead either). The slowest queries the pages
    read (``_AHEAD``) run beside the validation, one after another in a
    thread (see :meth:`EmbeddedEngine.ahead`), and the pages take their answers."""
    check_out(out, reads=folders_read(data))  # before the minutes of loading and validating
    progress("loading")
    kg: KnowledgeGraph = load(data)
    return _build(kg, out, data=data, base_url=base_url, site_url=site_url, progress=progress, parallel=parallel)


#: The queries the build runs ahead, beside the validation, in the order it
#: reads them: on the medium benchmark graph, 11.5 s, 4.4 s and 4.2 s of its
#: 22.5 s of queries, measured one at a time.
_AHEAD = ("claim-evidence", "jurisdiction-gaps", "disagreements")


def _build(kg: KnowledgeGraph, out: Path, *, data: Path | None, base_url: str, site_url: str | None,
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
    from aigovkg.render.site import SILENCE_SOURCES, write_pictures, write_site
    from aigovkg.render.wiki import write_wiki

    assert kg.loaded is not None
    loaded = kg.loaded
    topics: list[dict[str, Any]] = []
    pages = 0
    dumps_seconds = 0.0
    dumps_beside = False

    def fill(put: Stage) -> None:
        nonlocal topics, pages, dumps_seconds, dumps_beside
        # The dumps need only the loaded store: they are written beside the
        # validation and the pages, on the other core (see _dumps_beside); a
        # graph that does not validate stops them, and the staging folder goes.
        with _dumps_beside(kg, put, base_url=base_url, parallel=parallel) as dumps, contextlib.ExitStack() as ahead:
            if isinstance(kg.engine, EmbeddedEngine):
                # The slowest queries the pages read run beside the validation, one after
                # another in a thread (see EmbeddedEngine.ahead), started once the dumps
                # worker is forked (a fork waits for the queries running); the pages take
                # their answers.
                ahead.enter_context(kg.engine.ahead([kg.select_text(name) for name in _AHEAD], parallel=parallel))
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
            del views, rows
            # The site's pictures, once the pages' rows are gone: they take about as much
            # memory again as the rows (on the medium benchmark graph, 1.2 GB → 1.7 GB).
            progress("pictures")
            write_pictures(kg, put, coverage, similarity)
            del coverage, similarity
            progress("dumps")
            dumps_seconds, dumps_beside = _take(dumps, put, progress)
            progress("ontology")
            write_publishing(put, site_url=site_url)
            put("validation.txt", report.to_text())

    files = staged(out, fill, command="build", reads=folders_read(data))
    return BuildSummary(Path(out), files, loaded.triples, len(topics), pages, dumps_seconds, dumps_beside)


class _Dumps(Beside[tuple[list[str], float]]):
    """The dumps being written beside the pages (see :func:`_dumps_beside`)."""

    def __init__(self, kg: KnowledgeGraph, folder: Path, *, base_url: str, **beside: Any) -> None:
        def work() -> tuple[list[str], float]:
            start = time.perf_counter()
            mine = Stage(folder)  # its own list of what it wrote: the caller's copy is not the child's
            write_dumps(kg, mine, base_url=base_url)
            return mine.written, time.perf_counter() - start

        super().__init__(work, **beside)
        self.work = work
        self.folder = folder


def _dumps_beside(kg: KnowledgeGraph, put: Stage, *, base_url: str, parallel: bool | None) -> _Dumps:
    """:func:`write_dumps` into the staging folder in a forked child (when
    ``parallel``, or by default when there is more than one core and the
    memory for both), while the caller validates and goes on with the pages: the medium
    benchmark graph's dumps take about as long as its pages. It gives the
    files it wrote and the seconds it took; :func:`_take` waits for them (and
    writes them then, in this process, when there is no child or it died)."""

    gate = getattr(kg.engine, "gate", None)
    # Both processes grow from here: on the medium benchmark graph the build
    # held 0.68 GB when it forked after validating (it now forks once loaded,
    # when it holds 0.66 GB: validation adds 1-4 %, measured on the medium and
    # a 400 × 50 graph), then 1.85 GB at most (as it does without
    # the worker), and the two together 2.2 GB (PSS summed): 1.5 GB more,
    # about 2.3 times (the dumps sort in bounded memory; the pages' rows are
    # the growth). Without 3 times the build's present size to spare, the
    # dumps are written after the pages instead.
    needs = int(_DUMPS_WORKER_NEEDS * resident_memory())
    return _Dumps(kg, put.folder, base_url=base_url, parallel=parallel, needs=needs,
                  hold=gate.fork if gate is not None else None)


#: The memory the build and its dumps worker need beyond the build's size at the fork, as a multiple of it.
_DUMPS_WORKER_NEEDS = 3.0


def _take(dumps: _Dumps, put: Stage, progress: Callable[[str], None]) -> tuple[float, bool]:
    """Wait for the dumps written beside; record their files; their seconds,
    and whether the worker wrote them. When the worker died part way (killed:
    most likely out of memory), what it wrote is removed and the dumps are
    written here, now that the pages are done and their rows given up."""
    try:
        written, seconds = dumps.result()
    except WorkerDied as died:
        progress(f"{died}; writing the dumps in this process instead")
        for partial in [dumps.folder / "dumps", *dumps.folder.glob(".scratch-*")]:
            shutil.rmtree(partial, ignore_errors=True)
        written, seconds = dumps.work()
        put.written.extend(written)
        return seconds, False
    put.written.extend(written)
    return seconds, dumps.forked


def write_dumps(kg: KnowledgeGraph, stage: Stage, *, base_url: str) -> None:
    """Every export format, the VoID description and the JSON-LD context, under ``dumps/``.

    The graph is put in canonical order once, as sorted N-Triples, and each
    format is streamed from it to its file; so are the named graphs' N-Quads,
    for the N-Quads and TriG dumps. Both are sorted in bounded memory, through
    a scratch folder in the staging folder, removed when done (the large
    benchmark graph's dumps are gigabytes each: none is held in memory whole)."""
    from aigovkg.describe import describe_turtle
    from aigovkg.export import SUFFIX, ExportFormat, Quads, canonical_graph, context, write

    assert kg.loaded is not None
    stage.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=stage.folder) as scratch:
        canonical = canonical_graph(kg.loaded, scratch=Path(scratch))
        sizes = None
        if canonical.named is not None:  # made once, for the N-Quads and TriG dumps and the VoID's graph sizes
            quads = canonical.named()

            def made() -> Quads:
                return quads

            canonical = dataclasses.replace(canonical, named=made)
            sizes = quads.sizes
        for fmt in ExportFormat:
            with stage.open(f"dumps/aigovkg.{SUFFIX[fmt]}") as handle:
                write(canonical, fmt, handle, files_of=kg.loaded.files_of)
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
    progress("loading")
    kg = load(data)
    count = 0

    def fill(put: Stage) -> None:
        nonlocal count
        with _dumps_beside(kg, put, base_url=base_url, parallel=parallel) as dumps:
            progress("site")
            count = write_site(kg, put, progress=progress)
            progress("dumps")
            _take(dumps, put, progress)
        progress("ontology")
        write_publishing(put, site_url=site_url)

    staged(out, fill, command="site", reads=folders_read(data))
    return count

"""Releases of the graph (record time): what the catalogue said as of a
release or a day.

Earlier releases ship as gzipped N-Quads in ``releases/``, each in a named
graph ``https://w3id.org/aigovkg/id/release/VERSION``; the current release is
``graph/``. ``as_of`` takes a version (``0.1.0``) or a day (``2026-11-30``):
the release current on that day is the latest one issued on or before it
(of two issued the same day, the later version).
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from aigovkg import resources
from aigovkg.errors import InputError
from aigovkg.loader import LoadedGraph, load_graph
from aigovkg.namespaces import ID

RELEASE = ID + "release/"
_FILE = re.compile(r"aigovkg-(\d+\.\d+\.\d+)\.nq\.gz")
_DATASET = f"<{ID}dataset>"
_ISSUED = re.compile(rf'{re.escape(_DATASET)} <http://purl\.org/dc/terms/issued> "(\d{{4}}-\d{{2}}-\d{{2}})"')
_VERSION = re.compile(rf'{re.escape(_DATASET)} <http://www\.w3\.org/2002/07/owl#versionInfo> "([^"]+)"')


@dataclass(frozen=True)
class Release:
    """One release: its version, its release date and where it is (``None``: ``graph/``)."""

    version: str
    issued: str
    path: Path | None

    @property
    def iri(self) -> str:
        return RELEASE + self.version


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _current() -> Release:
    text = (resources.graph_dir() / "dataset.ttl").read_text(encoding="utf-8")
    version = re.search(r'owl:versionInfo\s+"([^"]+)"', text)
    issued = re.search(r'dcterms:issued\s+"(\d{4}-\d{2}-\d{2})"', text)
    if not version or not issued:
        raise InputError("graph/dataset.ttl names no version and release date (owl:versionInfo, dcterms:issued)")
    return Release(version.group(1), issued.group(1), None)


def releases() -> list[Release]:
    """Every release, oldest first: the shipped snapshots, then ``graph/``."""
    found = []
    folder = resources.releases_dir()
    for path in sorted(folder.glob("aigovkg-*.nq.gz")) if folder.is_dir() else []:
        match = _FILE.fullmatch(path.name)
        if not match:
            continue
        head = gzip.decompress(path.read_bytes()).decode("utf-8")
        issued, version = _ISSUED.search(head), _VERSION.search(head)
        if not issued or not version or version.group(1) != match.group(1):
            raise InputError(f"{path}: not a release snapshot of aigovkg (no matching version and release date)")
        found.append(Release(match.group(1), issued.group(1), path))
    current = _current()
    if all(r.version != current.version for r in found):
        found.append(current)
    return sorted(found, key=lambda r: (r.issued, _key(r.version)))


def resolve(as_of: str) -> Release:
    """The release named by a version, or current on a day (YYYY-MM-DD)."""
    known = releases()
    for release in known:
        if release.version == as_of:
            return release
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        names = ", ".join(f"{r.version} ({r.issued})" for r in known)
        raise InputError(f"--as-of {as_of!r}: neither a release nor a day (YYYY-MM-DD); releases: {names}") from None
    earlier = [r for r in known if r.issued <= day.isoformat()]
    if not earlier:
        raise InputError(f"--as-of {as_of}: no release was issued on or before that day "
                         f"(the first is {known[0].version} of {known[0].issued})")
    return earlier[-1]


def load_release(release: Release) -> LoadedGraph:
    """The graph of a release, loaded into the default graph of a new store
    (so every named query reads it as it reads ``graph/``)."""
    if release.path is None:
        return load_graph()
    store = ox.Store()
    quads = ox.parse(gzip.decompress(release.path.read_bytes()), format=ox.RdfFormat.N_QUADS)
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return LoadedGraph(store, release.path, ())


def snapshot(commit: str, version: str, repo: Path) -> bytes:
    """The release file of ``version`` taken from ``commit`` of the git
    checkout ``repo``: the Turtle of ``graph/`` and ``ontology/aigov.ttl`` at
    that commit, in the release's named graph, one sorted N-Quads line per
    quad, gzipped without a time stamp, so the same commit always gives the
    same bytes (how the shipped files were written; ``python -m
    aigovkg.releases COMMIT VERSION`` prints where it wrote one)."""
    import subprocess

    def git(*args: str) -> bytes:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout

    graph = ox.NamedNode(RELEASE + version)
    lines = set()
    for name in git("ls-tree", "-r", "--name-only", commit, "graph/", "ontology/aigov.ttl").decode().split():
        if name.endswith(".ttl"):
            for t in ox.parse(git("show", f"{commit}:{name}"), format=ox.RdfFormat.TURTLE):
                lines.add(f"{ox.Quad(t.subject, t.predicate, t.object, graph)} .")
    return gzip.compress(("\n".join(sorted(lines)) + "\n").encode("utf-8"), mtime=0)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool, tested through snapshot()
    import sys

    if len(sys.argv) != 3 or not _FILE.fullmatch(f"aigovkg-{sys.argv[2]}.nq.gz"):
        sys.exit("usage: python -m aigovkg.releases COMMIT VERSION   (run in the git checkout)")
    target = resources.releases_dir() / f"aigovkg-{sys.argv[2]}.nq.gz"
    if target.exists():
        sys.exit(f"{target} exists: a release file is written once and never replaced")
    from aigovkg._io import write_atomic

    print(write_atomic(target, snapshot(sys.argv[1], sys.argv[2], Path.cwd())))

"""Compare two versions of the graph: what changed per topic and per instrument.

Each side is a release (``0.1.0``, see :mod:`aigovkg.releases`), a folder
(a copy of ``graph/``) or a git revision of the
repository the command runs in; a revision's ``graph/`` is read with
``git archive`` into a temporary folder. Both sides are loaded strictly with
the loader (and the current ontology) and compared through named queries, not
as raw triples: claims added or removed (per source), changes of level,
citation, pinpoint, confidence, verification and the texts behind a claim;
tensions and relations added or removed; instrument facts changed.

    >>> from aigovkg import resources
    >>> d = diff(str(resources.graph_dir()), str(resources.graph_dir()))
    >>> d.changes, d.new.version
    ((), '0.5.0')
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from aigovkg.api import KnowledgeGraph, load
from aigovkg.errors import InputError
from aigovkg.namespaces import ID, INSTRUMENT, SOURCE, TOPIC, curie
from aigovkg.queries import Param

#: Claim fields compared, in the order they are reported.
CLAIM_FIELDS = ("level", "citation", "pinpoint", "confidence", "verification", "checkedAgainst", "evidence")
RELATION_FIELDS = ("citation", "verification")
_GIT_TIMEOUT = 120
K = TypeVar("K", str, tuple[str, str, str])


@dataclass(frozen=True)
class Side:
    """One version of the graph: where it came from, its version and release date."""

    label: str
    version: str | None
    issued: str | None

    def describe(self) -> str:
        return f"{self.version or 'no version'} ({self.issued or 'no date'}) from {self.label}"


@dataclass(frozen=True)
class Change:
    """One difference between the two versions.

    ``thing`` is claim, tension, relation or instrument; ``action`` added,
    removed or changed (then ``field`` names what changed, with the ``old``
    and ``new`` values)."""

    thing: str
    action: str
    topic: str
    instruments: tuple[str, ...]
    source: str
    field: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    iri: str
    title: str

    def sort_key(self) -> tuple[str, ...]:
        return (self.topic, self.thing, self.title, self.source, self.action, self.field, self.iri)

    def to_json(self) -> dict[str, object]:
        return {
            "thing": self.thing, "action": self.action, "topic": self.topic or None,
            "instruments": list(self.instruments), "source": self.source or None,
            "field": self.field or None, "old": list(self.old), "new": list(self.new),
            "iri": self.iri, "title": self.title,
        }


@dataclass(frozen=True)
class GraphDiff:
    """The changes from ``old`` to ``new``, sorted; labels of the topics and
    instruments they name."""

    old: Side
    new: Side
    changes: tuple[Change, ...]
    topic_labels: Mapping[str, str] = field(repr=False)
    instrument_labels: Mapping[str, str] = field(repr=False)
    topic: str | None = None

    def for_topic(self, slug: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.topic == slug)

    def counts(self) -> dict[str, int]:
        """How many things were added, removed or changed, e.g. ``{"claim added": 3}``."""
        found = Counter(f"{c.thing} {c.action}" for c in self.changes)
        return dict(sorted(found.items()))


# ------------------------------------------------------------------ sides


@contextlib.contextmanager
def checkout(spec: str, *, repo: Path | None = None) -> Iterator[tuple[Path, str]]:
    """A folder holding the graph named by ``spec``: ``spec`` itself if it is a
    folder, else ``graph/`` of the git revision ``spec`` in a temporary folder."""
    path = Path(spec)
    if path.is_dir():
        yield path, spec
        return
    if path.exists():
        raise InputError(f"{spec}: not a folder (give a copy of graph/ or a git revision)")
    with tempfile.TemporaryDirectory(prefix="aigovkg-diff-") as tmp:
        sha = _extract_revision(spec, Path(tmp), repo=repo if repo is not None else Path.cwd())
        yield Path(tmp) / "graph", f"{spec} ({sha[:12]})"


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise InputError("git is not installed; give folders instead of revisions")
    try:
        return subprocess.run([git, *args], cwd=cwd, capture_output=True, timeout=_GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"git {args[0]} failed: {exc}") from None


def _extract_revision(spec: str, target: Path, *, repo: Path) -> str:
    """Write ``graph/`` of revision ``spec`` under ``target``; return the commit."""
    if not spec or spec.startswith("-") or any(c in spec for c in "\x00\n\r"):
        raise InputError(f"{spec!r}: not a folder nor a git revision")
    top = _git(["rev-parse", "--show-toplevel"], repo)
    if top.returncode != 0:
        raise InputError(f"{spec}: no such folder, and {repo} is not in a git repository to read a revision from")
    root = Path(top.stdout.decode("utf-8", "replace").strip())
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}"], root)
    if found.returncode != 0:
        raise InputError(f"{spec}: neither a folder nor a revision of the git repository at {root}")
    sha = found.stdout.decode("ascii").strip()
    archive = _git(["archive", "--format=tar", sha, "--", "graph"], root)
    if archive.returncode != 0:
        raise InputError(f"{spec}: revision {sha[:12]} has no graph/ folder")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    if not (target / "graph").is_dir():
        raise InputError(f"{spec}: revision {sha[:12]} has no graph/ folder")
    return sha


# ---------------------------------------------------------------- snapshot


def _text(term: object) -> str:
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return "" if term is None else str(term)


def _slug(iri: str, namespace: str) -> str:
    return iri[len(namespace):] if iri.startswith(namespace) else curie(iri)


@dataclass
class _Record:
    """One claim, tension, relation or instrument: its key, labels and the set
    of values of each compared field."""

    iri: str
    topic: str = ""
    instruments: tuple[str, ...] = ()
    source: str = ""
    title: str = ""
    values: dict[str, set[str]] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)  # value -> label shown for it

    def add(self, name: str, value: object, label: object = None) -> None:
        if value is None:
            self.values.setdefault(name, set())
            return
        text = _text(value)
        self.values.setdefault(name, set()).add(text)
        if label is not None:
            self.shown[text] = _text(label)

    def show(self, name: str) -> tuple[str, ...]:
        return tuple(sorted(self.shown.get(v, v) for v in self.values.get(name, set())))


@dataclass
class _Snapshot:
    side: Side
    claims: dict[tuple[str, str, str], _Record]
    tensions: dict[str, _Record]
    relations: dict[str, _Record]
    instruments: dict[str, _Record]
    topic_labels: dict[str, str]
    instrument_labels: dict[str, str]


def _rows(kg: KnowledgeGraph, name: str, params: dict[str, Any] | None = None) -> list[dict[str, object]]:
    table = kg.results(name, **(params or {}))
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def snapshot(kg: KnowledgeGraph, label: str, *, topic: str | None = None) -> _Snapshot:
    """Everything the diff compares, read from ``kg`` with named queries."""
    version = _rows(kg, "dataset-version")
    side = Side(label, _text(version[0]["version"]) if version else None,
                _text(version[0]["issued"]) or None if version else None)
    params = {"topic": topic} if topic else {}
    topic_labels: dict[str, str] = {}
    instrument_labels: dict[str, str] = {}
    claims: dict[tuple[str, str, str], _Record] = {}
    for row in _rows(kg, "claims", params):
        t = _slug(_text(row["topic"]), TOPIC)
        i = _slug(_text(row["instrument"]), INSTRUMENT)
        s = _slug(_text(row["source"]), SOURCE)
        if row["topicLabel"] is not None:
            topic_labels[t] = min(topic_labels.get(t, _text(row["topicLabel"])), _text(row["topicLabel"]))
        if row["instrumentLabel"] is not None:
            instrument_labels[i] = min(instrument_labels.get(i, _text(row["instrumentLabel"])),
                                       _text(row["instrumentLabel"]))
        record = claims.setdefault((t, i, s), _Record(_text(row["claim"]), t, (i,), s))
        for name in CLAIM_FIELDS:
            record.add(name, row[name])
    tensions: dict[str, _Record] = {}
    for row in _rows(kg, "tensions"):
        t = _slug(_text(row["topic"]), TOPIC)
        if topic and t != topic:
            continue
        iri = _text(row["tension"])
        pair = (_slug(_text(row["first"]), INSTRUMENT), _slug(_text(row["second"]), INSTRUMENT))
        instrument_labels.update({pair[0]: _text(row["firstLabel"]), pair[1]: _text(row["secondLabel"])})
        tensions[iri] = _Record(iri, t, pair, _text(row["sourceSlug"]),
                                f"{_text(row['kind'])}: {_text(row['firstLabel'])} — {_text(row['secondLabel'])}")
    relations: dict[str, _Record] = {}
    instruments: dict[str, _Record] = {}
    if not topic:
        for row in _rows(kg, "relations"):
            iri = _text(row["relation"])
            pair = (_slug(_text(row["from"]), INSTRUMENT), _slug(_text(row["to"]), INSTRUMENT))
            record = relations.setdefault(iri, _Record(
                iri, "", pair, _text(row["sourceSlug"]),
                f"{_text(row['fromLabel'])} {_text(row['kind'])} {_text(row['toLabel'])}"))
            for name in RELATION_FIELDS:
                record.add(name, row[name])
        for row in _rows(kg, "instrument-properties"):
            iri = _text(row["instrument"])
            slug = _slug(iri, INSTRUMENT)
            record = instruments.setdefault(iri, _Record(iri, "", (slug,)))
            if row["instrumentLabel"] is not None:
                instrument_labels[slug] = min(instrument_labels.get(slug, _text(row["instrumentLabel"])),
                                              _text(row["instrumentLabel"]))
            record.add(curie(_text(row["property"])), row["value"], row["valueLabel"])
        for record in instruments.values():
            record.title = instrument_labels.get(record.instruments[0], record.instruments[0])
    return _Snapshot(side, claims, tensions, relations, instruments, topic_labels, instrument_labels)


# ------------------------------------------------------------------ compare


def _compare(thing: str, old: Mapping[K, _Record], new: Mapping[K, _Record],
             fields: tuple[str, ...] | None) -> list[Change]:
    """Added, removed and changed records; ``fields=None`` compares every field."""
    out: list[Change] = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            record = b if a is None else a
            assert record is not None
            action = "added" if a is None else "removed"
            names = fields if fields is not None else tuple(sorted(record.values))
            shown = tuple(f"{n}: {'; '.join(record.show(n))}" for n in names if record.values.get(n))
            out.append(Change(thing, action, record.topic, record.instruments, record.source, "",
                              shown if a is not None else (), shown if a is None else (), record.iri, record.title))
            continue
        names = fields if fields is not None else tuple(sorted(set(a.values) | set(b.values)))
        for name in names:
            if a.values.get(name, set()) != b.values.get(name, set()):
                out.append(Change(thing, "changed", b.topic, b.instruments, b.source, name,
                                  a.show(name), b.show(name), b.iri, b.title))
    return out


def compare(old: _Snapshot, new: _Snapshot, *, topic: str | None = None) -> GraphDiff:
    """The changes between two snapshots, sorted by topic, kind and title."""
    labels = {**old.instrument_labels, **new.instrument_labels}
    old_claims = {k: _titled(r, labels) for k, r in old.claims.items()}
    new_claims = {k: _titled(r, labels) for k, r in new.claims.items()}
    changes = [
        *_compare("claim", old_claims, new_claims, CLAIM_FIELDS),
        *_compare("tension", old.tensions, new.tensions, ()),
        *_compare("relation", old.relations, new.relations, RELATION_FIELDS),
        *_compare("instrument", old.instruments, new.instruments, None),
    ]
    changes.sort(key=Change.sort_key)
    return GraphDiff(old.side, new.side, tuple(changes),
                     {**old.topic_labels, **new.topic_labels}, labels, topic)


def _titled(record: _Record, labels: Mapping[str, str]) -> _Record:
    record.title = labels.get(record.instruments[0], record.instruments[0])
    return record


def _release(spec: str) -> str | None:
    """The release date of a release named by its version (``0.1.0``), if it is
    one and no folder of that name exists; else None."""
    if Path(spec).exists():
        return None
    from aigovkg.releases import releases

    return next((r.issued for r in releases() if r.version == spec), None)


def diff(old: str, new: str, *, topic: str | None = None, repo: Path | None = None) -> GraphDiff:
    """Compare the graphs named by ``old`` and ``new`` (releases such as
    ``0.1.0``, folders or git revisions)."""
    if topic is not None:
        topic = Param("topic", "topic", False, "").to_term(topic).value[len(TOPIC):]
    snaps: list[_Snapshot] = []
    for spec in (old, new):
        released = _release(spec)
        if released is not None:
            snaps.append(snapshot(load(as_of=spec), f"release {spec} ({released})", topic=topic))
            continue
        with checkout(spec, repo=repo) as (folder, label):
            snaps.append(snapshot(load(folder), label, topic=topic))
    if topic is not None and not any(topic in s.topic_labels for s in snaps):
        raise InputError(f"no topic {topic!r} with claims in either version")
    return compare(snaps[0], snaps[1], topic=topic)


# ------------------------------------------------------------------ output


_MARK = {"added": "+", "removed": "-", "changed": "~"}


def _line(c: Change) -> str:
    who = f" [{c.source}]" if c.source else ""
    if c.action == "changed":
        return f"  ~ {c.thing}{who} {c.title}: {c.field}: {_values(c.old)} -> {_values(c.new)}"
    values = c.new if c.action == "added" else c.old
    detail = f" ({'; '.join(values)})" if values and c.thing == "claim" else ""
    return f"  {_MARK[c.action]} {c.thing}{who} {c.title}{detail}"


def _values(values: tuple[str, ...]) -> str:
    return "; ".join(json.dumps(v, ensure_ascii=False) for v in values) if values else "(none)"


def to_text(d: GraphDiff) -> str:
    """A readable report: the two versions, the counts, then the changes per topic
    and per instrument."""
    lines = [f"old: {d.old.describe()}", f"new: {d.new.describe()}"]
    if d.topic:
        lines.append(f"topic: {d.topic}")
    if not d.changes:
        lines.append("no changes")
        return "\n".join(lines) + "\n"
    lines.append(", ".join(f"{n} {k}" for k, n in d.counts().items()))
    by_topic: dict[str, list[Change]] = {}
    for c in d.changes:
        by_topic.setdefault(c.topic, []).append(c)
    for slug in sorted(t for t in by_topic if t):
        lines += ["", f"## {d.topic_labels.get(slug, slug)} ({slug})"]
        lines += [_line(c) for c in by_topic[slug]]
    if "" in by_topic:
        lines += ["", "## Instruments and relations"]
        lines += [_line(c) for c in by_topic[""]]
    per_instrument: dict[str, Counter[str]] = {}
    for c in d.changes:
        for slug in c.instruments:
            per_instrument.setdefault(slug, Counter())[f"{c.thing} {c.action}"] += 1
    lines += ["", "## By instrument"]
    for slug in sorted(per_instrument, key=lambda s: (d.instrument_labels.get(s, s), s)):
        counts = ", ".join(f"{n} {k}" for k, n in sorted(per_instrument[slug].items()))
        lines.append(f"  {d.instrument_labels.get(slug, slug)} ({slug}): {counts}")
    return "\n".join(lines) + "\n"


def to_json(d: GraphDiff) -> str:
    """The diff as JSON: both sides, counts, counts per topic and instrument, and every change."""
    per_topic = Counter(c.topic for c in d.changes if c.topic)
    per_instrument = Counter(s for c in d.changes for s in c.instruments)
    doc = {
        "old": {"label": d.old.label, "version": d.old.version, "issued": d.old.issued},
        "new": {"label": d.new.label, "version": d.new.version, "issued": d.new.issued},
        "topic": d.topic,
        "counts": d.counts(),
        "topics": dict(sorted(per_topic.items())),
        "instruments": dict(sorted(per_instrument.items())),
        "changes": [c.to_json() for c in d.changes],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def change_id(d: GraphDiff, c: Change) -> str:
    """A stable IRI for one change: the same change between the same versions
    always gets the same id."""
    import hashlib
    from urllib.parse import quote

    basis = json.dumps([d.old.version, d.new.version, c.to_json()], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]
    return f"{ID}change/{quote(d.new.version or 'unversioned', safe='')}/{digest}"

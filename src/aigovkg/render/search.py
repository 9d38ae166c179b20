"""The site's search: an index of instruments, topics and claims shipped as a
script (``search-index.js``) that assigns it as a JSON string, so that the
search page works from ``file://`` (where a page cannot fetch JSON) and from
any static server, with no CDN. The page's script (``search.js``) builds its
results with ``createElement``/``textContent`` and links only to relative
addresses made here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

from aigovkg.model import Evidence, TopicPage

#: The order results of equal rank are listed in.
KINDS = ("topic", "instrument", "claim")


def _href(folder: str, name: str, anchor: str | None = None) -> str:
    """A relative link from the site's root, every part percent-encoded: the
    script accepts no other kind (no scheme, no ``..``)."""
    link = f"{folder}/{quote(name, safe='')}.html"
    return link + ("#" + quote(anchor, safe="") if anchor else "")


class Entry(NamedTuple):
    """One entry of the index: a tuple, in the order results of equal rank
    are listed in (kind, by :data:`KINDS`, then title, link and text), and a
    fifth of the size of a dict per entry (a site has one per claim)."""

    rank: int
    title: str
    href: str
    text: str

    def as_json(self) -> dict[str, str]:
        """The entry as the page's script reads it."""
        return {"href": self.href, "kind": KINDS[self.rank], "text": self.text, "title": self.title}


def entries(instruments: Iterable[Mapping[str, Any]], topics: Iterable[TopicPage],
            claims: Iterable[tuple[str, Mapping[str, Any]]], evidence: Mapping[str, Evidence],
            names: Mapping[str, str]) -> list[Entry]:
    """The index: one entry per instrument, topic and claim, each a title,
    the text searched beside it, its kind and the page (and place) it links to,
    in the order results of equal rank are listed in.
    ``claims`` are (instrument IRI, instrument-coverage row) pairs; ``names``
    maps instrument and topic IRIs to their page names."""
    found: list[Entry] = []
    labels: dict[str, str] = {}
    rank = {kind: n for n, kind in enumerate(KINDS)}
    for i in instruments:
        labels[i["instrument"]] = i["label"]
        details = [i["jurisdictionCode"], i["kind"], i["status"],
                   f"adopted {i['dateAdopted'].isoformat()}" if i["dateAdopted"] else None]
        found.append(Entry(rank["instrument"], i["label"], _href("instruments", names[i["instrument"]]),
                           ", ".join(str(d) for d in details if d)))
    for t in topics:
        found.append(Entry(rank["topic"], t.label, _href("topics", names[t.iri]),
                           " ".join(x for x in (t.definition, t.scope_note) if x)))
    for instrument, c in claims:
        e = evidence.get(c["claim"])
        text = [c["level"], c["citation"], f"per {c['sourceName']}", c["verification"], e.quote if e else None]
        found.append(Entry(rank["claim"], f"{labels.get(instrument, instrument)} on {c['topicLabel']}",
                           _href("instruments", names[instrument], f"claim-{c['topicSlug']}-{c['sourceSlug']}"),
                           "; ".join(str(x) for x in text if x)))
    found.sort()
    return found


def index_script(found: Iterable[Entry | Mapping[str, str]]) -> str:
    """``search-index.js``: the index as a JSON string in a JavaScript string
    literal, ASCII only (so U+2028 and U+2029 are escaped), with ``<``, ``>``
    and ``&`` escaped too, so that it stays inert wherever it is pasted.
    Written an entry at a time: the same text as the whole list dumped at
    once and dumped again as a string (both escape character by character;
    a test compares them).

    >>> index_script([{"title": "</script>\\u2028"}])
    'window.AIGOVKG_SEARCH = "[{\\\\"title\\\\":\\\\"\\\\u003c/script\\\\u003e\\\\u2028\\\\"}]";\\n'
    """
    parts = []
    for entry in found:
        text = json.dumps(entry.as_json() if isinstance(entry, Entry) else entry, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"))
        part = json.dumps(text, ensure_ascii=True)[1:-1]
        for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            part = part.replace(char, escape)
        parts.append(part)
    return f'window.AIGOVKG_SEARCH = "[{",".join(parts)}]";\n'

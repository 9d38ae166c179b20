"""The site's search: an index of instruments, topics and claims shipped as a
script (``search-index.js``) that assigns it as a JSON string, so that the
search page works from ``file://`` (where a page cannot fetch JSON) and from
any static server, with no CDN. The page's script (``search.js``) builds its
results with ``createElement``/``textContent`` and links only to relative
addresses made here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from aigovkg.model import Evidence, TopicPage

#: The order results of equal rank are listed in.
KINDS = ("topic", "instrument", "claim")


def _href(folder: str, name: str, anchor: str | None = None) -> str:
    """A relative link from the site's root, every part percent-encoded: the
    script accepts no other kind (no scheme, no ``..``)."""
    link = f"{folder}/{quote(name, safe='')}.html"
    return link + ("#" + quote(anchor, safe="") if anchor else "")


def entries(instruments: Iterable[Mapping[str, Any]], topics: Iterable[TopicPage],
            claims: Iterable[tuple[str, Mapping[str, Any]]], evidence: Mapping[str, Evidence],
            names: Mapping[str, str]) -> list[dict[str, str]]:
    """The index: one entry per instrument, topic and claim, each a title,
    the text searched beside it, its kind and the page (and place) it links to.
    ``claims`` are (instrument IRI, instrument-coverage row) pairs; ``names``
    maps instrument and topic IRIs to their page names."""
    found: list[dict[str, str]] = []
    labels: dict[str, str] = {}
    for i in instruments:
        labels[i["instrument"]] = i["label"]
        details = [i["jurisdictionCode"], i["kind"], i["status"],
                   f"adopted {i['dateAdopted'].isoformat()}" if i["dateAdopted"] else None]
        found.append({"kind": "instrument", "title": i["label"], "text": ", ".join(str(d) for d in details if d),
                      "href": _href("instruments", names[i["instrument"]])})
    for t in topics:
        found.append({"kind": "topic", "title": t.label,
                      "text": " ".join(x for x in (t.definition, t.scope_note) if x),
                      "href": _href("topics", names[t.iri])})
    for instrument, c in claims:
        e = evidence.get(c["claim"])
        text = [c["level"], c["citation"], f"per {c['sourceName']}", c["verification"], e.quote if e else None]
        found.append({"kind": "claim", "title": f"{labels.get(instrument, instrument)} on {c['topicLabel']}",
                      "text": "; ".join(str(x) for x in text if x),
                      "href": _href("instruments", names[instrument], f"claim-{c['topicSlug']}-{c['sourceSlug']}")})
    return sorted(found, key=lambda e: (KINDS.index(e["kind"]), e["title"], e["href"], e["text"]))


def index_script(found: list[dict[str, str]]) -> str:
    """``search-index.js``: the index as a JSON string in a JavaScript string
    literal, ASCII only (so U+2028 and U+2029 are escaped), with ``<``, ``>``
    and ``&`` escaped too, so that it stays inert wherever it is pasted.

    >>> index_script([{"title": "</script>\\u2028"}])
    'window.AIGOVKG_SEARCH = "[{\\\\"title\\\\":\\\\"\\\\u003c/script\\\\u003e\\\\u2028\\\\"}]";\\n'
    """
    text = json.dumps(found, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    literal = json.dumps(text, ensure_ascii=True)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        literal = literal.replace(char, escape)
    return f"window.AIGOVKG_SEARCH = {literal};\n"

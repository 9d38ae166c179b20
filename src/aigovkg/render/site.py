"""The static website: index (with the silence index), one page per topic,
instrument and jurisdiction, a timeline page per instrument with dated facts,
a deadline calendar (with its iCalendar file and Atom feed, written by the
generator of ``aigovkg calendar``), a compare page and a SPARQL page. No external
CDN; every link is relative, so the site works from ``file://`` and from any
static server. Each page embeds JSON-LD about its subject and a cite-this
block carrying the data version."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from aigovkg.api import KnowledgeGraph
from aigovkg.model import Evidence, SubjectRows, TopicPage, subject_rows, topic_pages
from aigovkg.namespaces import PREFIXES
from aigovkg.queries import first_queries, grouped_queries
from aigovkg.render import _TEMPLATES, _environment, page_name, search, weblink

if TYPE_CHECKING:
    import networkx as nx

    from aigovkg.plot import CoverageGrid

Put = Callable[[str, "str | bytes"], None]
SCHEMA = "https://schema.org"


def _slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _cite(title: str, iri: str, version: str, issued: str | None) -> dict[str, str]:
    year = (issued or "")[:4] or "n.d."
    key = "aigovkg-" + "".join(c if c.isalnum() else "-" for c in _slug(iri) or "site").strip("-")
    bibtex = (
        f"@misc{{{key},\n  title = {{{{{title}}}}},\n  author = {{{{aigovkg developers}}}},\n"
        f"  year = {{{year}}},\n  version = {{{version}}},\n  url = {{{iri}}},\n"
        f"  note = {{aigovkg data version {version}{', released ' + issued if issued else ''}}}\n}}"
    )
    apa = f"aigovkg developers. ({year}). {title} (Version {version}) [Data set]. {iri}"
    return {"bibtex": bibtex, "apa": apa}


@dataclass(frozen=True)
class Pictures:
    """What the site's pictures are drawn from: the coverage heatmap's grid,
    the tension graph and the topic similarity graph. It is small, and needs
    no store: the build hands it to the process that draws the pictures."""

    coverage: CoverageGrid
    tensions: nx.Graph
    topics: nx.Graph


def pictures_of(kg: KnowledgeGraph, coverage: list[dict[str, Any]], similarity: nx.Graph) -> Pictures:
    """The pictures' data, from the coverage-matrix rows and topic similarity
    graph the pages already have (and the tension graph, queried)."""
    from aigovkg import analyse
    from aigovkg.plot import coverage_grid

    return Pictures(coverage_grid(coverage), analyse.build(kg, "tension"), similarity)


def draw_pictures(pictures: Pictures, put: Put) -> None:
    """The site's pictures (``pictures/``), as SVG and PNG."""
    import io

    from aigovkg.plot import close, draw_heatmap, draw_network

    drawings: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("coverage-heatmap", lambda: draw_heatmap(pictures.coverage)),
        ("tension-network", lambda: draw_network(pictures.tensions, "tensions")),
        ("topic-network", lambda: draw_network(pictures.topics, "topics")))
    for name, draw in drawings:
        # One figure at a time, closed once written (a large graph's heatmap is
        # hundreds of MB).
        figure = draw()
        try:
            for fmt in ("svg", "png"):
                buffer = io.BytesIO()
                figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else {"Software": None})
                put(f"pictures/{name}.{fmt}", buffer.getvalue())
        finally:
            close(figure)


def write_pictures(kg: KnowledgeGraph, put: Put, coverage: list[dict[str, Any]], similarity: nx.Graph) -> None:
    """The site's pictures (``pictures/``), drawn from the coverage-matrix
    rows and topic similarity graph the pages already have. :func:`write_site`
    draws them unless told not to: the build has them drawn by another
    process, beside the pages (:func:`pictures_of`, :func:`draw_pictures`)."""
    draw_pictures(pictures_of(kg, coverage, similarity), put)


def _evidence_json(e: Evidence) -> dict[str, Any]:
    """A claim's evidence for the compare page's script: plain values, and only
    http(s) addresses (the script makes links of them and of nothing else)."""
    return {
        "verification": e.verification or "unverified", "pinpoint": e.pinpoint, "quotes": list(e.quotes), "note": e.note,
        "checkedOn": e.checked_on.isoformat() if e.checked_on else None,
        "notCheckedBecause": e.not_checked_because, "searchedFor": e.searched_for,
        "listedIn": e.listed_in,
        "documents": [{"role": d.role, "url": url, "tier": d.tier_label, "reproduces": d.reproduces}
                      for d in e.documents if (url := weblink(d.url))],
    }


def _compare_matrix(topics: list[dict[str, Any]], coverage: list[dict[str, Any]],
                    evidence: Mapping[str, Evidence]) -> tuple[Markup, dict[str, dict[str, str]]]:
    """The compare page's data: the text ``{{ matrix | tojson }}`` gives for
    ``{"topics": [...], "cells": {instrument: {topic: cell}}}`` (sorted keys,
    HTML-unsafe characters as Unicode escapes), made an instrument at a time,
    so that the cells of one instrument only are held as Python objects
    (traced on a 400 × 50 graph, the peak of making the page's data fell from
    32 MB to 22 MB); and each cell's level, by instrument and topic, for the
    default pair. A test compares the text with the filter's."""
    by_instrument: dict[str, dict[str, dict[str, Any]]] = {}
    for row in coverage:  # a later row for the same cell replaces an earlier one, as in a dict of cells
        by_instrument.setdefault(_slug(row["instrument"]), {})[_slug(row["topic"])] = row
    levels: dict[str, dict[str, str]] = {}
    parts = []
    for instrument in sorted(by_instrument):
        cells: dict[str, dict[str, Any]] = {}
        for topic, row in by_instrument[instrument].items():
            cell = {"level": row["level"], "citation": row["citation"], "source": row["sourceSlug"]}
            if row["claim"] in evidence:
                cell["evidence"] = _evidence_json(evidence[row["claim"]])
            cells[topic] = cell
        levels[instrument] = {topic: cell["level"] for topic, cell in cells.items()}
        parts.append(f"{json.dumps(instrument)}: {json.dumps(cells, sort_keys=True)}")
    listed = json.dumps([{"slug": t["slug"], "label": t["label"]} for t in topics], sort_keys=True)
    text = f'{{"cells": {{{", ".join(parts)}}}, "topics": {listed}}}'
    del parts
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escape)
    return Markup(text), levels


def _default_pair(instruments: list[dict[str, Any]], cells: Mapping[str, Mapping[str, str]]) -> tuple[str, str]:
    """The pair the compare page opens on: the two instruments with the most
    topics that both have assessed (a claim with a level other than
    not-assessed); ties go to the pair first in the instruments' order.
    Counted for all pairs at once as a product of 0/1 matrices (pair by pair,
    1,000 instruments took 6 s)."""
    import numpy as np

    if len(instruments) < 2:
        return "", ""
    topics = sorted({t for row in cells.values() for t in row})  # cells: each cell's level, by instrument and topic
    column = {t: n for n, t in enumerate(topics)}
    assessed = np.zeros((len(instruments), max(len(topics), 1)), dtype=np.int64)
    for n, i in enumerate(instruments):
        for t, level in cells.get(_slug(i["instrument"]), {}).items():
            if level != "not-assessed":
                assessed[n, column[t]] = 1
    shared = assessed @ assessed.T
    shared[np.tril_indices(len(instruments))] = -1  # pairs (a, b) with a before b only
    best = int(np.argmax(shared))  # the first maximum in row-major order: the first pair in the instruments' order
    a, b = divmod(best, len(instruments))
    return instruments[a]["slug"], instruments[b]["slug"]


#: The sources whose own silence index the index page shows beside the reviewed view's, by slug.
SILENCE_SOURCES = {"policy-window": "Policy Window"}


def write_site(kg: KnowledgeGraph, put: Put, *, pages: Mapping[str, TopicPage] | None = None,
               rows: SubjectRows | None = None, similarity: nx.Graph | None = None,
               coverage: list[dict[str, Any]] | None = None, silence: Mapping[str, Any] | None = None,
               silence_by_source: Mapping[str, Mapping[str, Any]] | None = None,
               progress: Callable[[str], None] = lambda _m: None, pictures: bool = True) -> int:
    """Render every page through ``put(relative_path, text)``; returns the page count.
    ``pages`` are the topic pages, ``rows`` the instrument and jurisdiction
    pages' rows, ``similarity`` the topic similarity graph and ``coverage`` the
    coverage-matrix rows (reviewed view), ``silence`` the ``silence-index``
    row (likewise) and ``silence_by_source`` its row for each source of
    :data:`SILENCE_SOURCES`, by slug, when the caller has already gathered them. The coverage
    matrix is queried at most once: it feeds the similarity graph, the
    compare page and the pictures (``pictures`` False: the caller draws
    them, with :func:`write_pictures`)."""
    env = _environment("html")
    version_rows = kg.results("dataset-version").records()
    version = str(version_rows[0]["version"]) if version_rows else "unversioned"
    issued = version_rows[0]["issued"].isoformat() if version_rows and version_rows[0]["issued"] else None
    count = 0

    def page(rel: str, template: str, title: str, iri: str, jsonld: dict[str, Any], **context: Any) -> None:
        nonlocal count
        root = "../" * rel.count("/")
        text = env.get_template(f"site/{template}").render(
            root=root, links=True, title=title, jsonld=jsonld, version=version, issued=issued,
            cite=_cite(title, iri, version, issued), **context,
        )
        put(rel, text)
        count += 1

    topics = kg.results("topics").records()
    instruments = kg.results("instruments").records()
    jurisdictions = kg.results("jurisdictions").records()
    if silence is None:
        silence = kg.rows("silence-index")[0]
    if silence_by_source is None:
        silence_by_source = {slug: kg.rows("silence-index", source=slug)[0] for slug in SILENCE_SOURCES}
    per_source = [(name, silence_by_source[slug]) for slug, name in SILENCE_SOURCES.items()]
    dataset_iri = "https://w3id.org/aigovkg/id/dataset"
    page("index.html", "index.html.j2", "aigovkg", dataset_iri,
         {"@context": SCHEMA, "@type": "Dataset", "@id": dataset_iri, "name": "aigovkg",
          "version": version, "license": "https://creativecommons.org/licenses/by/4.0/",
          "hasPart": [{"@type": "DefinedTerm", "@id": t["topic"], "name": t["label"]} for t in topics]},
         topics=topics, instruments=instruments, jurisdictions=jurisdictions, silence=silence,
         silence_by_source=per_source)

    if coverage is None:
        coverage = kg.results("coverage-matrix").records()
    if similarity is None:  # one graph for the topic pages' related topics and the topic-network picture
        from aigovkg import analyse

        similarity = analyse.topic_graph(kg, rows=coverage)
    rows = rows if rows is not None else subject_rows(kg)
    views = pages if pages is not None else topic_pages(kg, similarity=similarity, evidence=rows.evidence)
    for t in topics:
        progress(f"topic {t['slug']}")
        view = views[t["slug"]]
        page(f"topics/{page_name(kg, t['slug'], t['topic'])}.html", "topic.html.j2", view.label, view.iri,
             {"@context": SCHEMA, "@type": "DefinedTerm", "@id": view.iri, "name": view.label,
              "description": view.definition, "termCode": view.slug,
              "inDefinedTermSet": "https://w3id.org/aigovkg/id/topic"},
             page=view, s=view.summary)

    evidence = rows.evidence
    from aigovkg.timeline import timelines

    dated = timelines(kg, rows, instruments)
    for i in instruments:
        slug = page_name(kg, i["slug"], i["instrument"])
        facts = rows.instrument(i["instrument"], "instrument-facts")
        jsonld: dict[str, Any] = {"@context": SCHEMA, "@type": "Legislation", "@id": i["instrument"],
                                  "name": i["label"], "legislationJurisdiction": i["jurisdictionCode"]}
        if i["dateAdopted"]:
            jsonld["legislationDate"] = i["dateAdopted"].isoformat()
        if i["kind"]:
            jsonld["legislationType"] = i["kind"]
        if i["status"]:
            jsonld["legislationLegalForce"] = i["status"]
        page(f"instruments/{slug}.html", "instrument.html.j2", i["label"], i["instrument"], jsonld,
             i=i, facts=[{**f, "value": str(f["value"])} for f in facts],
             coverage=rows.instrument(i["instrument"], "instrument-coverage"),
             tensions=rows.instrument(i["instrument"], "instrument-tensions"),
             relations=rows.instrument(i["instrument"], "instrument-relations"),
             events=rows.instrument(i["instrument"], "instrument-events"),
             obligations=rows.instrument(i["instrument"], "obligations"), evidence=evidence,
             timeline=f"../timelines/{slug}.html" if i["instrument"] in dated else None)

    for i in instruments:
        if i["instrument"] in dated:
            slug = page_name(kg, i["slug"], i["instrument"])
            page(f"timelines/{slug}.html", "timeline.html.j2", f"Timeline: {i['label']}", i["instrument"],
                 {"@context": SCHEMA, "@type": "WebPage", "name": f"Timeline: {i['label']}",
                  "about": {"@type": "Legislation", "@id": i["instrument"], "name": i["label"]}},
                 t=dated[i["instrument"]])
    _calendar(kg, page, put, {i["instrument"]: page_name(kg, i["slug"], i["instrument"]) for i in instruments})

    for j in jurisdictions:
        page(f"jurisdictions/{page_name(kg, j['slug'], j['jurisdiction'])}.html", "jurisdiction.html.j2", j["label"], j["jurisdiction"],
             {"@context": SCHEMA, "@type": "AdministrativeArea", "@id": j["jurisdiction"], "name": j["label"],
              "identifier": j["code"]},
             j=j, instruments=rows.jurisdiction(j["jurisdiction"], "jurisdiction-instruments"),
             memberships=rows.jurisdiction(j["jurisdiction"], "jurisdiction-memberships"),
             gaps=rows.jurisdiction(j["jurisdiction"], "jurisdiction-gaps"))

    matrix, levels = _compare_matrix(topics, coverage, evidence)
    page("compare.html", "compare.html.j2", "Compare instruments", dataset_iri,
         {"@context": SCHEMA, "@type": "WebPage", "name": "Compare instruments", "isPartOf": dataset_iri},
         instruments=instruments, matrix=matrix, pair=_default_pair(instruments, levels))
    del matrix, levels
    page("sparql.html", "sparql.html.j2", "SPARQL", dataset_iri,
         {"@context": SCHEMA, "@type": "WebPage", "name": "Query aigovkg with SPARQL", "isPartOf": dataset_iri},
         first=list(first_queries().values()), groups=grouped_queries(), prefixes=list(PREFIXES.items()))
    names = {i["instrument"]: page_name(kg, i["slug"], i["instrument"]) for i in instruments}
    names.update({views[t["slug"]].iri: page_name(kg, t["slug"], t["topic"]) for t in topics})
    claims = [(i["instrument"], c) for i in instruments for c in rows.instrument(i["instrument"], "instrument-coverage")]
    put("search-index.js", search.index_script(search.entries(instruments, [views[t["slug"]] for t in topics], claims,
                                                              evidence, names)))
    page("search.html", "search.html.j2", "Search", dataset_iri,
         {"@context": SCHEMA, "@type": "SearchResultsPage", "name": "Search aigovkg", "isPartOf": dataset_iri})
    for asset in ("style.css", "search.js"):
        put(asset, (Path(_TEMPLATES) / "site" / asset).read_text(encoding="utf-8"))
    if pictures:
        write_pictures(kg, put, coverage, similarity)
    return count


def _calendar(kg: KnowledgeGraph, page: Callable[..., None], put: Put, slugs: Mapping[str, str]) -> None:
    """The calendar page, and beside it the iCalendar file and Atom feed made by
    :mod:`aigovkg.calendar`, the generator ``aigovkg calendar`` writes them with."""
    from aigovkg.calendar import calendar, render
    from aigovkg.model import document_tiers
    from aigovkg.queries import ROLES

    cal = calendar(kg)
    put("calendar.ics", render(cal, "ics"))
    put("calendar.atom", render(cal, "atom"))
    binds: dict[str, list[str]] = {}
    for role in ROLES:  # the entries each role sees, as `aigovkg calendar --role ROLE` lists them
        for row in calendar(kg, role=role).deadlines.records():
            binds.setdefault(str(row["entry"]), []).append(role)
    tiers = document_tiers(kg)
    basis = {str(r["entry"]): r for r in kg.results("timetable").records()}
    upcoming: list[dict[str, Any]] = []
    past: list[dict[str, Any]] = []
    for row in cal.deadlines.records():
        entry = basis[str(row["entry"])]
        page_url = entry["checkedAgainst"] or entry["evidence"]
        view = {"date": str(row["date"]), "slug": slugs[row["instrument"]], "entry_slug": _slug(str(row["entry"])),
                "instrument": row["instrumentLabel"], "scope": row["scope"], "duties": row["duties"],
                "obligations": row["obligations"], "moved_from": str(row["movedFrom"]) if row["movedFrom"] else None,
                "set_by": row["setBy"] if row["movedFrom"] else None, "roles": binds.get(str(row["entry"]), []),
                "verification": entry["verification"], "page": page_url, "checked": bool(entry["checkedAgainst"]),
                "tier": tiers.get(str(page_url or ""))}
        (upcoming if view["date"] > cal.issued else past).append(view)
    dataset_iri = "https://w3id.org/aigovkg/id/dataset"
    page("calendar.html", "calendar.html.j2", "Deadline calendar", dataset_iri,
         {"@context": SCHEMA, "@type": "WebPage", "name": "Deadline calendar", "isPartOf": dataset_iri},
         upcoming=upcoming, past=past[::-1], roles=list(ROLES), issued_day=cal.issued)

"""Cited answers to the questions people ask of the graph, as plain JSON-ready
dictionaries: which instruments there are, how a topic is covered, how two
instruments compare, which instruments are silent, where sources disagree.

Every coverage claim in an answer carries its level, its source, its citation
and pinpoint, and the documents it rests on as the graph records them (the
instrument's text it was checked against, or evidence pages; http(s)
addresses only), or why there is none. Each answer is assembled from named
queries; parameters are checked by the query layer's typed parameters and
bound, never written into query text. The MCP server
(:mod:`aigovkg.mcp_server`) is a thin layer over these functions.

    >>> import aigovkg
    >>> kg = aigovkg.load()
    >>> answer = silent_regimes(kg, "international-coordination", source="policy-window")
    >>> answer["count"], answer["regimes"][0]["level"], answer["regimes"][0]["source"]
    (14, 'silent', 'policy-window')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aigovkg import queries
from aigovkg.errors import InputError, UsageError
from aigovkg.model import Document, Evidence, claim_evidence
from aigovkg.namespaces import SLUG_NAMESPACES
from aigovkg.render import weblink
from aigovkg.results import ResultTable
from aigovkg.sparql import query_form

if TYPE_CHECKING:
    from aigovkg.api import KnowledgeGraph

#: The most rows (or triples) an answer to a named or ad-hoc query carries.
MAX_ROWS = 500

Cell = tuple[str, str, str]  # (topic IRI, instrument IRI, source slug): one source's claim on one cell


@dataclass(frozen=True)
class Backing:
    """What claims rest on (``claim-evidence``), by claim IRI and by cell."""

    by_claim: Mapping[str, Evidence]
    by_cell: Mapping[Cell, str]

    def for_cell(self, topic: str, instrument: str, source: str) -> Evidence | None:
        claim = self.by_cell.get((topic, instrument, source))
        return self.by_claim.get(claim) if claim else None


# ----------------------------------------------------------------- helpers


def plain(value: Any) -> Any:
    """A query value as JSON: dates as ISO text, decimals as text (no rounding).

    >>> plain(dt.date(2024, 6, 13)), plain(Decimal("0.10")), plain(3)
    ('2024-06-13', '0.10', 3)
    """
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _slug(iri: str | None, kind: str) -> str | None:
    """The slug of a topic, instrument, jurisdiction or source IRI."""
    namespace = SLUG_NAMESPACES[kind]
    return iri[len(namespace):] if iri and iri.startswith(namespace) else iri


def _checked(kind: str, value: str) -> str:
    """A slug checked by the query layer's typed parameter of that kind."""
    term = queries.Param(kind, kind, False, f"a {kind} slug").to_term(value)
    return str(_slug(term.value, kind))


def _known(kind: str, slug: str, known: Iterable[str], lister: str) -> None:
    """Refuse a well-formed slug that names nothing in the graph, listing what does."""
    names = sorted(known)
    if slug not in names:
        raise InputError(f"no {kind} {slug!r} in the graph; {lister} lists them ({', '.join(names)})")


def _backing(kg: KnowledgeGraph, **params: Any) -> Backing:
    """What the claims selected by ``params`` (topic, instrument, source) rest on."""
    rows = kg.results("claim-evidence", **params).records()
    cells = {(r["topic"], r["instrument"], r["sourceSlug"]): r["claim"] for r in rows}
    return Backing(claim_evidence(rows), cells)


def _documents(documents: Iterable[Document]) -> list[dict[str, Any]]:
    """Documents as links: http(s) addresses only, whatever the graph says."""
    return [{"url": url, "tier": d.tier_label or d.tier, "reproduces": d.reproduces}
            for d in documents if (url := weblink(d.url))]


# What a claim resting on nothing recorded shows.
_NOTHING = dict.fromkeys(("pinpoint", "quote", "checkedOn", "listedIn", "notCheckedBecause", "searchedFor", "note"))


def _rests_on(evidence: Evidence | None) -> dict[str, Any]:
    """What one claim rests on: pinpoint, quoted words, the documents and the day
    they were checked, or why the instrument's text was not read."""
    if evidence is None:
        return dict(_NOTHING, quotes=[], checkedAgainst=[], evidence=[])
    return {
        "pinpoint": evidence.pinpoint,
        "quote": evidence.quote,
        "quotes": list(evidence.quotes),
        "checkedOn": plain(evidence.checked_on),
        "checkedAgainst": _documents(evidence.checked_against),
        "evidence": _documents(evidence.evidence),
        "listedIn": evidence.listed_in,
        "notCheckedBecause": evidence.not_checked_because,
        "searchedFor": evidence.searched_for,
        "note": evidence.note,
    }


def _claim(level: str | None, source: str | None, citation: str | None, verification: str | None,
           evidence: Evidence | None, *, claim: str | None = None) -> dict[str, Any]:
    """One coverage claim as an answer: level, source, citation and what it rests on."""
    return {"claim": claim or (evidence.claim if evidence else None), "level": level, "source": source,
            "citation": citation, "verification": verification, **_rests_on(evidence)}


def _coverage_claim(row: Mapping[str, Any], by_claim: Mapping[str, Evidence]) -> dict[str, Any]:
    """A claim from a coverage query's row (its ``claim``, ``level``, ``sourceSlug``,
    ``citation``, ``verification`` and, where the query gives it, ``confidence``)."""
    found = _claim(row.get("level"), row.get("sourceSlug"), row.get("citation"), row.get("verification"),
                   by_claim.get(row.get("claim") or ""), claim=row.get("claim"))
    return found | {"confidence": row["confidence"]} if "confidence" in row else found


def _table(result: ResultTable, max_rows: int) -> dict[str, Any]:
    """Rows of a SELECT as JSON, at most ``max_rows`` of them."""
    records = result.records()
    return {"columns": list(result.columns),
            "rows": [{k: plain(v) for k, v in r.items()} for r in records[:max_rows]],
            "rowCount": len(records), "truncated": len(records) > max_rows}


# ----------------------------------------------------------------- answers


def list_topics(kg: KnowledgeGraph) -> dict[str, Any]:
    """The topics of the scheme, with how many instruments have a claim on each."""
    rows = kg.results("topics").records()
    return {"topics": [{"topic": r["slug"], "label": r["label"], "iri": r["topic"], "instruments": r["instruments"]}
                       for r in rows], "count": len(rows)}


def find_instruments(kg: KnowledgeGraph, *, text: str | None = None,
                     jurisdiction: str | None = None) -> dict[str, Any]:
    """The tracked instruments whose label or slug holds ``text`` (in any case),
    of one jurisdiction (its subnational parts' included) when it is given."""
    if text is not None and len(text) > queries.MAX_PARAM_CHARS:
        raise InputError(f"text: longer than {queries.MAX_PARAM_CHARS} characters")
    rows = kg.results("instruments").records()
    if jurisdiction:
        slug = _checked("jurisdiction", jurisdiction)
        _known("jurisdiction", slug, (r["slug"] for r in kg.results("jurisdictions").records()),
               "the named query jurisdictions")
        within = set(kg.results("jurisdiction-instruments", jurisdiction=slug).column("instrument"))
        rows = [r for r in rows if r["instrument"] in within]
    if text:
        wanted = text.casefold()
        rows = [r for r in rows if wanted in r["label"].casefold() or wanted in r["slug"]]
    found = [{"instrument": r["slug"], "label": r["label"], "iri": r["instrument"],
              "jurisdiction": r["jurisdictionCode"], "kind": r["kind"], "status": r["status"],
              "dateAdopted": plain(r["dateAdopted"])} for r in rows]
    return {"instruments": found, "count": len(found)}


def _topic(kg: KnowledgeGraph, topic: str) -> dict[str, Any]:
    """The topic's label, definition and scope note; an error naming the topics if there is none."""
    slug = _checked("topic", topic)
    rows = kg.results("topic", topic=slug).records()
    if not rows:
        _known("topic", slug, kg.results("topics").column("slug"), "list_topics")
    row = rows[0]
    return {"topic": slug, "label": row["label"], "definition": row["definition"], "scopeNote": row["scopeNote"]}


def topic_coverage(kg: KnowledgeGraph, topic: str, *, source: str | None = None) -> dict[str, Any]:
    """How every tracked instrument treats a topic, each claim cited: this
    project's reviewed claim where there is one, else other sources' claims;
    with ``source``, only that source's claims. The summary counts the levels."""
    about = _topic(kg, topic)
    params: dict[str, Any] = {"topic": about["topic"], "source": source}
    rows = kg.results("topic-coverage", **params).records()
    if source and not rows:
        raise InputError(f"no claims of source {source!r} on topic {about['topic']!r}")
    summary = kg.results("topic-coverage-summary", **params).records()
    backing = _backing(kg, **params)
    claims = [{"instrument": _slug(r["instrument"], "instrument"), "instrumentLabel": r["instrumentLabel"],
               "jurisdiction": r["jurisdictionCode"], "dateAdopted": plain(r["dateAdopted"]),
               **_coverage_claim(r, backing.by_claim)} for r in rows]
    counts = {k: v for k, v in summary[0].items() if k != "topic"} if summary else {}
    return {**about, "view": source or "reviewed", "summary": counts, "claims": claims}


def compare_instruments(kg: KnowledgeGraph, first: str, second: str, *,
                        source: str | None = None) -> dict[str, Any]:
    """Two instruments side by side, topic by topic, each claim cited (the
    reviewed view, or one source's claims), with the tensions and relations
    the graph records between them."""
    slugs = (_checked("instrument", first), _checked("instrument", second))
    if slugs[0] == slugs[1]:
        raise InputError(f"compare needs two different instruments, got {slugs[0]!r} twice")
    listed = {r["slug"]: r for r in kg.results("instruments").records()}
    for slug in slugs:
        _known("instrument", slug, listed, "find_instruments")
    a, b = (listed[s] for s in slugs)
    cells = [r for r in kg.results("coverage-matrix", source=source).records()
             if r["instrument"] in (a["instrument"], b["instrument"])]
    backing = {**_backing(kg, instrument=slugs[0], source=source).by_claim,
               **_backing(kg, instrument=slugs[1], source=source).by_claim}
    topics: dict[str, dict[str, Any]] = {}
    for row in sorted(cells, key=lambda r: (r["topicLabel"], r["sourceSlug"])):
        entry = topics.setdefault(row["topic"], {"topic": _slug(row["topic"], "topic"), "topicLabel": row["topicLabel"],
                                                 "first": [], "second": []})
        side = "first" if row["instrument"] == a["instrument"] else "second"
        entry[side].append(_coverage_claim(row, backing))
    for entry in topics.values():
        entry["sameLevels"] = {c["level"] for c in entry["first"]} == {c["level"] for c in entry["second"]}
    tensions = [{"topic": _slug(t["topic"], "topic"), "topicLabel": t["topicLabel"], "kind": t["kind"],
                 "citation": t["citation"], "source": t["sourceName"], "iri": t["tension"]}
                for t in kg.results("instrument-tensions", instrument=slugs[0], source=source).records()
                if t["other"] == b["instrument"]]
    relations = [{"direction": r["direction"], "kind": r["kind"], "citation": r["citation"],
                  "source": r["sourceName"], "verification": r["verification"]}
                 for r in kg.results("instrument-relations", instrument=slugs[0]).records()
                 if r["other"] == b["instrument"]]
    return {"first": _instrument(a), "second": _instrument(b), "view": source or "reviewed",
            "topics": list(topics.values()), "tensions": tensions, "relations": relations}


def _instrument(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"instrument": row["slug"], "label": row["label"], "iri": row["instrument"],
            "jurisdiction": row["jurisdictionCode"], "kind": row["kind"], "status": row["status"],
            "dateAdopted": plain(row["dateAdopted"])}


def silent_regimes(kg: KnowledgeGraph, topic: str | None = None, *, source: str | None = None) -> dict[str, Any]:
    """The instruments that are silent on a topic (every topic without one),
    each with the claim that records the silence: silence is a recorded claim,
    never inferred from absence, and cells not assessed are not silence."""
    slug = _topic(kg, topic)["topic"] if topic else None
    params: dict[str, Any] = {"topic": slug, "source": source}
    rows = kg.results("topic-silent-regimes", **params).records()
    claims = {(r["topic"], r["instrument"], r["sourceName"]): r for r in kg.results("topic-coverage", **params)}
    backing = _backing(kg, **params)
    regimes = [{"topic": _slug(r["topic"], "topic"), "instrument": _slug(r["instrument"], "instrument"),
                "instrumentLabel": r["instrumentLabel"], "jurisdiction": r["jurisdictionCode"],
                "dateAdopted": plain(r["dateAdopted"]),
                **_coverage_claim(claims.get((r["topic"], r["instrument"], r["sourceName"]), {}), backing.by_claim)}
               for r in rows]
    return {"topic": slug, "view": source or "reviewed", "regimes": regimes, "count": len(regimes)}


def disagreements(kg: KnowledgeGraph, topic: str | None = None) -> dict[str, Any]:
    """Cells where two sources give the same instrument different levels on a
    topic, with both claims cited. A cell a source could not assess is no
    disagreement."""
    slug = _topic(kg, topic)["topic"] if topic else None
    rows = kg.results("disagreements", topic=slug).records()
    backing = _backing(kg, topic=slug)
    found = []
    for r in rows:
        sides = [_claim(r[f"level{s}"], r[f"source{s}"], r[f"citation{s}"], r[f"verification{s}"],
                        backing.for_cell(r["topic"], r["instrument"], r[f"source{s}"])) for s in "AB"]
        found.append({"topic": _slug(r["topic"], "topic"), "topicLabel": r["topicLabel"],
                      "instrument": _slug(r["instrument"], "instrument"), "instrumentLabel": r["instrumentLabel"],
                      "claims": sides})
    return {"topic": slug, "disagreements": found, "count": len(found)}


def obligations(kg: KnowledgeGraph, *, instrument: str | None = None, role: str | None = None,
                topic: str | None = None, on: str | None = None) -> dict[str, Any]:
    """Who must (or must not, or may) do what, with the provision, the
    instrument's own words and the page they were read on; with ``on``, as the
    law stood that day (``certain`` is false where it depends on an amendment's
    unrecorded entry into force, and ``appliesFrom`` then gives both dates)."""
    params: dict[str, Any] = {"instrument": instrument, "role": role, "topic": topic, "on": on}
    rows = kg.results("obligations", **{k: v for k, v in params.items() if v}).records()
    found = [{"instrument": _slug(r["instrument"], "instrument"), "role": r["duty"], "force": r["force"],
              "action": r["action"], "pinpoint": r["pinpoint"], "quote": r["quote"], "scope": r["scope"],
              "appliesFrom": r["appliesFrom"], "certain": r["certain"], "timetable": r["timetable"],
              "setBy": r["setBy"], "verification": r["verification"],
              "restsOn": [{"role": role_, "url": url} for role_, url in
                          (("checked-against", r["checkedAgainst"]), ("evidence", r["evidence"]))
                          if url and weblink(url)],
              "obligation": r["obligation"]} for r in rows]
    return {**params, "obligations": found, "count": len(found)}


def deadlines(kg: KnowledgeGraph, *, role: str | None = None, jurisdiction: str | None = None,
              instrument: str | None = None, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """The days from which parts of instruments start to apply, as their
    timetables stand, with the roles bound, and the date a deadline moved from."""
    params: dict[str, Any] = {"role": role, "jurisdiction": jurisdiction, "instrument": instrument, "from": start,
                              "to": end}
    rows = kg.results("deadlines", **{k: v for k, v in params.items() if v}).records()
    found = [{"date": plain(r["date"]), "instrument": _slug(r["instrument"], "instrument"), "scope": r["scope"],
              "role": r["duty"], "obligations": r["obligations"], "timetable": r["timetable"], "setBy": r["setBy"],
              "movedFrom": plain(r["movedFrom"]), "entry": r["entry"]} for r in rows]
    return {**params, "deadlines": found, "count": len(found)}


def list_queries() -> dict[str, Any]:
    """The named queries: what each answers, its form and its typed parameters."""
    return {"queries": [{"name": q.name, "description": q.description, "form": q.form,
                         "params": [{"name": p.name, "type": p.type, "optional": p.optional,
                                     "description": p.description} for p in q.params]}
                        for q in queries.named_queries().values()]}


def named_query(kg: KnowledgeGraph, name: str, params: Mapping[str, Any] | None = None, *,
                max_rows: int = MAX_ROWS) -> dict[str, Any]:
    """The rows of a named SELECT query, its parameters checked by their
    declared types and bound before it runs; at most ``max_rows`` rows."""
    registry = queries.named_queries()
    if name not in registry:
        close = [n for n in registry if name in n or n in name][:5]
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InputError(f"no query named {name!r}; {hint}list_queries lists them")
    named = registry[name]
    given = dict(params or {})
    named.bindings(given)  # refuse bad parameters before anything runs
    if named.form != "SELECT":
        raise UsageError(f"query {name} is a {named.form} query; only SELECT queries answer with rows")
    return {"query": name, "description": named.description, "params": given,
            **_table(kg.results(name, **given), max_rows)}


def sparql(kg: KnowledgeGraph, text: str, *, timeout: float, max_rows: int = MAX_ROWS) -> dict[str, Any]:
    """An ad-hoc read-only query through :meth:`KnowledgeGraph.sparql_results`:
    the guard refuses SERVICE, LOAD, remote FROM and updates before anything
    runs; on the embedded graph the query runs in a worker with no network,
    stopped after ``timeout`` seconds. At most ``max_rows`` rows or triples."""
    result = kg.sparql_results(text, timeout=timeout)
    if isinstance(result, bool):
        return {"form": "ASK", "boolean": result}
    if isinstance(result, ResultTable):
        return {"form": "SELECT", **_table(result, max_rows)}
    triples = sorted(f"{t} ." for t in result)
    return {"form": query_form(text), "triples": triples[:max_rows], "tripleCount": len(triples),
            "truncated": len(triples) > max_rows}

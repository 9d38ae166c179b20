"""The view model: frozen dataclasses that pages are rendered from, each field
filled from a named query. Nothing here is typed in; every number and list
comes from the graph."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from aigovkg.api import KnowledgeGraph
from aigovkg.errors import InputError

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True, slots=True)
class Document:
    """A web document a claim rests on: its address, its role for the claim
    (``checked-against``: the instrument's text that was read; ``evidence``: a
    page about it) and its tier."""

    url: str
    role: str
    tier: str | None
    tier_label: str | None
    reproduces: str | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one coverage claim rests on, as the graph records it."""

    claim: str
    source: str
    level: str
    verification: str | None
    pinpoint: str | None
    quotes: tuple[str, ...]
    note: str | None
    checked_on: dt.date | None
    not_checked_because: str | None
    searched_for: str | None
    listed_in: str | None
    documents: tuple[Document, ...]

    @property
    def quote(self) -> str | None:
        """The quoted words; a claim quoting several passages gives them one after another, each in
        its own paragraph (``quotes`` has them apart)."""
        return "\n\n".join(self.quotes) or None

    @property
    def checked_against(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.role == "checked-against")

    @property
    def evidence(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.role == "evidence")


def claim_evidence(rows: list[dict[str, Any]]) -> dict[str, Evidence]:
    """Group ``claim-evidence`` rows (one per claim and document) by claim IRI.

    >>> rows = [{"claim": "c", "sourceSlug": "aigovkg", "level": "governs", "verification": "verified",
    ...          "pinpoint": "Art. 1", "quote": "q", "note": None, "checkedOn": None, "notCheckedBecause": None,
    ...          "searchedFor": None, "listedIn": None, "role": "checked-against", "document": "https://example.org/t",
    ...          "tier": "official-text", "tierLabel": "official text", "reproduces": None}]
    >>> claim_evidence(rows)["c"].checked_against[0].url
    'https://example.org/t'
    """
    documents: dict[str, list[Document]] = {}
    quotes: dict[str, set[str]] = {}
    first: dict[str, dict[str, Any]] = {}
    for row in rows:  # one row per claim, document and quote: a claim quoting n passages repeats its documents n times
        claim = row["claim"]
        first.setdefault(claim, row)
        if row.get("quote"):
            quotes.setdefault(claim, set()).add(row["quote"])
        if row.get("document"):
            document = Document(row["document"], row["role"], row.get("tier"), row.get("tierLabel"), row.get("reproduces"))
            if document not in documents.setdefault(claim, []):
                documents[claim].append(document)
    return {
        # quotes in a fixed order (their text's), whatever order the engine returns them in
        claim: Evidence(claim, row["sourceSlug"], row["level"], row.get("verification"), row.get("pinpoint"),
                        tuple(sorted(quotes.get(claim, ()))), row.get("note"), row.get("checkedOn"),
                        row.get("notCheckedBecause"), row.get("searchedFor"), row.get("listedIn"),
                        tuple(documents.get(claim, ())))
        for claim, row in first.items()
    }


@dataclass(frozen=True, slots=True)
class CoverageRow:
    instrument: str
    label: str
    jurisdiction: str
    level: str
    citation: str | None
    reference_code: str | None
    source: str
    confidence: str | None
    verification: str | None
    date_adopted: dt.date | None
    claim: str | None = None
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    instruments: int
    governs: int
    implicit: int
    silent: int
    conflicts: int
    not_assessed: int = 0

    @property
    def addressing(self) -> int:
        return self.governs + self.implicit + self.conflicts


@dataclass(frozen=True, slots=True)
class Primacy:
    instrument: str
    label: str
    date_adopted: dt.date
    level: str
    source: str


@dataclass(frozen=True, slots=True)
class Tension:
    kind: str
    kind_label: str
    first: str
    first_label: str
    second: str
    second_label: str
    citation: str | None
    source: str


@dataclass(frozen=True, slots=True)
class SilentRegime:
    instrument: str
    label: str
    jurisdiction: str


@dataclass(frozen=True, slots=True)
class Reference:
    code: str | None
    instrument: str
    label: str
    citation: str


@dataclass(frozen=True, slots=True)
class RelatedTopic:
    topic: str
    slug: str
    label: str
    relation: str
    reason: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    instrument: str
    label: str
    source_a: str
    level_a: str
    citation_a: str | None
    verification_a: str | None
    source_b: str
    level_b: str
    citation_b: str | None
    verification_b: str | None


@dataclass(frozen=True, slots=True)
class Rated:
    label: str
    value: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Crux:
    position: int
    title: str
    side_a: str
    side_b: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ApproachEvaluation:
    """A source's evaluation of the topic as an approach, in the form of its page."""

    iri: str
    title: str
    description: str | None
    approach: str | None
    tension: str | None
    source: str
    dimensions: tuple[Rated, ...]
    efforts: tuple[Rated, ...]
    why_it_matters: tuple[str, ...]
    good_fit_if: tuple[str, ...]
    less_relevant_if: tuple[str, ...]
    cruxes: tuple[Crux, ...]


@dataclass(frozen=True, slots=True)
class NotInEffect:
    """An instrument with a claim on the topic that was not in effect on the
    page's day (or not known to be), with why and the page its date rests on."""

    instrument: str
    label: str
    jurisdiction: str
    level: str
    source: str
    state: str
    known: bool  # False where the dates needed are not recorded
    page: str | None
    verification: str | None
    tier: str | None


@dataclass(frozen=True, slots=True)
class ObligationOn:
    """An obligation under the topic that applied on the page's day."""

    instrument: str
    duty: str
    force: str
    action: str
    pinpoint: str
    quote: str
    scope: str
    applies_from: str
    certain: bool
    timetable: str
    set_by: str | None
    verification: str
    checked_against: str | None
    evidence: str | None
    tier: str | None


@dataclass(frozen=True, slots=True)
class TopicPage:
    """Everything a topic page shows."""

    slug: str
    iri: str
    label: str
    definition: str
    scope_note: str | None
    defined_by: str | None
    source: str | None
    summary: Summary
    primacy: tuple[Primacy, ...]
    since_primacy: tuple[tuple[str, int], ...]
    tensions: tuple[Tension, ...]
    coverage: tuple[CoverageRow, ...]
    silent: tuple[SilentRegime, ...]
    related: tuple[RelatedTopic, ...]
    related_note: str
    references: tuple[Reference, ...]
    disagreements: tuple[Disagreement, ...]
    evaluations: tuple[ApproachEvaluation, ...]
    topics_in_graph: int
    data_version: str | None
    data_issued: dt.date | None
    # With a day (``topic_page(..., on=DAY)``): the page as it applied that day.
    on: dt.date | None = None
    not_in_effect: tuple[NotInEffect, ...] = ()
    obligations: tuple[ObligationOn, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The page as plain JSON values: what ``dataclasses.asdict`` gives, with
        lists for tuples and ISO dates (in one pass, without asdict's copies)."""
        return _jsonable(self)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def json_default(value: Any) -> Any:
    """What JSON writes for a value of a page that is not JSON's own type (the
    ``default`` of ``json.dumps``): a dataclass as an object of its fields, a
    date in ISO form. ``json.dumps(page, default=json_default)`` writes the
    same as ``json.dumps(page.to_dict())``, which a test checks."""
    if is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float)) or value is None:
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _jsonable(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


Rows = dict[str, list[dict[str, Any]]]  # query name -> its rows about one subject


def grouped_rows(kg: KnowledgeGraph, queries: Mapping[str, tuple[str, ...]], *,
                 params: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Rows]:
    """Run each query once and group its rows by subject IRI: ``queries`` maps
    a query name to the columns that name the subjects a row belongs to (a
    membership belongs to its member's page and its organisation's page);
    ``params`` gives a query's parameters by its name.

    Pages are built this way, one run of each query for all their subjects,
    instead of one run per subject and query; each subject's rows keep the
    query's order, which is the order of the same query run for it alone
    (the queries sort by their subject first)."""
    grouped: dict[str, Rows] = {}
    for name, columns in queries.items():
        for row in kg.rows(name, **(params or {}).get(name, {})):
            for subject in dict.fromkeys(row[c] for c in columns):
                grouped.setdefault(subject, {}).setdefault(name, []).append(row)
    return grouped


# The queries behind each kind of page, and the columns naming their subjects.
TOPIC_QUERIES = {name: ("topic",) for name in (
    "topic-coverage-summary", "topic-primacy", "topic-tensions", "topic-coverage", "topic-silent-regimes",
    "topic-references", "disagreements")}
APPROACH_QUERIES = ("approach-evaluation", "approach-items", "approach-cruxes")
#: What :func:`topic_pages` runs once for all topics: the rows that are not
#: computed from the coverage rows (see :func:`derived_topic_rows`).
TOPIC_PAGE_QUERIES = {name: ("topic",) for name in (
    "topic", "topic-tensions", "topic-coverage", "disagreements", "topic-related", *APPROACH_QUERIES)}
INSTRUMENT_QUERIES = {name: ("instrument",) for name in (
    "instrument-facts", "instrument-coverage", "instrument-tensions", "instrument-relations", "instrument-events",
    "obligations")}
JURISDICTION_QUERIES = {"jurisdiction-instruments": ("jurisdiction",),
                        "jurisdiction-memberships": ("member", "organisation"),
                        "jurisdiction-gaps": ("jurisdiction",)}


@dataclass(frozen=True, slots=True)
class SubjectRows:
    """The rows behind every instrument and jurisdiction page, by subject IRI,
    and what every claim rests on, by claim IRI."""

    instruments: dict[str, Rows]
    jurisdictions: dict[str, Rows]
    evidence: Mapping[str, Evidence]

    def instrument(self, iri: str, query: str) -> list[dict[str, Any]]:
        return self.instruments.get(iri, {}).get(query, [])

    def jurisdiction(self, iri: str, query: str) -> list[dict[str, Any]]:
        return self.jurisdictions.get(iri, {}).get(query, [])


def all_evidence(kg: KnowledgeGraph) -> dict[str, Evidence]:
    """What every claim in the graph rests on, by claim IRI (``claim-evidence`` run once)."""
    return claim_evidence(kg.rows("claim-evidence"))


def subject_rows(kg: KnowledgeGraph, *, evidence: Mapping[str, Evidence] | None = None,
                 coverage: Mapping[str, list[dict[str, Any]]] | None = None) -> SubjectRows:
    """Gather the instrument and jurisdiction pages' rows, each query run once;
    ``evidence`` and ``coverage`` are what :func:`claims_gathered` gives, when
    the caller already has them (``instrument-coverage`` then does not run)."""
    queries = {name: columns for name, columns in INSTRUMENT_QUERIES.items()
               if coverage is None or name != "instrument-coverage"}
    instruments = grouped_rows(kg, queries)
    for iri, rows in (coverage or {}).items():
        instruments.setdefault(iri, {})["instrument-coverage"] = rows
    return SubjectRows(instruments, grouped_rows(kg, JURISDICTION_QUERIES),
                       evidence if evidence is not None else all_evidence(kg))


_INSTRUMENT_COVERAGE = ("instrument", "topic", "topicSlug", "topicLabel", "level", "citation", "sourceSlug",
                        "sourceName", "confidence", "verification", "claim")


def claims_gathered(kg: KnowledgeGraph) -> tuple[dict[str, Evidence], dict[str, list[dict[str, Any]]]]:
    """What every claim rests on (:func:`all_evidence`) and every instrument's
    ``instrument-coverage`` rows, by instrument IRI, from one run of
    ``claim-evidence``: each claim once, with its topic's notation and label,
    in the query's order. On a graph that passes the shapes (one level,
    citation, confidence and verification per claim, one notation and label
    per topic and source) they are the query's rows, which a test checks."""
    evidence, claims = claims_read(kg)
    return evidence, claims_by_instrument(claims)


def claims_read(kg: KnowledgeGraph) -> tuple[dict[str, Evidence], dict[str, dict[str, Any]]]:
    """One run of ``claim-evidence``: what every claim rests on, by claim IRI,
    and each claim once (the columns of ``instrument-coverage``, with its
    topic's notation and label), by claim IRI, in the query's order."""
    rows = kg.rows("claim-evidence")
    topics = {t["topic"]: t for t in kg.rows("topics")}
    claims: dict[str, dict[str, Any]] = {}
    for row in rows:
        topic = topics.get(row["topic"])
        if topic is not None and row["sourceName"] is not None and row["claim"] not in claims:
            claims[row["claim"]] = {**{k: row.get(k) for k in _INSTRUMENT_COVERAGE},
                                    "topicSlug": topic["slug"], "topicLabel": topic["label"]}
    return claim_evidence(rows), claims


def claims_by_instrument(claims: Mapping[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every instrument's ``instrument-coverage`` rows, by instrument IRI, from
    :func:`claims_read`'s claims."""
    by_instrument: dict[str, list[dict[str, Any]]] = {}
    for claim in sorted(claims.values(), key=lambda c: (c["instrument"], c["topicLabel"], c["sourceSlug"], c["claim"])):
        by_instrument.setdefault(claim["instrument"], []).append(claim)
    return by_instrument


_TOPIC_COVERAGE = ("topic", "instrument", "instrumentLabel", "jurisdictionCode", "level", "citation", "referenceCode",
                   "sourceSlug", "sourceName", "confidence", "verification", "dateAdopted", "claim")
#: The notation of the source whose claim, where a cell has one, is the reviewed view's.
REVIEWED_SOURCE = "aigovkg"


def topic_coverage_rows(kg: KnowledgeGraph, claims: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The rows of ``topic-coverage`` (reviewed view, every topic) computed
    from :func:`claims_read`'s claims and two small queries (``instruments``
    for each instrument's label, jurisdiction code and date of adoption,
    ``instrument-references`` for the codes each source gives it), in the
    query's order: each cell's reviewed claim where it has one, else every
    other source's. The query joins each of 220,000 claims to its cell's
    reviewed claim, its instrument's facts and its source's references (about
    10 s on the medium benchmark graph); this reads what the build has already
    read. None where the instruments' rows are not one per instrument or a
    claim's instrument has none (a graph that fails the shapes): the caller
    then runs the query. ``tests/test_queries.py`` checks the rows against it."""
    facts: dict[str, dict[str, Any]] = {}
    for row in kg.rows("instruments"):
        if row["instrument"] in facts or not (row["dateAdopted"] is None or isinstance(row["dateAdopted"], dt.date)):
            return None
        facts[row["instrument"]] = row
    codes: dict[tuple[str, str], list[str]] = {}
    for row in kg.rows("instrument-references"):
        codes.setdefault((row["instrument"], row["sourceSlug"]), []).append(row["referenceCode"])
    reviewed = {(c["topic"], c["instrument"]) for c in claims.values() if c["sourceSlug"] == REVIEWED_SOURCE}
    rows = []
    for c in claims.values():
        if c["sourceSlug"] != REVIEWED_SOURCE and (c["topic"], c["instrument"]) in reviewed:
            continue
        fact = facts.get(c["instrument"])
        if fact is None:
            return None
        row = {k: c.get(k) for k in _TOPIC_COVERAGE} | {
            "instrumentLabel": fact["label"], "jurisdictionCode": fact["jurisdictionCode"],
            "dateAdopted": fact["dateAdopted"]}
        for code in codes.get((c["instrument"], c["sourceSlug"]), [None]):
            rows.append(row | {"referenceCode": code})

    def in_order(r: dict[str, Any]) -> tuple[Any, ...]:
        # The query's ORDER BY ?topic (!BOUND(?dateAdopted)) ?dateAdopted STR(?instrumentLabel)
        # STR(?sourceSlug) ?instrument COALESCE(STR(?referenceCode), "") ?claim
        date = r["dateAdopted"]
        return (r["topic"], date is None, date or dt.date.min, str(r["instrumentLabel"]), str(r["sourceSlug"]),
                r["instrument"], r["referenceCode"] or "", r["claim"])

    return sorted(rows, key=in_order)


def _topic_rows(kg: KnowledgeGraph, slug: str | None, source: str | None) -> dict[str, Rows]:
    """Rows of the topic-page queries, grouped by topic IRI then query name."""
    params = {name: ({"topic": slug} if slug else {}) | ({"source": source} if source and name != "disagreements"
                                                          else {})
              for name in TOPIC_QUERIES}
    return grouped_rows(kg, TOPIC_QUERIES, params=params)


def _regimes_since(coverage: tuple[CoverageRow, ...], since: dt.date) -> tuple[tuple[str, int], ...]:
    """Instruments adopted after ``since`` at each level, from the coverage rows
    (the same claims and count as the ``topic-regimes-since`` query)."""
    by_level: dict[str, set[str]] = {}
    for row in coverage:
        if isinstance(row.date_adopted, dt.date) and row.date_adopted > since:
            by_level.setdefault(row.level, set()).add(row.instrument)
    return tuple((level, len(by_level[level])) for level in sorted(by_level))


def topic_page(kg: KnowledgeGraph, slug: str, *, source: str | None = None,
               on: str | dt.date | None = None,
               similarity: nx.Graph | None = None,
               _rows: Rows | None = None,
               _topics: int | None = None,
               _evidence: Mapping[str, Evidence] | None = None,
               _version: list[dict[str, Any]] | None = None) -> TopicPage:
    """Gather a topic page from the named queries. ``similarity`` is the topic
    similarity graph of the same view, when the caller already has it.

    With ``on`` (a day, ``YYYY-MM-DD``), the page as it applied that day: the
    coverage, counts, tensions, disagreements and references of the instruments
    in effect that day (query ``instruments-in-effect``); those that were not,
    or are not known to have been, listed with why in ``not_in_effect``; the
    first instrument to address the topic among those adopted by then; and the
    obligations under the topic that applied that day (query ``obligations``)."""
    day = _day(on) if on is not None else None
    found = _rows["topic"] if _rows is not None and _rows.get("topic") else kg.results("topic", topic=slug).records()
    if not found:
        known = ", ".join(r["slug"] for r in kg.results("topics").records()) or "none"
        raise InputError(f"no topic {slug!r} in the graph (topics: {known})")
    topic = found[0]
    rows = _rows if _rows is not None else _topic_rows(kg, slug, source).get(topic["topic"], {})
    summary = Summary(0, 0, 0, 0, 0, 0)
    for s in rows.get("topic-coverage-summary", ()):
        summary = Summary(s["instruments"], s["governs"], s["implicit"], s["silentCount"], s["conflicts"],
                          s["notAssessed"])
    if source and summary.instruments == 0:
        raise InputError(f"source {source!r} makes no claims on topic {slug!r}")
    primacy = tuple(
        Primacy(r["instrument"], r["instrumentLabel"], r["dateAdopted"], r["level"], r["sourceName"])
        for r in rows.get("topic-primacy", ())
    )
    tensions = tuple(
        Tension(r["kind"], r["kindLabel"], r["first"], r["firstLabel"], r["second"], r["secondLabel"],
                r["citation"], r["sourceName"])
        for r in rows.get("topic-tensions", ())
    )
    if _evidence is None:
        params: dict[str, Any] = {"topic": slug} | ({"source": source} if source else {})
        _evidence = claim_evidence(kg.results("claim-evidence", **params).records())
    evidence = _evidence
    coverage = tuple(
        CoverageRow(r["instrument"], r["instrumentLabel"], r["jurisdictionCode"], r["level"], r["citation"],
                    r["referenceCode"], r["sourceName"], r["confidence"], r["verification"], r["dateAdopted"],
                    r["claim"], evidence.get(r["claim"]))
        for r in rows.get("topic-coverage", ())
    )
    since = _regimes_since(coverage, primacy[0].date_adopted) if primacy else ()
    silent = tuple(
        SilentRegime(r["instrument"], r["instrumentLabel"], r["jurisdictionCode"])
        for r in rows.get("topic-silent-regimes", ())
    )
    references = tuple(
        Reference(r["referenceCode"], r["instrument"], r["instrumentLabel"], r["citation"])
        for r in rows.get("topic-references", ())
    )
    disagreements = tuple(
        Disagreement(r["instrument"], r["instrumentLabel"], r["sourceA"], r["levelA"], r["citationA"],
                     r["verificationA"], r["sourceB"], r["levelB"], r["citationB"], r["verificationB"])
        for r in rows.get("disagreements", ())
    )
    topics = _topics if _topics is not None else len(kg.results("topics"))
    related = _related(kg, topic["topic"], slug, source, similarity,
                       None if _rows is None else _rows.get("topic-related", []))
    related_note = (
        "None yet: the graph holds only this topic, so there is no other coverage pattern to compare it with."
        if topics < 2
        else f"None: {coverage[0].source if source and coverage else 'no source'} makes claims on no other topic, "
        "so there is no coverage pattern to compare with."
        if source
        else "None: no other topic shares a coverage pattern with this one, and none is linked in the scheme."
    )
    version = _version if _version is not None else kg.results("dataset-version").records()
    not_in_effect: tuple[NotInEffect, ...] = ()
    obligations: tuple[ObligationOn, ...] = ()
    if day is not None:
        effect = {r["instrument"]: r for r in kg.results("instruments-in-effect", on=day.isoformat()).records()}

        def live(iri: str) -> bool:
            return iri in effect and effect[iri]["inEffect"] is True

        unknown = {"state": "not known: no status recorded", "inEffect": None, "start": None}
        not_in_effect = tuple(
            NotInEffect(r.instrument, r.label, r.jurisdiction, r.level, r.source,
                        effect.get(r.instrument, unknown)["state"],
                        effect.get(r.instrument, unknown)["inEffect"] is not None,
                        *_state_page(effect.get(r.instrument, unknown)))
            for r in coverage if not live(r.instrument))
        everything = coverage
        coverage = tuple(r for r in coverage if live(r.instrument))
        summary = _summary(coverage)
        addressing = [(r.date_adopted, r) for r in everything if r.level not in ("silent", "not-assessed")
                      and isinstance(r.date_adopted, dt.date) and r.date_adopted <= day]
        first = min((adopted for adopted, _ in addressing), default=None)
        primacy = tuple(Primacy(r.instrument, r.label, adopted, r.level, r.source)
                        for adopted, r in sorted(addressing, key=lambda pair: pair[1].label) if adopted == first)
        since = _regimes_since(coverage, primacy[0].date_adopted) if primacy else ()
        tensions = tuple(x for x in tensions if live(x.first) and live(x.second))
        silent = tuple(x for x in silent if live(x.instrument))
        references = tuple(x for x in references if live(x.instrument))
        disagreements = tuple(x for x in disagreements if live(x.instrument))
        tiers = document_tiers(kg)
        obligations = tuple(
            ObligationOn(r["instrument"], r["duty"], r["force"], r["action"], r["pinpoint"], r["quote"], r["scope"],
                         r["appliesFrom"], bool(r["certain"]), r["timetable"], r["setBy"], r["verification"],
                         r["checkedAgainst"], r["evidence"], tiers.get(r["checkedAgainst"] or r["evidence"] or ""))
            for r in kg.results("obligations", topic=slug, on=day.isoformat()).records())
    return TopicPage(
        slug=topic["slug"],
        iri=topic["topic"],
        label=topic["label"],
        definition=topic["definition"],
        scope_note=topic["scopeNote"],
        defined_by=topic["definedBy"],
        source=coverage[0].source if source and coverage else None,
        summary=summary,
        primacy=primacy,
        since_primacy=since,
        tensions=tensions,
        coverage=coverage,
        silent=silent,
        related=related,
        related_note=related_note,
        references=references,
        disagreements=disagreements,
        evaluations=approach_evaluations(kg, slug, None if _rows is None else _rows),
        topics_in_graph=topics,
        data_version=version[0]["version"] if version else None,
        data_issued=version[0]["issued"] if version else None,
        on=day,
        not_in_effect=not_in_effect,
        obligations=obligations,
    )


def _day(value: str | dt.date) -> dt.date:
    """A day given as ``YYYY-MM-DD`` (or a date), checked as query parameters are."""
    from aigovkg.queries import Param

    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return dt.date.fromisoformat(str(Param("on", "date", False, "").to_term(text).value))


def _state_page(row: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The page, verification and tier that an instrument's state that day rests
    on: the ending event's (or status date's) where it ended, else its start date's."""
    if row.get("end") is not None and row.get("inEffect") is False and str(row["state"]).startswith("ended"):
        return row.get("endPage"), row.get("endVerification"), row.get("endTier")
    if row.get("start") is None:
        return None, None, None
    return row.get("startPage"), row.get("startVerification"), row.get("startTier")


def _summary(coverage: tuple[CoverageRow, ...]) -> Summary:
    """The counts of ``topic-coverage-summary`` (distinct instruments per level)
    computed from coverage rows, for a page narrowed to some instruments."""
    levels: dict[str, set[str]] = {}
    for row in coverage:
        levels.setdefault(row.level, set()).add(row.instrument)
    return Summary(len({r.instrument for r in coverage}), len(levels.get("governs", ())),
                   len(levels.get("implicit", ())), len(levels.get("silent", ())),
                   len(levels.get("conflicts", ())), len(levels.get("not-assessed", ())))


def document_tiers(kg: KnowledgeGraph) -> dict[str, str]:
    """The evidence tier of every web document in the graph, by address (query ``document-tiers``)."""
    return {str(r["document"]): str(r["tierLabel"]) for r in kg.results("document-tiers").records()}


def approach_evaluations(kg: KnowledgeGraph, slug: str, rows: Rows | None = None) -> tuple[ApproachEvaluation, ...]:
    """The approach evaluations of a topic, from three named queries (their
    rows for this topic when ``rows``, grouped as :func:`grouped_rows` does, has them)."""
    if rows is None:
        rows = {name: kg.results(name, topic=slug).records() for name in APPROACH_QUERIES}
    items = rows.get("approach-items", [])
    cruxes = rows.get("approach-cruxes", [])
    out = []
    for e in rows.get("approach-evaluation", []):
        mine = [i for i in items if i["evaluation"] == e["evaluation"]]

        def section(name: str, mine: list[dict[str, Any]] = mine) -> tuple[Rated, ...]:
            return tuple(Rated(i["label"], i["value"], i["note"]) for i in mine if i["section"] == name)

        def points(kind: str, mine: list[dict[str, Any]] = mine) -> tuple[str, ...]:
            return tuple(i["label"] for i in mine if i["section"] == "point" and i["kind"] == kind)

        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in cruxes:
            if row["evaluation"] == e["evaluation"]:
                grouped.setdefault(row["crux"], []).append(row)
        crux_list = tuple(
            Crux(rows[0]["cruxPosition"], rows[0]["title"], rows[0]["sideALabel"], rows[0]["sideBLabel"],
                 tuple((r["sideA"], r["sideB"]) for r in rows))
            for rows in sorted(grouped.values(), key=lambda rows: rows[0]["cruxPosition"])
        )
        out.append(ApproachEvaluation(
            e["evaluation"], e["title"], e["description"], e["approach"], e["tension"], e["sourceName"],
            section("dimension"), section("effort"), points("why-it-matters"), points("good-fit-if"),
            points("less-relevant-if"), crux_list,
        ))
    return tuple(out)


def topic_pages(kg: KnowledgeGraph, *, similarity: nx.Graph | None = None,
                evidence: Mapping[str, Evidence] | None = None,
                rows: dict[str, Rows] | None = None, consume: bool = False) -> dict[str, TopicPage]:
    """Every topic's page (reviewed view), sharing one similarity graph and one
    :func:`all_evidence` (``similarity``, ``evidence``, when the caller already
    has them) and :func:`topic_page_rows` (``rows``, likewise). With
    ``consume``, each topic's rows are taken out of ``rows`` once its page is
    made, so that the rows and the pages are not all held at once (the build
    needs the rows no more).

    One gathering pass: each query behind the pages runs once for all topics
    and its rows are grouped by topic (:data:`TOPIC_PAGE_QUERIES`); the
    summary, first addressing, silent regimes and references are computed
    from the coverage rows (:func:`derived_topic_rows`, the same rows as their
    queries give, which a test checks), so no query runs per topic."""
    from aigovkg import analyse

    rows = rows if rows is not None else topic_page_rows(kg)
    if similarity is None:
        similarity = analyse.topic_graph(kg, rows=coverage_matrix_rows(rows))
    topics = kg.results("topics").records()
    version = kg.results("dataset-version").records()
    evidence = evidence if evidence is not None else all_evidence(kg)
    pages: dict[str, TopicPage] = {}
    for t in topics:
        mine = rows.pop(t["topic"], {}) if consume else rows.get(t["topic"], {})
        pages[t["slug"]] = topic_page(kg, t["slug"], similarity=similarity, _rows=mine, _topics=len(topics),
                                      _evidence=evidence, _version=version)
    return pages


def topic_page_rows(kg: KnowledgeGraph, *, claims: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Rows]:
    """The rows of every topic page (reviewed view), by topic IRI then query
    name: :data:`TOPIC_PAGE_QUERIES` run once each and grouped, and the rows
    :func:`derived_topic_rows` computes from them. With ``claims`` (what
    :func:`claims_read` gives), ``topic-coverage``'s rows are computed from
    them (:func:`topic_coverage_rows`) instead of queried."""
    coverage = topic_coverage_rows(kg, claims) if claims is not None else None
    rows = grouped_rows(kg, {name: columns for name, columns in TOPIC_PAGE_QUERIES.items()
                             if coverage is None or name != "topic-coverage"})
    for row in coverage or ():
        rows.setdefault(row["topic"], {}).setdefault("topic-coverage", []).append(row)
    for mine in rows.values():
        mine.update(derived_topic_rows(mine.get("topic-coverage", [])))
    return rows


_MATRIX = ("instrument", "instrumentLabel", "topic", "topicLabel", "level", "citation", "sourceSlug",
           "verification", "claim")


def coverage_matrix_rows(rows: Mapping[str, Rows]) -> list[dict[str, Any]]:
    """The rows of ``coverage-matrix`` (reviewed view) computed from
    :func:`topic_page_rows`: each claim of the topics' ``topic-coverage`` rows
    once, with its topic's label, in the query's order. The two queries select
    the same claims; on a graph that passes the shapes (one label per topic and
    instrument, one level, citation and verification per claim) a claim is one
    row of each. ``tests/test_queries.py`` checks them against the query."""
    claims: dict[str, dict[str, Any]] = {}
    for topic_rows in rows.values():
        label = topic_rows["topic"][0]["label"] if topic_rows.get("topic") else None
        for row in topic_rows.get("topic-coverage", ()):
            if row["claim"] not in claims:
                claims[row["claim"]] = {**{k: row.get(k) for k in _MATRIX}, "topicLabel": label}
    return sorted(claims.values(), key=lambda r: (r["instrumentLabel"], r["topicLabel"], r["sourceSlug"], r["claim"]))


def silence_index(coverage: list[dict[str, Any]]) -> dict[str, Any]:
    """The row of ``silence-index`` (reviewed view) computed from the
    coverage-matrix rows (:func:`coverage_matrix_rows`): one row per claim
    shown, as the query counts them; ``silencePercent`` rounded as SPARQL's
    ``ROUND`` does (halves up), unbound where no cell is assessed.
    ``tests/test_queries.py`` checks it against the query."""
    from decimal import Decimal
    from fractions import Fraction
    from math import floor

    levels = [row["level"] for row in coverage]
    assessed = sum(level != "not-assessed" for level in levels)
    silent = levels.count("silent")
    percent = (Decimal(floor(Fraction(1000 * silent, assessed) + Fraction(1, 2))) / 10) if assessed else None
    return {"cells": assessed, "silentCells": silent, "silencePercent": percent,
            "notAssessedCells": len(levels) - assessed}


def derived_topic_rows(coverage: list[dict[str, Any]]) -> Rows:
    """The rows of ``topic-coverage-summary``, ``topic-primacy``,
    ``topic-silent-regimes`` and ``topic-references`` for one topic (reviewed
    view), computed from its ``topic-coverage`` rows: the columns a page reads,
    in the queries' order. The queries select the same claims (the reviewed
    claim of each cell, else the other sources'), so one pass over them serves
    all five, on a graph that passes the shapes (each instrument has a label
    and one jurisdiction, each claim one level and source: the build validates
    first); ``tests/test_queries.py`` checks them against the queries."""
    if not coverage:
        return {}
    levels: dict[str, set[str]] = {}
    for row in coverage:
        levels.setdefault(row["level"], set()).add(row["instrument"])
    summary = {"instruments": len({r["instrument"] for r in coverage}),
               "governs": len(levels.get("governs", ())), "implicit": len(levels.get("implicit", ())),
               "silentCount": len(levels.get("silent", ())), "conflicts": len(levels.get("conflicts", ())),
               "notAssessed": len(levels.get("not-assessed", ()))}
    dated = [r for r in coverage if r["level"] not in ("silent", "not-assessed")
             and isinstance(r["dateAdopted"], dt.date)]
    first = min((r["dateAdopted"] for r in dated), default=None)
    primacy = {(r["instrument"], r["instrumentLabel"], r["dateAdopted"], r["level"], r["sourceName"]): None
               for r in dated if r["dateAdopted"] == first}

    def in_date_order(row: Mapping[str, Any]) -> tuple[Any, ...]:
        # The queries' ORDER BY (!BOUND(?dateAdopted)) ?dateAdopted ?instrumentLabel ?instrument ?sourceName
        date = row["dateAdopted"]
        return (date is None, date or dt.date.min, row["instrumentLabel"], row["instrument"], row["sourceName"])

    return {
        "topic-coverage-summary": [summary],
        "topic-primacy": [dict(zip(("instrument", "instrumentLabel", "dateAdopted", "level", "sourceName"), key, strict=True))
                          for key in sorted(primacy, key=lambda key: (key[1], key[0], key[4], key[3]))],
        "topic-silent-regimes": [{k: r[k] for k in ("instrument", "instrumentLabel", "jurisdictionCode")}
                                 for r in sorted(coverage, key=in_date_order) if r["level"] == "silent"],
        "topic-references": [{k: r[k] for k in ("referenceCode", "instrument", "instrumentLabel", "citation")}
                             for r in sorted((r for r in coverage if r["citation"] is not None),
                                             key=lambda r: (*in_date_order(r), r["referenceCode"] is not None,
                                                            r["referenceCode"] or "", r["citation"]))],
    }


def _related(kg: KnowledgeGraph, iri: str, slug: str, source: str | None,
             graph: nx.Graph | None, linked: list[dict[str, Any]] | None = None) -> tuple[RelatedTopic, ...]:
    """Topics most similar by coverage pattern, then those linked in the scheme."""
    from aigovkg import analyse

    found: list[RelatedTopic] = []
    if graph is None:
        graph = analyse.topic_graph(kg, source=source)
    for near in analyse.related_topics(graph, iri, top=3):
        reason = (f"similar coverage: cosine {near.score:.2f} over the {near.shared} instruments assessed on both; "
                  f"driven by {', '.join(near.drivers)}")
        found.append(RelatedTopic(near.topic, near.topic.rsplit("/", 1)[-1], near.label, "similar", reason))
    for row in linked if linked is not None else kg.results("topic-related", topic=slug).records():
        found.append(RelatedTopic(row["other"], row["otherSlug"], row["otherLabel"], row["relation"],
                                  f"{row['relation']} in the aigovkg topic scheme"))
    return tuple(found)

"""The dated facts of each instrument, as the site's timeline pages show them:
its lifecycle (adopted, in force, status, and the recorded events: revoked,
vetoed, amended, new versions), and its applicability timetable as it stands,
where every date an amendment moved keeps its earlier value, the period that
value held and the event that moved it. Each fact carries what it rests on.

Rows come from the named queries ``instrument-facts``, ``instrument-events``,
``obligations`` (gathered once for all instrument pages, :class:`SubjectRows`),
``timetable`` and ``document-tiers``; nothing here is typed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aigovkg.api import KnowledgeGraph
from aigovkg.model import SubjectRows, document_tiers

_LIFECYCLE_PROPERTIES = {"dateAdopted": "adopted", "dateInForce": "in force", "statusDate": "status"}
_AIGOV = "https://w3id.org/aigovkg/ontology#"


@dataclass(frozen=True)
class Basis:
    """What a fact rests on: its verification and the page (the text it was
    checked against, else the evidence) with the page's evidence tier."""

    verification: str
    page: str | None
    checked: bool  # the page is the text the fact was checked against
    tier: str | None


@dataclass(frozen=True)
class Dated:
    """One lifecycle fact: on ``date``, ``what`` happened."""

    date: dt.date
    what: str
    basis: Basis


@dataclass(frozen=True)
class Earlier:
    """A timetable date an amendment replaced: the date, the period it held
    (``until_is`` says whether ``until`` is the amending act's entry into force
    or only the earliest day it can have been) and the event that moved it."""

    applies_from: dt.date
    held_from: dt.date | None
    until: dt.date | None
    until_is: str | None
    moved_by: str | None
    pinpoint: str
    quote: str
    basis: Basis


@dataclass(frozen=True)
class Deadline:
    """One entry of the timetable as it stands."""

    entry: str
    scope: str
    applies_from: dt.date
    held_from: dt.date | None
    held_from_not_before: dt.date | None
    set_by: str | None
    pinpoint: str
    quote: str
    basis: Basis
    obligations: tuple[tuple[str, int], ...]  # (role, how many obligations of that role start)
    earlier: tuple[Earlier, ...]  # the dates it replaced, latest first


@dataclass(frozen=True)
class Timeline:
    instrument: str
    label: str
    lifecycle: tuple[Dated, ...]
    timetable: tuple[Deadline, ...]

    @property
    def moved(self) -> int:
        return sum(len(d.earlier) for d in self.timetable)


def _basis(verification: object, checked: object, evidence: object, tiers: Mapping[str, str]) -> Basis:
    page = str(checked or evidence) if (checked or evidence) else None
    return Basis(str(verification or "unverified"), page, bool(checked), tiers.get(page or ""))


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _lifecycle(facts: list[dict[str, Any]], events: list[dict[str, Any]],
               tiers: Mapping[str, str]) -> tuple[Dated, ...]:
    status = next((str(f["valueLabel"] or f["value"]) for f in facts
                   if f["asserted"] and str(f["property"]) == _AIGOV + "status"), None)
    out: dict[tuple[dt.date, str], Dated] = {}
    for f in facts:
        name = str(f["property"])[len(_AIGOV):] if str(f["property"]).startswith(_AIGOV) else ""
        if not f["asserted"] or name not in _LIFECYCLE_PROPERTIES:
            continue
        what = _LIFECYCLE_PROPERTIES[name] if name != "statusDate" else f"status: {status or 'recorded'}"
        fact = Dated(_day(f["value"]), what, _basis(f["verification"], f["checkedAgainst"], f["evidence"], tiers))
        known = out.get((fact.date, what))
        if known is None or (fact.basis.checked and not known.basis.checked):  # the verified statement first
            out[(fact.date, what)] = fact
    for e in events:
        by = e["byLabel"] or e["byName"]
        what = str(e["kindLabel"]) + (f" ({e['version']})" if e["version"] else "") + (f" by {by}" if by else "")
        page = e["page"]
        verified = e["verification"] == "verified"
        out[(_day(e["date"]), what)] = Dated(_day(e["date"]), what,
                                             _basis(e["verification"], page if verified else None,
                                                    None if verified else page, tiers))
    return tuple(sorted(out.values(), key=lambda d: (d.date, d.what)))


def _counts(obligations: list[dict[str, Any]]) -> dict[str, tuple[tuple[str, int], ...]]:
    """How many obligations of each role fall under each scope (by its label)."""
    seen: dict[str, dict[str, set[str]]] = {}
    for o in obligations:
        seen.setdefault(str(o["scope"]), {}).setdefault(str(o["duty"]), set()).add(str(o["obligation"]))
    return {scope: tuple(sorted((duty, len(ids)) for duty, ids in roles.items())) for scope, roles in seen.items()}


def _timetable(entries: list[dict[str, Any]], obligations: list[dict[str, Any]],
               tiers: Mapping[str, str]) -> tuple[Deadline, ...]:
    by_entry = {str(e["entry"]): e for e in entries}
    counts = _counts(obligations)
    out = []
    for e in entries:
        if e["replacedBy"]:
            continue
        earlier = []
        current, replaced = e, e["replaces"]
        while replaced and str(replaced) in by_entry:
            old = by_entry[str(replaced)]
            earlier.append(Earlier(_day(old["appliesFrom"]), _day(old["heldFrom"]) if old["heldFrom"] else None,
                                   _day(old["replacedFrom"]) if old["replacedFrom"] else None,
                                   old["replacedFromIs"], current["setBy"], str(old["pinpoint"]), str(old["quote"]),
                                   _basis(old["verification"], old["checkedAgainst"], old["evidence"], tiers)))
            current, replaced = old, old["replaces"]
        out.append(Deadline(
            str(e["entry"]), str(e["scope"]), _day(e["appliesFrom"]),
            _day(e["heldFrom"]) if e["heldFrom"] else None,
            _day(e["heldFromNotBefore"]) if e["heldFromNotBefore"] else None,
            e["setBy"], str(e["pinpoint"]), str(e["quote"]),
            _basis(e["verification"], e["checkedAgainst"], e["evidence"], tiers),
            counts.get(str(e["scope"]), ()), tuple(earlier)))
    return tuple(sorted(out, key=lambda d: (d.applies_from, d.scope)))


def timelines(kg: KnowledgeGraph, rows: SubjectRows, instruments: list[dict[str, Any]]) -> dict[str, Timeline]:
    """The timeline of every instrument that has a dated fact, by instrument IRI."""
    tiers = document_tiers(kg)
    entries: dict[str, list[dict[str, Any]]] = {}
    for row in kg.results("timetable").records():
        entries.setdefault(str(row["instrument"]), []).append(row)
    out = {}
    for i in instruments:
        iri = str(i["instrument"])
        timeline = Timeline(iri, str(i["label"]),
                            _lifecycle(rows.instrument(iri, "instrument-facts"),
                                       rows.instrument(iri, "instrument-events"), tiers),
                            _timetable(entries.get(iri, []), rows.instrument(iri, "obligations"), tiers))
        if timeline.lifecycle or timeline.timetable:
            out[iri] = timeline
    return out

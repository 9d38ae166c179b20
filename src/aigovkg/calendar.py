"""The deadline calendar: the days from which parts of instruments start to
apply, as a table, as iCalendar (RFC 5545) and as an Atom feed (RFC 4287).

The rows come from the named query ``deadlines`` (the timetables as they
stand) and ``timetable-changes`` (the entries an amendment replaced). Both
outputs are deterministic: stamps and ``updated`` are the data's release date,
never the clock, and each event's UID is derived from its timetable entry, so
a calendar client updates an event whose date moved instead of adding one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from aigovkg import __version__
from aigovkg.api import KnowledgeGraph
from aigovkg.errors import InputError
from aigovkg.feeds import ATOM, XML_LANG, _el
from aigovkg.namespaces import BASE, ID
from aigovkg.results import XSD, ResultTable

FORMATS = ("table", "csv", "json", "ics", "atom")


@dataclass(frozen=True)
class Calendar:
    """The deadlines and timetable changes of one ``aigovkg calendar`` call."""

    deadlines: ResultTable
    changes: ResultTable
    issued: str  # the data's release date, YYYY-MM-DD
    version: str


def calendar(kg: KnowledgeGraph, *, role: str | None = None, jurisdiction: str | None = None,
             instrument: str | None = None, start: str | None = None, end: str | None = None) -> Calendar:
    """Deadlines from ``start`` to ``end`` (dates, both optional) for a role,
    a jurisdiction or an instrument, and the changes to their timetables."""
    params: dict[str, Any] = {"role": role, "jurisdiction": jurisdiction, "instrument": instrument,
                              "from": start, "to": end}
    deadlines = _by_entry(kg.results("deadlines", **{k: v for k, v in params.items() if v}))
    changes = kg.results("timetable-changes", **{k: v for k, v in params.items()
                                                 if v and k in ("role", "instrument")})
    release = kg.results("dataset-version").records()
    issued = str(release[0].get("issued") or "") if release else ""
    version = str(release[0].get("version") or "") if release else ""
    if not issued:
        raise InputError("the data has no release date (dcterms:issued in graph/dataset.ttl); "
                         "a calendar needs one for its time stamps")
    return Calendar(deadlines, changes, issued[:10], version)


def _by_entry(rows: ResultTable) -> ResultTable:
    """One row per timetable entry: the roles it binds joined (in the query's
    order), their obligations summed."""
    at = {name: i for i, name in enumerate(rows.columns)}
    merged: dict[object, tuple[list, list[str], int]] = {}
    for row in rows.rows:
        first, duties, count = merged.get(row[at["entry"]], (list(row), [], 0))
        duties.append(str(row[at["duty"]].value))  # type: ignore[union-attr]
        merged[row[at["entry"]]] = (first, duties, count + int(row[at["obligations"]].value))  # type: ignore[union-attr]
    columns = tuple("duties" if c == "duty" else c for c in rows.columns)
    out = []
    for first, duties, count in merged.values():
        first[at["duty"]] = ox.Literal(", ".join(duties))
        first[at["obligations"]] = ox.Literal(str(count), datatype=ox.NamedNode(XSD + "integer"))
        out.append(tuple(first))
    return ResultTable(columns, tuple(out))


# ------------------------------------------------------------------ iCalendar

def _escape(text: str) -> str:
    """TEXT value escaping of RFC 5545 section 3.3.11."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 section 3.1), never inside a character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _uid(entry: str) -> str:
    return hashlib.sha256(entry.encode("utf-8")).hexdigest()[:32] + "@aigovkg"


def _day(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def _summary(row: dict[str, object]) -> str:
    return f"{row['instrumentLabel']}: {row['scope']} apply ({row['duties']})"


def _description(row: dict[str, object], changes: list[dict[str, object]]) -> str:
    lines = [f"From {row['date']} the obligations of {row['scope']} under {row['instrumentLabel']} apply "
             f"to: {row['duties']} ({row['obligations']} obligations).",
             f"Timetable: {row['timetable']}" + (f", set by {row['setBy']}" if row.get("setBy") else "") + "."]
    if row.get("movedFrom"):
        moved = next((c for c in changes if str(c.get("scope")) == str(row["scope"])), None)
        lines.append(f"Moved from {row['movedFrom']}" + (f" by {moved['setBy']}, in effect from {moved['changedOn']}"
                                                          if moved else "") + ".")
    lines.append(f"Source: aigovkg data; timetable entry {row['entry']}")
    return "\n".join(lines)


def to_ics(cal: Calendar) -> str:
    """The deadlines as one VCALENDAR with an all-day VEVENT each."""
    stamp = cal.issued.replace("-", "") + "T000000Z"
    changes = cal.changes.records()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//aigovkg//aigovkg {__version__}//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:aigovkg deadlines"]
    for row in cal.deadlines.records():
        day = _day(row["date"])
        lines += ["BEGIN:VEVENT", f"UID:{_uid(str(row['entry']))}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(_summary(row))}",
                  f"DESCRIPTION:{_escape(_description(row, changes))}",
                  f"CATEGORIES:{','.join(_escape(d.strip()) for d in str(row['duties']).split(','))}",
                  "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


# ----------------------------------------------------------------------- Atom

def to_atom(cal: Calendar) -> bytes:
    """Upcoming deadlines and timetable changes as one Atom feed."""
    updated = f"{cal.issued}T00:00:00Z"
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: "en"})
    _el(feed, "id", f"{ID}calendar/deadlines")
    _el(feed, "title", "aigovkg: deadlines of AI-governance instruments")
    _el(feed, "subtitle", f"Data version {cal.version or 'unversioned'} ({cal.issued})")
    _el(feed, "updated", updated)
    author = _el(feed, "author")
    _el(author, "name", "aigovkg")
    _el(author, "uri", BASE)
    _el(feed, "generator", "aigovkg", uri=BASE)
    changes = cal.changes.records()
    for row in cal.deadlines.records():
        entry = _el(feed, "entry")
        _el(entry, "id", f"{row['entry']}#deadline")
        _el(entry, "title", f"{row['date']}: {_summary(row)}")
        _el(entry, "updated", updated)
        _el(entry, "category", term="deadline", label="deadline")
        _el(entry, "link", rel="related", href=str(row["entry"]))
        _el(entry, "content", _description(row, changes), type="text")
    for change in changes:
        entry = _el(feed, "entry")
        _el(entry, "id", f"{change['obligation']}#moved-{change['changedOn']}")
        _el(entry, "title", f"Moved: {change['pinpoint']} ({change['duty']}) from {change['before']} "
                            f"to {change['after']}")
        _el(entry, "updated", updated)
        _el(entry, "category", term="deadline-moved", label="deadline moved")
        _el(entry, "link", rel="related", href=str(change["obligation"]))
        _el(entry, "content", f"{change['action']} ({change['pinpoint']}, {change['scope']}) applies from "
                              f"{change['after']} instead of {change['before']}, by {change['setBy']}, "
                              f"in effect from {change['changedOn']}.", type="text")
    ET.indent(feed, space="  ")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def render(cal: Calendar, fmt: str) -> str | bytes:
    """The calendar in one of :data:`FORMATS`."""
    if fmt == "ics":
        return to_ics(cal)
    if fmt == "atom":
        return to_atom(cal)
    return cal.deadlines.serialize(fmt)

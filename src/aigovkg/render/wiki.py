"""Pages for other wikis: MDX or Markdown with YAML front matter.

Every front-matter scalar is a double-quoted string, so YAML 1.1 readers
cannot coerce a label such as ``NO`` or ``0012``; body text is escaped so
that braces and angle brackets cannot open JSX in MDX; links are relative.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from aigovkg.api import KnowledgeGraph
from aigovkg.model import SubjectRows, TopicPage, subject_rows, topic_pages
from aigovkg.render import _environment, page_name

_UNSAFE = {"\u0085": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}
# Characters YAML readers refuse in a document ("special characters are not allowed").
_NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def yaml_string(value: object) -> str:
    """A YAML double-quoted scalar that every YAML reader reads back exactly.

    >>> yaml_string("NO")
    '"NO"'
    >>> yaml_string('a "b"\\nc')
    '"a \\\\"b\\\\"\\\\nc"'
    >>> yaml_string("del\\x7f")
    '"del\\\\u007F"'
    """
    text = json.dumps(str(value), ensure_ascii=False)
    for char, escape in _UNSAFE.items():
        text = text.replace(char, escape)
    return _NON_PRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04X}", text)


def front_matter(fields: Mapping[str, Any]) -> str:
    lines = ["---"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            lines.append(f"{key}:")
            lines += [f"  - {yaml_string(item)}" for item in value]
        else:
            lines.append(f"{key}: {yaml_string(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def write_wiki(kg: KnowledgeGraph, put: Callable[[str, str], None], *, fmt: str = "mdx",
               pages: Mapping[str, TopicPage] | None = None, rows: SubjectRows | None = None,
               silence: Mapping[str, Any] | None = None) -> int:
    """Write index, topic, instrument and jurisdiction pages; returns the page count.
    ``pages`` are the topic pages, ``rows`` the instrument and jurisdiction
    pages' rows and ``silence`` the ``silence-index`` row, when the caller has
    already gathered them."""
    if fmt not in ("mdx", "markdown"):
        raise ValueError(f"unknown wiki format {fmt}")
    ext = "mdx" if fmt == "mdx" else "md"
    env = _environment("md")
    version_rows = kg.results("dataset-version").records()
    version = str(version_rows[0]["version"]) if version_rows else None
    count = 0

    def page(rel: str, fields: dict[str, Any], template: str, **context: Any) -> None:
        nonlocal count
        root = "../" * rel.count("/")
        body = env.get_template(template).render(root=root, link_ext=ext, **context)
        put(f"{rel}.{ext}", front_matter({**fields, "data_version": version}) + body)
        count += 1

    topics = kg.results("topics").records()
    instruments = kg.results("instruments").records()
    jurisdictions = kg.results("jurisdictions").records()
    page("index", {"title": "aigovkg", "description": "A knowledge graph of AI governance"}, "wiki_index.md.j2",
         topics=topics, instruments=instruments, jurisdictions=jurisdictions,
         silence=silence if silence is not None else kg.rows("silence-index")[0])
    rows = rows if rows is not None else subject_rows(kg)
    views = pages if pages is not None else topic_pages(kg, evidence=rows.evidence)
    for t in topics:
        view = views[t["slug"]]
        page(f"topics/{page_name(kg, t['slug'], t['topic'])}", {
            "title": view.label, "description": view.definition, "slug": view.slug, "iri": view.iri,
            "tags": ["topic"],
        }, "topic.md.j2", page=view, s=view.summary)
    for i in instruments:
        facts = [{**f, "value": str(f["value"])} for f in rows.instrument(i["instrument"], "instrument-facts")]
        page(f"instruments/{page_name(kg, i['slug'], i['instrument'])}", {
            "title": i["label"], "slug": i["slug"], "iri": i["instrument"], "jurisdiction": i["jurisdictionCode"],
            "kind": i["kind"], "status": i["status"],
            "date_adopted": i["dateAdopted"].isoformat() if i["dateAdopted"] else None, "tags": ["instrument"],
        }, "wiki_instrument.md.j2", i=i, facts=facts,
             coverage=rows.instrument(i["instrument"], "instrument-coverage"),
             tensions=rows.instrument(i["instrument"], "instrument-tensions"),
             relations=rows.instrument(i["instrument"], "instrument-relations"),
             events=rows.instrument(i["instrument"], "instrument-events"),
             evidence=rows.evidence)
    for j in jurisdictions:
        page(f"jurisdictions/{page_name(kg, j['slug'], j['jurisdiction'])}", {
            "title": j["label"], "code": j["code"], "kind": j["kind"], "iri": j["jurisdiction"],
            "tags": ["jurisdiction"],
        }, "wiki_jurisdiction.md.j2", j=j,
             memberships=rows.jurisdiction(j["jurisdiction"], "jurisdiction-memberships"),
             instruments=rows.jurisdiction(j["jurisdiction"], "jurisdiction-instruments"),
             gaps=rows.jurisdiction(j["jurisdiction"], "jurisdiction-gaps"))
    return count

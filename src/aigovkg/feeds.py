"""Atom feeds (RFC 4287) of the changes to each topic between two versions.

Ids are stable IRIs (the feed of a topic keeps its id across releases; an
entry's id is derived from the change and the two versions); ``updated`` is
the new version's release date, never the clock, so the same diff gives the
same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from aigovkg._output import file_name
from aigovkg.diff import Change, GraphDiff, change_id
from aigovkg.errors import InputError
from aigovkg.namespaces import BASE, ID

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def feed_id(topic: str) -> str:
    """The id of a topic's change feed, the same for every release."""
    return f"{ID}changes/topic/{topic}"


def _updated(d: GraphDiff) -> str:
    if not d.new.issued:
        raise InputError("the new version has no release date (dcterms:issued in graph/dataset.ttl); "
                         "an Atom feed needs one")
    return f"{d.new.issued[:10]}T00:00:00Z"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = _clean(text)
    return element


def _entry_content(c: Change) -> str:
    lines = [f"{c.thing} {c.action}" + (f" ({c.source})" if c.source else "") + f": {c.title}"]
    if c.action == "changed":
        lines.append(f"{c.field}: {'; '.join(c.old) or '(none)'} -> {'; '.join(c.new) or '(none)'}")
    else:
        lines += list(c.new if c.action == "added" else c.old)
    lines.append(c.iri)
    return "\n".join(lines)


def _entry_title(c: Change) -> str:
    who = f" [{c.source}]" if c.source else ""
    if c.action == "changed":
        return f"{c.title}{who}: {c.field} {'; '.join(c.old) or '(none)'} -> {'; '.join(c.new) or '(none)'}"
    return f"{c.thing.capitalize()} {c.action}{who}: {c.title}"


def topic_feed(d: GraphDiff, topic: str) -> bytes:
    """The Atom feed of one topic's changes from ``d.old`` to ``d.new``."""
    updated = _updated(d)
    label = d.topic_labels.get(topic, topic)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: "en"})
    _el(feed, "id", feed_id(topic))
    _el(feed, "title", f"aigovkg: changes to {label}")
    _el(feed, "subtitle", f"From data version {d.old.version or 'unversioned'} ({d.old.issued or 'no date'}) "
                          f"to {d.new.version or 'unversioned'} ({d.new.issued or 'no date'})")
    _el(feed, "updated", updated)
    author = _el(feed, "author")
    _el(author, "name", "aigovkg")
    _el(author, "uri", BASE)
    _el(feed, "link", rel="related", href=f"{ID}topic/{topic}")
    _el(feed, "generator", "aigovkg", uri=BASE)
    for c in d.for_topic(topic):
        entry = _el(feed, "entry")
        _el(entry, "id", change_id(d, c))
        _el(entry, "title", _entry_title(c))
        _el(entry, "updated", updated)
        _el(entry, "category", term=f"{c.thing}-{c.action}", label=f"{c.thing} {c.action}")
        _el(entry, "link", rel="related", href=c.iri)
        _el(entry, "content", _entry_content(c), type="text")
    ET.indent(feed, space="  ")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def topics_of(d: GraphDiff) -> list[str]:
    """Every topic named in either version, sorted."""
    return sorted(d.topic_labels)


def write_feeds(d: GraphDiff, put: Callable[[str, bytes], None]) -> int:
    """One ``{topic}.atom`` per topic of either version; returns how many."""
    topics = topics_of(d)
    for topic in topics:
        put(f"{file_name(topic, what='topic')}.atom", topic_feed(d, topic))
    return len(topics)

"""Render stage: pages from the view model, as Markdown, HTML or JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe

from aigovkg._json import dumps_floatless
from aigovkg._output import file_name
from aigovkg._text import displayable, has_unwritable
from aigovkg.errors import InputError
from aigovkg.model import Evidence, TopicPage, json_default
from aigovkg.namespaces import curie

if TYPE_CHECKING:
    from aigovkg.api import KnowledgeGraph

_TEMPLATES = Path(__file__).parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|{}])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What would open a block (heading, list, fence, setext line) or, in MDX, an
# ESM import/export, when the text lands at the start of a line.
_MD_LEADING = re.compile(r"^(?:([#+=~-])|(i)(?=mport\b)|(e)(?=xport\b)|([0-9]{1,9})([.)]))")


class PageFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    JSON = "json"


def md(text: object) -> str:
    """Escape text for Markdown and MDX so that labels cannot open links, tags,
    JSX expressions, code spans or table cells; line breaks become spaces.

    >>> md("A | B <script>")
    'A \\\\| B \\\\<script\\\\>'
    >>> md("council_of_europe")
    'council_of_europe'
    >>> md("{x}")
    '\\\\{x\\\\}'
    >>> md("import x from 'y'")
    "&#105;mport x from 'y'"
    >>> md("# 1. heading")
    '\\\\# 1. heading'
    """
    if text is None:
        return ""
    return _md(str(text))


@lru_cache(maxsize=1 << 16)
def _md(text: str) -> str:
    """:func:`md` of a string, remembered: labels, levels and sources repeat on
    every row of every page."""
    flat = " ".join(text.split())
    escaped = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), flat)
    return _MD_LEADING.sub(_escape_leading, escaped)


def _escape_leading(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    if match.group(2) or match.group(3):
        return f"&#{ord(match.group(0))};"
    return match.group(4) + "\\" + match.group(5)


_WEB = re.compile(r"^https?://[^/?#\s<>\"'`]+[^\s<>\"'`]*$", re.IGNORECASE)


def weblink(url: object) -> str | None:
    """The address as a link target if it is an http(s) URL, else None: data
    never becomes a ``javascript:``, ``data:`` or ``file:`` link, whatever the graph says.

    >>> weblink("https://eur-lex.europa.eu/eli/reg/2024/1689/oj")
    'https://eur-lex.europa.eu/eli/reg/2024/1689/oj'
    >>> weblink("javascript:alert(1)") is None, weblink(" JAVASCRIPT:x") is None, weblink("https://a b") is None
    (True, True, True)
    """
    text = "" if url is None else str(url)
    return text if _WEB.match(text) else None


def page_name(kg: KnowledgeGraph, slug: object, node: str) -> str:
    """The file name of the page of ``node``: its slug, refused (naming the
    node and the file that describes it) when it would leave the output folder."""
    try:
        return file_name(str(slug), what="slug")
    except InputError as exc:
        files = ", ".join(str(p) for p in kg.loaded.files_of(node)) if kg.loaded else ""
        raise InputError(f"{files + ': ' if files else ''}{curie(node)}: {exc}; nothing was written") from None


def mdurl(url: str) -> str:
    """A URL as a Markdown/MDX link destination ``[text](url)``: characters that
    could end the destination or open JSX or an expression are percent-encoded.

    >>> mdurl("https://example.org/a?b={c}&d=(e)")
    'https://example.org/a?b=%7Bc%7D&d=%28e%29'
    """
    return "".join(f"%{ord(c):02X}" if c in "<>{}()[]|`\\ " else c for c in url)


def lower_first(text: str) -> str:
    """'The work' -> 'the work', leaving acronyms alone ('AI rules' stays)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def lead(label: str, definition: str) -> str:
    """The page's opening clause: 'X is the ...' for definitions that start with
    an article, 'X covers ...' for those that start with a noun.

    >>> lead("Incident Reporting", "Duties to report incidents.")
    'Incident Reporting covers duties to report incidents.'
    """
    verb = "is" if definition.split(" ", 1)[0] in ("The", "A", "An") else "covers"
    return f"{label} {verb} {lower_first(definition)}"


#: Readable names for the properties from other vocabularies that an
#: instrument's facts use (the ontology labels its own).
FIELD_NAMES = {"http://purl.org/dc/terms/title": "full title", "http://www.w3.org/2000/01/rdf-schema#label": "short name"}


def field_name(prop: object, label: object = None) -> str:
    """The name a page shows for a property: its label, else a readable name
    for a well-known property, else its CURIE.

    >>> field_name("http://purl.org/dc/terms/title"), field_name("https://example.org/x#y", "why")
    ('full title', 'why')
    """
    return str(label) if label else FIELD_NAMES.get(str(prop), curie(str(prop)))


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _shown(value: object) -> object:
    """Every value a template writes, with the characters XML 1.0 cannot carry
    (U+0000, other C0 controls) shown as U+FFFD: HTML, SVG and MDX get none raw.

    >>> _shown("EU AI\\x00Act")
    'EU AI\\ufffdAct'
    """
    if isinstance(value, str) and has_unwritable(value):
        text = displayable(value)
        return markupsafe.Markup(text) if isinstance(value, markupsafe.Markup) else text
    return value


# HTML fragments written per claim row: built in Python rather than by Jinja
# macros (a macro call costs tens of microseconds; a site has hundreds of
# thousands of rows). Each gives the markup its macro gave, character for
# character; every value is escaped, and the template's ``finalize`` then
# shows the characters XML cannot carry, as for any other value.


def _esc(value: object) -> str:
    """``str(markupsafe.escape(value))``: the same five characters replaced by
    the same entities, for the hundreds of thousands of values a site's rows
    hold, without markupsafe's ``Markup`` object per value (about 1 µs each;
    the rows are joined into one ``Markup`` per table). A test compares the
    two on generated text."""
    if type(value) is str:
        return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace('"', "&#34;").replace("'", "&#39;"))
    return str(markupsafe.escape(value))


@jinja2.pass_context
def _link(context: jinja2.runtime.Context, folder: str, iri: str, label: object) -> markupsafe.Markup:
    if context.get("links"):
        return markupsafe.Markup(f'<a href="{_esc(context["root"])}{folder}/{_esc(iri.rsplit("/", 1)[-1])}.html">'
                                 f"{_esc(label)}</a>")
    return markupsafe.escape(label)


@jinja2.pass_context
def ilink(context: jinja2.runtime.Context, iri: str, label: object) -> markupsafe.Markup:
    """A link to an instrument's page (the label alone where pages do not link)."""
    return _link(context, "instruments", iri, label)


@jinja2.pass_context
def tlink(context: jinja2.runtime.Context, iri: str, label: object) -> markupsafe.Markup:
    """A link to a topic's page."""
    return _link(context, "topics", iri, label)


@jinja2.pass_context
def jlink(context: jinja2.runtime.Context, iri: str, label: object) -> markupsafe.Markup:
    """A link to a jurisdiction's page."""
    return _link(context, "jurisdictions", iri, label)


def doclink(d: Any) -> markupsafe.Markup:
    """A document a claim rests on: its address, a link only if it is http(s), and its tier."""
    url = weblink(d.url)
    text = f'<a href="{_esc(url)}" rel="noopener noreferrer">{_esc(d.url)}</a>' if url else _esc(d.url)
    if d.tier_label:
        reproducing = f", reproducing {_esc(d.reproduces)}" if d.reproduces else ""
        text += f' <span class="tier tier-{_esc(d.tier)}">({_esc(d.tier_label)}{reproducing})</span>'
    return markupsafe.Markup(text)


def evidence_block(e: Evidence | None, source: object) -> markupsafe.Markup:
    """What a claim rests on, as a ``<details>`` block: verification, the text
    read (with its tier) or the evidence and why the text was not read, the
    pinpoint, quotes and note. Nothing for a claim without a record."""
    if e is None:
        return markupsafe.Markup("")
    checked = e.checked_against
    if checked:
        how = ": checked against the text"
        if e.checked_on:
            day = e.checked_on.isoformat()
            how += f' on <time datetime="{_esc(day)}">{_esc(day)}</time>'
    elif e.evidence:
        how = ": rests on evidence"
    elif e.listed_in:
        how = ": as the source published it"
    elif e.level == "not-assessed":
        how = ": not assessed"
    else:
        how = ""
    shown = {"text": _esc, "quote": lambda q: f"<blockquote>{_esc(q)}</blockquote>", "document": doclink}
    parts = [f'<details class="evidence"><summary>{_esc(e.verification or "unverified")}{how}</summary>\n<dl>\n'
             f"<dt>Source</dt><dd>{_esc(source)}</dd>\n"]
    parts += [f"<dt>{heading}</dt><dd>{shown[kind](value)}</dd>" for heading, kind, value in _grounds(e, pinpoint=True)]
    parts.append("</dl>\n</details>")
    return markupsafe.Markup("".join(parts))


def _grounds(e: Evidence, *, pinpoint: bool) -> Iterator[tuple[str, str, Any]]:
    """What a claim rests on beyond its level and verification, in the order
    every page gives it: (heading, kind of value, value), the kind ``text``,
    ``quote`` or ``document``; the pinpoint among them where ``pinpoint``."""
    if e.listed_in:
        yield "Listed in", "text", e.listed_in
    if pinpoint and e.pinpoint:
        yield "Pinpoint", "text", e.pinpoint
    for quote in e.quotes:
        yield "Quote", "quote", quote
    for document in e.checked_against:
        yield "Checked against", "document", document
    for document in e.evidence:
        yield "Evidence", "document", document
    for heading, value in (("Text not read", e.not_checked_because), ("Searched for", e.searched_for),
                           ("Note", e.note)):
        if value:
            yield heading, "text", value


_UNVERIFIED_HTML = ' <span class="muted">(unverified)</span>'


@jinja2.pass_context
def topic_coverage_rows(context: jinja2.runtime.Context, coverage: Any, by_source: bool) -> markupsafe.Markup:
    """The rows of a topic page's coverage table, one ``<tr>`` a line: the
    instrument, jurisdiction, level, citation with what the claim rests on,
    and (without a source) the source. One call per table, not per row."""
    rows = []
    for r in coverage:
        row = (f'<tr id="claim-{_esc(r.instrument.rsplit("/", 1)[-1])}"><td>{_link(context, "instruments", r.instrument, r.label)}'
               f'</td><td>{_esc(r.jurisdiction)}</td><td class="level-{_esc(r.level)}">{_esc(r.level)}</td>'
               f'<td>{_esc(r.citation or "—")}{evidence_block(r.evidence, r.source)}</td>')
        if not by_source:
            row += f"<td>{_esc(r.source)}{_UNVERIFIED_HTML if r.verification == 'unverified' else ''}</td>"
        rows.append(row + "</tr>\n")
    return markupsafe.Markup("".join(rows))


@jinja2.pass_context
def instrument_coverage_rows(context: jinja2.runtime.Context, coverage: Any,
                             evidence: Any) -> markupsafe.Markup:
    """The rows of an instrument page's coverage table (every source's claims)."""
    return markupsafe.Markup("".join(
        f'<tr id="claim-{_esc(c["topicSlug"])}-{_esc(c["sourceSlug"])}"><td>{_link(context, "topics", c["topic"], c["topicLabel"])}'
        f'</td><td class="level-{_esc(c["level"])}">{_esc(c["level"])}</td><td>{_esc(c["citation"] or "—")}'
        f'{evidence_block(evidence.get(c["claim"]), c["sourceName"])}</td><td>{_esc(c["sourceName"])} '
        f'<span class="muted">({_esc(c["verification"])})</span></td></tr>\n'
        for c in coverage))


# The same for Markdown and MDX pages: every value escaped with :func:`md`.
@jinja2.pass_context
def mlink(context: jinja2.runtime.Context, iri: str, label: object, kind: str) -> str:
    """A link to the page of an instrument, topic or jurisdiction (``kind``:
    its folder), or the label alone where pages do not link."""
    ext = context.get("link_ext")
    if ext:
        return f"[{md(label)}]({context['root']}{kind}/{iri.rsplit('/', 1)[-1]}.{ext})"
    return md(label)


def mdoc(d: Any) -> str:
    """A document a claim rests on, as Markdown: a link only if it is http(s), and its tier."""
    url = weblink(d.url)
    text = f"[{md(d.url)}]({mdurl(url)})" if url else md(d.url)
    if d.tier_label:
        text += f" ({md(d.tier_label)}{', reproducing ' + md(d.reproduces) if d.reproduces else ''})"
    return text


def mevidence(label: object, e: Evidence, source: object) -> str:
    """One list item per claim, with what it rests on, one indented line each."""
    lines = [f"- **{md(label)}** — {e.level}, {e.verification or 'unverified'}, per {md(source)}"
             f"{', checked ' + e.checked_on.isoformat() if e.checked_on else ''}"
             f"{'; pinpoint ' + md(e.pinpoint) if e.pinpoint else ''}.\n"]
    shown = {"text": md, "quote": lambda q: f"“{md(q)}”", "document": mdoc}
    lines += [f"  {heading}: {shown[kind](value)}\n" for heading, kind, value in _grounds(e, pinpoint=False)]
    return "".join(lines)


def md_evidence_list(coverage: Any) -> str:
    """A topic page's "What each claim rests on": :func:`mevidence` for each
    coverage row that records it, a blank line between (as the template's loop
    wrote them, without its cost per row); a sentence where none does."""
    items = [mevidence(r.label, r.evidence, r.source) for r in coverage if r.evidence is not None]
    return "\n".join(items) if items else "No claim on this topic records what it rests on."


def md_instrument_evidence_list(coverage: Any, evidence: Mapping[str, Evidence]) -> str:
    """The same for an instrument page, each claim named by its topic and source."""
    items = [mevidence(f"{c['topicLabel']} ({c['sourceName']})", evidence[c["claim"]], c["sourceName"])
             for c in coverage if c["claim"] in evidence]
    return "\n".join(items) if items else "No claim about this instrument records what it rests on."


@jinja2.pass_context
def md_topic_coverage_rows(context: jinja2.runtime.Context, coverage: Any, by_source: bool) -> str:
    """The rows of a topic page's coverage table in Markdown, one a line."""
    rows = []
    for r in coverage:
        row = (f"| {mlink(context, r.instrument, r.label, 'instruments')} | {md(r.jurisdiction)} | {r.level} | "
               f"{md(r.citation or '—')} |")
        if not by_source:
            row += f" {md(r.source)}{' (unverified)' if r.verification == 'unverified' else ''} |"
        rows.append(row + "\n")
    return "".join(rows)


@jinja2.pass_context
def md_instrument_coverage_rows(context: jinja2.runtime.Context, coverage: Any) -> str:
    """The rows of an instrument page's coverage table in Markdown, one a line."""
    return "".join(
        f"| {mlink(context, c['topic'], c['topicLabel'], 'topics')} | {c['level']} | {md(c['citation'] or '—')} | "
        f"{md(c['sourceName'])} ({c['verification'] or 'unverified'}) |\n"
        for c in coverage)


@cache
def _environment(kind: str) -> jinja2.Environment:
    env = jinja2.Environment(
        finalize=_shown,
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=(kind == "html"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md
    env.filters["lower_first"] = lower_first
    env.filters["curie"] = curie
    env.filters["weblink"] = weblink
    env.filters["mdurl"] = mdurl
    env.filters["field_name"] = field_name
    env.globals["plural"] = plural
    env.globals["lead"] = lead
    if kind == "html":
        env.globals.update(ilink=ilink, tlink=tlink, jlink=jlink, doclink=doclink, evidence_block=evidence_block,
                           topic_coverage_rows=topic_coverage_rows, instrument_coverage_rows=instrument_coverage_rows)
    else:
        env.globals.update(mlink=mlink, mdoc=mdoc, md_evidence_list=md_evidence_list,
                           md_instrument_evidence_list=md_instrument_evidence_list,
                           md_topic_coverage_rows=md_topic_coverage_rows,
                           md_instrument_coverage_rows=md_instrument_coverage_rows)
    return env


def render_topic(page: TopicPage, fmt: PageFormat | str = PageFormat.MARKDOWN) -> str:
    """Render a topic page."""
    fmt = PageFormat(fmt)
    if fmt is PageFormat.JSON:
        # json.dumps(page.to_dict(), indent=2, ensure_ascii=False), faster: without
        # the copy, and in Rust (a page holds no float: tests/test_fuzz.py walks its fields' types)
        return dumps_floatless(page, default=json_default)
    kind = "html" if fmt is PageFormat.HTML else "md"
    template = _environment(kind).get_template(f"topic.{kind}.j2")
    return template.render(page=page, s=page.summary)

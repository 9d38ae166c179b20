"""Render stage: pages from the view model, as Markdown, HTML or JSON."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import markupsafe

from aigovkg._output import file_name
from aigovkg._text import XML_FORBIDDEN, displayable
from aigovkg.errors import InputError
from aigovkg.model import TopicPage
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
    flat = " ".join(str(text).split())
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
    if isinstance(value, str) and XML_FORBIDDEN.search(value):
        text = displayable(value)
        return markupsafe.Markup(text) if isinstance(value, markupsafe.Markup) else text
    return value


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
    return env


def render_topic(page: TopicPage, fmt: PageFormat | str = PageFormat.MARKDOWN) -> str:
    """Render a topic page."""
    fmt = PageFormat(fmt)
    if fmt is PageFormat.JSON:
        return json.dumps(page.to_dict(), indent=2, ensure_ascii=False) + "\n"
    kind = "html" if fmt is PageFormat.HTML else "md"
    template = _environment(kind).get_template(f"topic.{kind}.j2")
    return template.render(page=page, s=page.summary)

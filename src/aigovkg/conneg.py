"""Content negotiation for the persistent IRIs under ``https://w3id.org/aigovkg/``.

One table of redirects, written two ways: an Apache ``.htaccess`` for the
w3id.org repository (``RewriteCond`` on the ``Accept`` header, then a 303
redirect to the published site), and JSON for tools and tests. The ontology
IRI goes to its documentation page, or to the ontology as Turtle, JSON-LD,
N-Triples or RDF/XML; data IRIs go to the page of the instrument, topic or
jurisdiction (claims and tensions to their topic's page), or to the dumps.

The redirect is prepared, not registered: w3id.org serves it only once the
``.htaccess`` is merged into the w3id.org repository.

    >>> resolve("id/instrument/eu-ai-act", "text/turtle")
    'dumps/aigovkg.ttl'
    >>> resolve("ontology", "text/html,application/xhtml+xml")
    'ontology/index.html'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from aigovkg.errors import UsageError
from aigovkg.namespaces import BASE

_SLUG = r"([a-z0-9]+(?:-[a-z0-9]+)*)"
_ANY = r"[a-z0-9]+(?:-[a-z0-9]+)*"
#: RDF media types clients ask for, and the file suffix of each, in the order they are tried.
RDF_TYPES = (
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
)
HTML = "text/html"


@dataclass(frozen=True)
class Redirect:
    """Requests for a path under the base IRI matching ``pattern`` (an anchored
    regular expression, Apache and Python alike) whose Accept header names
    ``media_type`` go to ``target``, a path in the published site (``$1`` is the
    pattern's group). ``media_type`` None: the default, for browsers."""

    pattern: str
    media_type: str | None
    target: str


def _negotiated(pattern: str, html: str, rdf: str | None) -> list[Redirect]:
    """RDF types first (``rdf`` holds ``{ext}``), then the HTML page as the default."""
    rules = [Redirect(pattern, media, rdf.format(ext=ext)) for media, ext in RDF_TYPES] if rdf else []
    return [*rules, Redirect(pattern, None, html)]


def redirects() -> tuple[Redirect, ...]:
    """The whole table, in the order the rules are tried."""
    return (
        *_negotiated(r"^ontology$", "ontology/index.html", "ontology/aigov.{ext}"),
        Redirect(r"^id/dataset$", "text/turtle", "dumps/void.ttl"),
        *_negotiated(r"^id/dataset$", "index.html", None),
        *_negotiated(rf"^id/instrument/{_SLUG}$", "instruments/$1.html", "dumps/aigovkg.{ext}"),
        *_negotiated(rf"^id/topic/{_SLUG}$", "topics/$1.html", "dumps/aigovkg.{ext}"),
        *_negotiated(rf"^id/jurisdiction/{_SLUG}$", "jurisdictions/$1.html", "dumps/aigovkg.{ext}"),
        *_negotiated(rf"^id/claim/{_ANY}/{_SLUG}/{_ANY}$", "topics/$1.html", "dumps/aigovkg.{ext}"),
        *_negotiated(rf"^id/tension/{_ANY}/{_SLUG}/.+$", "topics/$1.html", "dumps/aigovkg.{ext}"),
        *_negotiated(r"^id/.+$", "index.html", "dumps/aigovkg.{ext}"),
    )


def resolve(path: str, accept: str, table: tuple[Redirect, ...] | None = None) -> str | None:
    """The site path a request for ``BASE + path`` with this Accept header is sent to."""
    for rule in table if table is not None else redirects():
        if rule.media_type is not None and not re.search(re.escape(rule.media_type), accept):
            continue
        match = re.search(rule.pattern, path)
        if match:
            return rule.target.replace("$1", match.group(1)) if "$1" in rule.target else rule.target
    return None


def check_site_url(url: str) -> str:
    """An absolute http(s) URL that can stand in a RewriteRule (no spaces, quotes,
    ``$`` or ``%`` back-references); refuse anything else."""
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?", url):
        raise UsageError(f"site URL {url!r} must be an http(s) URL of letters, digits and . _ ~ / -")
    return url


def htaccess(site_url: str, table: tuple[Redirect, ...] | None = None) -> str:
    """The rules as an Apache ``.htaccess`` for ``w3id.org/aigovkg/``, redirecting to ``site_url``."""
    site = check_site_url(site_url).rstrip("/") + "/"
    lines = [
        "# Content negotiation for https://w3id.org/aigovkg/ (written by aigovkg build; do not edit).",
        "# RDF media types are tried first; anything else gets the HTML page.",
        "Options +FollowSymLinks",
        "RewriteEngine on",
        "",
    ]
    for rule in table if table is not None else redirects():
        if rule.media_type is not None:
            lines.append(f"RewriteCond %{{HTTP_ACCEPT}} {re.escape(rule.media_type)}")
        lines.append(f"RewriteRule {rule.pattern} {site}{rule.target} [R=303,L]")
    return "\n".join(lines) + "\n"


def redirects_json(site_url: str | None, table: tuple[Redirect, ...] | None = None) -> str:
    """The table as JSON: targets are paths in the site, ``site`` where it is published."""
    doc = {
        "base": BASE,
        "site": site_url.rstrip("/") + "/" if site_url else None,
        "status": "prepared, not registered at w3id.org",
        "rules": [{"pattern": r.pattern, "accept": r.media_type, "target": r.target}
                  for r in (table if table is not None else redirects())],
    }
    return json.dumps(doc, indent=2) + "\n"

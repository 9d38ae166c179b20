"""The registry of named SPARQL queries (``queries/*.rq``) and their parameters.

Each file holds one query with a header of comments::

    # What the query answers, in a sentence or two.
    #
    # @param topic topic      The topic, by slug (e.g. international-coordination).
    # @param source source?   Only this source's claims (default: the reviewed view).

A parameter has a name, a type (``topic``, ``instrument``, ``jurisdiction``,
``source``, ``claim``, ``level``, ``role``, ``string``, ``integer``, ``date``, ``iri``) and ``?``
when it is optional. Values are validated before any query runs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pyoxigraph as ox

from aigovkg import resources
from aigovkg.errors import InputError, UsageError
from aigovkg.namespaces import AIGOV, PREFIXES, SLUG_NAMESPACES
from aigovkg.sparql import query_form

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CLAIM_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*){2}")  # source/topic/instrument
_PARAM_LINE = re.compile(r"#\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)\s+([a-z]+)(\??)\s*(.*)")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")
_LEVELS = {"governs": "Governs", "implicit": "Implicit", "silent": "Silent", "conflicts": "Conflicts"}
ROLES = MappingProxyType({  # skos:notation -> concept of aigov:DutyHolderRoles
    "provider": "Provider", "deployer": "Deployer", "importer": "Importer", "distributor": "Distributor",
    "authorised-representative": "AuthorisedRepresentative", "gpai-model-provider": "GPAIModelProvider",
    "gpai-systemic-risk-provider": "GPAISystemicRiskProvider", "any-operator": "AnyOperator",
    "frontier-developer": "FrontierDeveloper", "large-frontier-developer": "LargeFrontierDeveloper",
    "generative-content-service-provider": "GenerativeContentServiceProvider",
    "content-dissemination-platform": "ContentDisseminationPlatform",
    "app-distribution-platform": "AppDistributionPlatform", "controller": "Controller",
    "ai-business-operator": "AIBusinessOperator", "generative-ai-service-provider": "GenerativeAIServiceProvider"})
XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = (*SLUG_NAMESPACES, "level", "role", "string", "integer", "date", "iri")
MAX_PARAM_CHARS = 1000


@dataclass(frozen=True)
class Param:
    """A declared query parameter."""

    name: str
    type: str
    optional: bool
    description: str

    def to_term(self, value: Any) -> ox.NamedNode | ox.Literal:
        """Validate a value and make it an RDF term; refuse it otherwise."""
        text = str(value)
        if len(text) > MAX_PARAM_CHARS:
            raise InputError(f"parameter {self.name}: longer than {MAX_PARAM_CHARS} characters")
        if "\x00" in text:
            raise InputError(f"parameter {self.name}: contains a NUL character")
        kind = self.type
        if kind in SLUG_NAMESPACES:
            namespace = SLUG_NAMESPACES[kind]
            slug = text[len(namespace) :] if text.startswith(namespace) else text
            for prefix, iri in PREFIXES.items():  # a CURIE the tool prints (inst:eu-ai-act) is taken too
                if iri == namespace and slug.startswith(prefix + ":"):
                    slug = slug[len(prefix) + 1 :]
            if kind == "claim":
                if not _CLAIM_SLUG.fullmatch(slug):
                    raise InputError(
                        f"parameter {self.name}: {text!r} is not a claim: give its source, topic and instrument "
                        "joined by slashes, or its CURIE or IRI (e.g. claim:aigovkg/human-oversight/eu-ai-act)"
                    )
            elif not _SLUG.fullmatch(slug):
                raise InputError(
                    f"parameter {self.name}: {text!r} is not a {kind} slug "
                    "(lower-case letters and digits joined by hyphens, e.g. international-coordination)"
                )
            return ox.NamedNode(namespace + slug)
        if kind == "level":
            if text not in _LEVELS:
                raise InputError(f"parameter {self.name}: {text!r} is not one of {', '.join(_LEVELS)}")
            return ox.NamedNode(AIGOV + _LEVELS[text])
        if kind == "role":
            if text not in ROLES:
                raise InputError(f"parameter {self.name}: {text!r} is not one of {', '.join(ROLES)}")
            return ox.NamedNode(AIGOV + ROLES[text])
        if kind == "integer":
            if not re.fullmatch(r"[+-]?[0-9]{1,18}", text):
                raise InputError(f"parameter {self.name}: {text!r} is not an integer")
            return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
        if kind == "date":
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise InputError(f"parameter {self.name}: {text!r} is not a date (YYYY-MM-DD)") from None
            if len(text) != 10:
                raise InputError(f"parameter {self.name}: {text!r} is not a date (YYYY-MM-DD)")
            return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
        if kind == "iri":
            if not _IRI.fullmatch(text):
                raise InputError(f"parameter {self.name}: {text!r} is not an absolute IRI")
            try:
                return ox.NamedNode(text)
            except ValueError as exc:
                raise InputError(f"parameter {self.name}: {text!r} is not a valid IRI: {exc}") from None
        if kind == "string":
            return ox.Literal(text)
        raise InputError(f"parameter {self.name}: unknown type {kind}")  # pragma: no cover


@dataclass(frozen=True)
class NamedQuery:
    """One ``.rq`` file: its name, what it answers, its parameters and text."""

    name: str
    path: Path
    description: str
    params: tuple[Param, ...]
    text: str
    form: str

    @property
    def title(self) -> str:
        """The first sentence of the description, without its full stop."""
        return self.description.split(". ")[0].rstrip(".")

    @property
    def body(self) -> str:
        """The query without its header comment.

        >>> first_queries()["1-instruments"].body.splitlines()[0]
        'SELECT ?instrument ?label ?jurisdiction'
        """
        lines = self.text.splitlines(keepends=True)
        start = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")),
                     len(lines))
        return "".join(lines[start:]).strip() + "\n"

    def bindings(self, values: Mapping[str, Any]) -> dict[str, ox.NamedNode | ox.Literal]:
        """Check the given values against the declared parameters."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(declared))
        if unknown:
            known = ", ".join(declared) or "none"
            raise InputError(f"query {self.name}: unknown parameter {', '.join(unknown)} (parameters: {known})")
        out: dict[str, ox.NamedNode | ox.Literal] = {}
        for param in self.params:
            value = values.get(param.name)
            if value is None or value == "":
                if not param.optional:
                    raise InputError(f"query {self.name}: parameter {param.name} is required ({param.description})")
                continue
            out[param.name] = param.to_term(value)
        return out


def parse_query_file(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its header."""
    text = path.read_text(encoding="utf-8")
    description: list[str] = []
    params: list[Param] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        match = _PARAM_LINE.match(stripped)
        if match:
            name, kind, optional, desc = match.groups()
            if kind not in PARAM_TYPES:
                raise InputError(f"{path}: parameter {name} has unknown type {kind}")
            params.append(Param(name, kind, optional == "?", desc.strip()))
        elif not params:
            description.append(stripped.lstrip("#").strip())
    summary = " ".join(" ".join(description).split())
    if not summary:
        raise InputError(f"{path}: the query needs a header comment saying what it answers")
    return NamedQuery(path.stem, path, summary, tuple(params), text, query_form(text))


def _registry(folder: Path) -> Mapping[str, NamedQuery]:
    found = {p.stem: parse_query_file(p) for p in sorted(folder.glob("*.rq"))}
    return MappingProxyType(found)


@cache
def named_queries() -> Mapping[str, NamedQuery]:
    """The named queries shipped in ``queries/``."""
    return _registry(resources.queries_dir())


@cache
def checks() -> Mapping[str, NamedQuery]:
    """The invariants in ``queries/checks/``: SELECTs that must return no rows."""
    return _registry(resources.queries_dir() / "checks")


@cache
def first_queries() -> Mapping[str, NamedQuery]:
    """Short queries to start from (``queries/first/``), in the order of their
    file names; shown on the site's SPARQL page and in the README."""
    return _registry(resources.queries_dir() / "first")


#: How the SPARQL page groups the named queries: a query goes to the first group
#: one of whose names its own name starts with.
QUERY_GROUPS = (
    ("Topics", ("topic",)),
    ("Instruments", ("instrument",)),
    ("Jurisdictions", ("jurisdiction",)),
    ("Claims, coverage and disagreements", ("claim", "coverage-matrix", "silence-index", "disagreements")),
    ("Tensions and relations", ("tensions", "relations")),
    ("Obligations and deadlines", ("obligations", "deadlines", "timetable")),
    ("Approach evaluation", ("approach",)),
    ("The dataset and the ontology", ("dataset", "stats", "ontology-terms", "document-tiers")),
)
OTHER_QUERIES = "Other queries"


def grouped_queries() -> list[tuple[str, list[NamedQuery]]]:
    """The named queries by group (``QUERY_GROUPS``, then any other), each group
    sorted by name; empty groups are left out."""
    groups: dict[str, list[NamedQuery]] = {heading: [] for heading, _ in QUERY_GROUPS}
    groups[OTHER_QUERIES] = []
    for query in named_queries().values():
        heading = next((h for h, names in QUERY_GROUPS if query.name.startswith(names)), OTHER_QUERIES)
        groups[heading].append(query)
    return [(heading, sorted(found, key=lambda q: q.name)) for heading, found in groups.items() if found]


def get(name: str) -> NamedQuery:
    registry = named_queries()
    if name not in registry:
        close = difflib.get_close_matches(name, registry, n=3, cutoff=0.75)
        close += [n for n in registry if (name in n or n in name) and n not in close][: 5 - len(close)]
        hint = f"; did you mean {', '.join(close)}?" if close else "; run 'aigovkg queries' for the list"
        raise UsageError(f"no query named {name!r}{hint}")
    return registry[name]

"""Synthetic graphs for benchmarks and scale tests: ``aigovkg synth``.

A synthetic graph uses the project's own vocabulary and passes the shapes and
the checks: jurisdictions (countries with subnational parts, unions, fora),
topics in the scheme, instruments with every fact attested, a claim for every
instrument on every topic, a second source that disagrees on some cells,
tensions and relations. Coverage levels follow the proportions of this
project's claims in the shipped graph. Nothing in it is real: every label says
"Synthetic", every citation is made up and marked unverified or checked
against ``example.org``, and the dataset says it is synthetic.

``violations=K`` plants K known violations, one of each kind in turn, and
lists them in ``planted.json`` beside the Turtle (rule and focus node of each
expected violation), so that a validator can be checked against them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aigovkg.errors import InputError

ID = "https://w3id.org/aigovkg/id/"
# Where every unverified synthetic record is "listed": a synthetic source document, not data.
SYNTHETIC_DOCUMENT = f"<{ID}document/synthetic>"

PREFIXES = """@prefix aigov: <https://w3id.org/aigovkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix inst: <https://w3id.org/aigovkg/id/instrument/> .
@prefix jur: <https://w3id.org/aigovkg/id/jurisdiction/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix src: <https://w3id.org/aigovkg/id/source/> .
@prefix topic: <https://w3id.org/aigovkg/id/topic/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

"""

# This project's claims in the shipped graph 0.1.0, by level (324 claims):
# governs 116, implicit 68, silent 58, not assessed 79, conflicts 3.
LEVELS = (("Governs", 116), ("Implicit", 68), ("Silent", 58), ("NotAssessed", 79), ("Conflicts", 3))
CONFIDENCE = ("HighConfidence", "MediumConfidence", "LowConfidence")
KINDS = ("Statute", "Regulation", "ExecutiveOrder", "Bill", "Guidelines", "Framework", "Declaration",
         "CodeOfConduct", "CompanyPolicy", "Strategy")
STATUSES = ("InForce", "Adopted", "Published", "Proposed", "Revoked", "Vetoed", "Superseded")
TENSIONS = ("ForumShopping", "Divergence", "RegulatoryConflict")
RELATIONS = ("AlignsWith", "BuildsOn", "Implements", "Amends", "Supersedes", "Revokes")
VERIFIED_SHARE = 0.04  # share of claims checked against a (synthetic) text
SECOND_SOURCE_TOPICS = 0.1  # share of topics the second source also covers

#: The kinds of violation that can be planted, in the order they are planted.
PLANTS = (
    "claim-without-citation",
    "unknown-level",
    "missing-claim",
    "tension-with-itself",
    "undefined-instrument",
    "date-not-a-date",
    "duplicate-claim",
    "verified-without-text",
)


@dataclass(frozen=True)
class SynthReport:
    """What was written."""

    out: Path
    instruments: int
    topics: int
    jurisdictions: int
    claims: int
    tensions: int
    relations: int
    files: int
    planted: tuple[dict[str, str], ...] = ()


@dataclass
class _Graph:
    rng: random.Random
    instruments: int
    topics: int
    files: dict[str, list[str]] = field(default_factory=dict)
    planted: list[dict[str, str]] = field(default_factory=list)

    def add(self, name: str, line: str) -> None:
        self.files.setdefault(name, []).append(line)


def _slug(kind: str, number: int, width: int) -> str:
    return f"synthetic-{kind}-{number:0{width}d}"


def _levels(rng: random.Random, n: int) -> list[str]:
    names = [name for name, _ in LEVELS]
    weights = [weight for _, weight in LEVELS]
    return rng.choices(names, weights=weights, k=n)


def synthesize(
    out: Path,
    *,
    instruments: int,
    topics: int,
    seed: int = 42,
    violations: int = 0,
    overwrite: bool = False,
) -> SynthReport:
    """Write a synthetic graph of ``instruments`` × ``topics`` to ``out``, a
    new or empty folder or, with ``overwrite``, one aigovkg made (replaced
    whole, only once the graph is written)."""
    from aigovkg._output import check_out
    from aigovkg.build import folders_read, staged

    if instruments < 2 or topics < 1:
        raise InputError("a synthetic graph needs at least 2 instruments and 1 topic")
    if violations < 0:
        raise InputError("--violations must be 0 or more")
    if violations > instruments:
        raise InputError("each planted violation needs an instrument of its own: --violations <= --instruments")
    out = Path(out)
    target = check_out(out, reads=folders_read())  # refuses a folder aigovkg did not make
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise InputError(f"{out}: not empty (use --overwrite to replace it)")
    g = _Graph(random.Random(seed), instruments, topics)
    iw, tw = len(str(instruments)), len(str(topics))
    inst = [_slug("instrument", i + 1, iw) for i in range(instruments)]
    tops = [_slug("topic", t + 1, tw) for t in range(topics)]
    jurs = _jurisdictions(g, instruments)
    _sources_and_dataset(g, instruments, topics, seed)
    _topics(g, tops)
    superseded = _instruments(g, inst, jurs)
    claims = _claims(g, inst, tops)
    tensions = _tensions(g, inst, tops)
    relations = _relations(g, inst, superseded)
    if violations:
        _plant(g, inst, tops, violations)

    def fill(put: Callable[[str, str], None]) -> None:
        for name, lines in sorted(g.files.items()):
            put(name, PREFIXES + "\n".join(lines) + "\n")
        if g.planted:
            put("planted.json", json.dumps(g.planted, indent=2) + "\n")

    staged(out, fill, command="synth", reads=folders_read())
    return SynthReport(out, instruments, topics, len(jurs), claims, tensions, relations, len(g.files),
                       tuple(g.planted))


def _jurisdictions(g: _Graph, instruments: int) -> list[str]:
    countries = max(3, min(200, instruments // 10))
    slugs = []
    for c in range(countries):
        slug = f"synthetic-country-{c + 1:03d}"
        g.add("jurisdictions.ttl", f'jur:{slug} a aigov:Jurisdiction ; rdfs:label "Synthetic Country {c + 1}"@en ; '
                                   f'aigov:jurisdictionKind aigov:Country ; skos:notation "X{c + 1:03d}" .')
        slugs.append(slug)
        if c % 4 == 0:
            sub = f"{slug}-region"
            g.add("jurisdictions.ttl", f'jur:{sub} a aigov:Jurisdiction ; rdfs:label "Synthetic Region of Country {c + 1}"@en ; '
                                       f'aigov:jurisdictionKind aigov:Subnational ; aigov:partOf jur:{slug} ; '
                                       f'skos:notation "X{c + 1:03d}-R" .')
            slugs.append(sub)
    for slug, label, kind, code in (
        ("synthetic-union", "Synthetic Union", "SupranationalUnion", "XU"),
        ("synthetic-forum", "Synthetic Forum", "GlobalForum", "XF"),
        ("synthetic-organisation", "Synthetic Organisation", "IntergovernmentalOrganisation", "XO"),
    ):
        g.add("jurisdictions.ttl", f'jur:{slug} a aigov:Jurisdiction ; rdfs:label "{label}"@en ; '
                                   f'aigov:jurisdictionKind aigov:{kind} ; skos:notation "{code}" .')
        slugs.append(slug)
    return slugs


def _sources_and_dataset(g: _Graph, instruments: int, topics: int, seed: int) -> None:
    g.add("sources.ttl", 'src:aigovkg a aigov:Source ; rdfs:label "aigovkg (synthetic review)"@en ; '
                         'skos:notation "aigovkg" ; dcterms:description "Synthetic claims standing in for '
                         'this project\'s review; not real data."@en .')
    g.add("sources.ttl", 'src:synthetic-catalogue a aigov:Source ; rdfs:label "Synthetic catalogue"@en ; '
                         'skos:notation "synthetic-catalogue" ; dcterms:description "A second synthetic source '
                         'that disagrees on some cells; not real data."@en .')
    g.add("sources.ttl", f'{SYNTHETIC_DOCUMENT} a aigov:SourceDocument ; '
                         'dcterms:title "Synthetic catalogue (not data)"@en ; dcterms:publisher src:synthetic-catalogue .')
    g.add("sources.ttl", '<https://w3id.org/aigovkg/id/topic> a skos:ConceptScheme ; '
                         'rdfs:label "Synthetic topics"@en ; skos:definition "Topics of a synthetic graph."@en .')
    g.add("dataset.ttl", f'<{ID}dataset> a <http://www.w3.org/ns/dcat#Dataset>, <http://rdfs.org/ns/void#Dataset> ; '
                         f'dcterms:title "Synthetic aigovkg graph: {instruments} instruments x {topics} topics '
                         f'(seed {seed}); not real data"@en ; '
                         f'<http://www.w3.org/2002/07/owl#versionInfo> "0.0.0-synthetic" ; '
                         f'dcterms:issued "2000-01-01"^^xsd:date .')


def _topics(g: _Graph, tops: list[str]) -> None:
    for t, slug in enumerate(tops):
        g.add("topics.ttl", f'topic:{slug} a aigov:Topic ; skos:inScheme <{ID}topic> ; skos:notation "{slug}" ; '
                            f'skos:prefLabel "Synthetic Topic {t + 1}"@en ; '
                            f'skos:definition "Synthetic topic number {t + 1}."@en .')


def _attest(g: _Graph, file: str, slug: str, prop: str, predicate: str, value: str) -> None:
    g.add(file, f"<{ID}attestation/aigovkg/{slug}/{prop}> a aigov:Attestation ; rdf:subject inst:{slug} ; "
                f"rdf:predicate {predicate} ; rdf:object {value} ; dcterms:source src:aigovkg ; "
                f"aigov:listedIn {SYNTHETIC_DOCUMENT} ; aigov:verification aigov:Unverified .")


def _instruments(g: _Graph, inst: list[str], jurs: list[str]) -> set[str]:
    """Write the instruments; return the slugs of those marked superseded."""
    rng = g.rng
    superseded = set()
    for i, slug in enumerate(inst):
        file = f"instruments/part-{i // 500:03d}.ttl"
        label = f'"Synthetic Instrument {i + 1}"@en'
        jur = f"jur:{rng.choice(jurs)}"
        kind = f"aigov:{rng.choice(KINDS)}"
        status = f"aigov:{rng.choice(STATUSES)}"
        date = f'"{rng.randint(2016, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"^^xsd:date'
        g.add(file, f'inst:{slug} a aigov:Instrument ; rdfs:label {label} ; skos:notation "{slug}" ; '
                    f"aigov:jurisdiction {jur} ; aigov:instrumentKind {kind} ; aigov:status {status} ; "
                    f"aigov:dateAdopted {date} .")
        g.add(file, f"<https://example.org/synthetic/{slug}> aigov:evidenceTier aigov:OfficialText .")
        if status == "aigov:Superseded":
            superseded.add(slug)
            # A superseded version says what replaced it (aigov:SupersededVersionSaysWhatReplacedIt).
            day = date.split('"')[1]
            g.add("events.ttl", f"<{ID}event/aigovkg/{slug}/new-version/{day}> a aigov:LifecycleEvent ; "
                                f"aigov:instrument inst:{slug} ; aigov:eventKind aigov:NewVersion ; "
                                f"aigov:eventDate {date} ; dcterms:source src:aigovkg ; "
                                f"aigov:evidence <https://example.org/synthetic/{slug}> ; "
                                'aigov:notCheckedBecause "Synthetic: no text."@en ; aigov:verification aigov:Unverified .')
        for prop, predicate, value in (("label", "rdfs:label", label), ("jurisdiction", "aigov:jurisdiction", jur),
                                       ("instrumentKind", "aigov:instrumentKind", kind),
                                       ("status", "aigov:status", status),
                                       ("dateAdopted", "aigov:dateAdopted", date)):
            _attest(g, file, slug, prop, predicate, value)
    return superseded


def _claim(source: str, topic_slug: str, slug: str, level: str, rng: random.Random, *,
           citation: bool = True, verified: bool | None = None) -> str:
    verified = rng.random() < VERIFIED_SHARE if verified is None else verified
    parts = [f"<{ID}claim/{source}/{topic_slug}/{slug}> a aigov:CoverageClaim ; aigov:instrument inst:{slug} ; "
             f"aigov:topic topic:{topic_slug} ; aigov:coverageLevel aigov:{level} ; dcterms:source src:{source} ; "
             f"aigov:confidence aigov:{rng.choice(CONFIDENCE)}"]
    if citation and level not in ("Silent", "NotAssessed"):
        parts.append(f'aigov:citation "Synthetic Art. {rng.randint(1, 120)}({rng.randint(1, 9)})"')
    if verified:
        parts.append(f"aigov:verification aigov:Verified ; aigov:checkedAgainst <https://example.org/synthetic/{slug}> ; "
                     'aigov:checkedOn "2026-01-01"^^xsd:date')
    else:
        parts.append(f"aigov:listedIn {SYNTHETIC_DOCUMENT} ; aigov:verification aigov:Unverified")
    if level == "NotAssessed":
        parts.append('aigov:notCheckedBecause "Synthetic: no text."@en')
    return " ; ".join(parts) + " ."


def _claims(g: _Graph, inst: list[str], tops: list[str]) -> int:
    rng = g.rng
    count = 0
    second = max(1, round(len(tops) * SECOND_SOURCE_TOPICS))
    for t, topic_slug in enumerate(tops):
        file = f"claims/{topic_slug}.ttl"
        for slug, level in zip(inst, _levels(rng, len(inst)), strict=True):
            g.add(file, _claim("aigovkg", topic_slug, slug, level, rng))
            count += 1
            if t < second:
                # The catalogue agrees on most cells and disagrees on about one in five.
                other = level if rng.random() < 0.8 else rng.choice(["Governs", "Implicit", "Silent"])
                other = "Silent" if other == "NotAssessed" else other
                g.add(file, _claim("synthetic-catalogue", topic_slug, slug, other, rng, verified=False))
                count += 1
    return count


def _pairs(rng: random.Random, inst: list[str], n: int) -> Iterator[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    while len(seen) < n:
        a, b = rng.sample(inst, 2)
        if (a, b) not in seen:
            seen.add((a, b))
            yield a, b


def _tensions(g: _Graph, inst: list[str], tops: list[str]) -> int:
    rng = g.rng
    count = 0
    per_topic = max(1, len(inst) // 100)
    for topic_slug in tops:
        for a, b in _pairs(rng, inst, min(per_topic, len(inst) * (len(inst) - 1))):
            kind = rng.choice(TENSIONS)
            kebab = {"ForumShopping": "forum-shopping", "Divergence": "divergence",
                     "RegulatoryConflict": "conflict"}[kind]
            g.add("tensions.ttl", f"<{ID}tension/aigovkg/{topic_slug}/{kebab}/{a}--{b}> a aigov:Tension ; "
                                  f"aigov:tensionKind aigov:{kind} ; aigov:firstInstrument inst:{a} ; "
                                  f"aigov:secondInstrument inst:{b} ; aigov:topic topic:{topic_slug} ; "
                                  f'dcterms:source src:aigovkg ; aigov:citation "Synthetic Art. {rng.randint(1, 99)} '
                                  f'v. Synthetic Art. {rng.randint(1, 99)}" ; aigov:listedIn {SYNTHETIC_DOCUMENT} ; aigov:verification aigov:Unverified .')
            count += 1
    return count


def _relations(g: _Graph, inst: list[str], superseded: set[str]) -> int:
    rng = g.rng
    n = min(len(inst) // 2 or 1, len(inst) * (len(inst) - 1))
    for a, b in _pairs(rng, inst, n):
        kind = rng.choice(RELATIONS)
        if kind == "Supersedes" and b not in superseded:
            kind = "BuildsOn"  # only a version marked superseded is superseded (aigov:ReplacedVersionIsNotCurrent)
        kebab = "".join("-" + c.lower() if c.isupper() else c for c in kind).lstrip("-")
        g.add("relations.ttl", f"<{ID}relation/aigovkg/{kebab}/{a}--{b}> a aigov:InstrumentRelation ; "
                               f"aigov:fromInstrument inst:{a} ; aigov:toInstrument inst:{b} ; "
                               f"aigov:relationKind aigov:{kind} ; dcterms:source src:aigovkg ; "
                               f'aigov:citation "Synthetic preamble, recital {rng.randint(1, 60)}" ; '
                               f"aigov:listedIn {SYNTHETIC_DOCUMENT} ; aigov:verification aigov:Unverified .")
    return n


def _plant(g: _Graph, inst: list[str], tops: list[str], k: int) -> None:
    """Plant ``k`` violations, each on instruments/topics of its own."""
    for n in range(k):
        kind = PLANTS[n % len(PLANTS)]
        topic_slug = tops[n % len(tops)]
        slug = inst[n]
        claim = f"{ID}claim/aigovkg/{topic_slug}/{slug}"
        file = f"claims/{topic_slug}.ttl"
        lines = g.files[file]
        prefix = f"<{claim}> "
        index = next(i for i, line in enumerate(lines) if line.startswith(prefix))
        expected: list[tuple[str, str]] = []
        if kind == "claim-without-citation":
            lines[index] = _claim("aigovkg", topic_slug, slug, "Governs", g.rng, citation=False, verified=False)
            expected = [("aigov:CoverageNeedsCitation", claim)]
        elif kind == "unknown-level":
            lines[index] = lines[index].replace(lines[index].split("aigov:coverageLevel ")[1].split(" ;")[0],
                                                "aigov:Maybe", 1)
            expected = [("aigov:ClaimHasKnownLevel", claim), ("aigov:CoverageNeedsCitation", claim)]
            # An unknown level is neither silence nor something cited: drop the
            # citation so that exactly these two rules fire.
            lines[index] = " ; ".join(p for p in lines[index].rstrip(" .").split(" ; ")
                                      if not p.startswith("aigov:citation")) + " ."
        elif kind == "missing-claim":
            del lines[index]
            expected = [("check:claim-for-every-instrument", f"{ID}topic/{topic_slug}")]
        elif kind == "tension-with-itself":
            iri = f"{ID}tension/aigovkg/{topic_slug}/divergence/{slug}--{slug}"
            g.add("tensions.ttl", f"<{iri}> a aigov:Tension ; aigov:tensionKind aigov:Divergence ; "
                                  f"aigov:firstInstrument inst:{slug} ; aigov:secondInstrument inst:{slug} ; "
                                  f"aigov:topic topic:{topic_slug} ; dcterms:source src:aigovkg ; "
                                  f'aigov:citation "Synthetic Art. 1" ; aigov:listedIn {SYNTHETIC_DOCUMENT} ; aigov:verification aigov:Unverified .')
            expected = [("aigov:TensionNotWithItself", iri)]
        elif kind == "undefined-instrument":
            lines[index] = lines[index].replace(f"aigov:instrument inst:{slug} ",
                                                f"aigov:instrument inst:{slug}-undefined ", 1)
            # The cell of the real instrument is then missing too.
            expected = [("aigov:ClaimNamesOneInstrument", claim),
                        ("check:claim-for-every-instrument", f"{ID}topic/{topic_slug}")]
        elif kind == "date-not-a-date":
            # A date written as a plain string (an ill-typed xsd:date would be
            # refused by the loader before validation).
            file_i = f"instruments/part-{inst.index(slug) // 500:03d}.ttl"
            ilines = g.files[file_i]
            for i, line in enumerate(ilines):
                if line.startswith(f"inst:{slug} ") or line.startswith(f"<{ID}attestation/aigovkg/{slug}/dateAdopted>"):
                    ilines[i] = line.replace("^^xsd:date", "", 1)
            expected = [("aigov:InstrumentDateAdoptedIsADate", f"{ID}instrument/{slug}")]
        elif kind == "duplicate-claim":
            other = f"{ID}claim/aigovkg/{topic_slug}/{slug}-again"
            g.add(file, lines[index].replace(f"<{claim}>", f"<{other}>", 1))
            expected = [("check:one-claim-per-source", claim), ("check:one-claim-per-source", other)]
        elif kind == "verified-without-text":
            lines[index] = _claim("aigovkg", topic_slug, slug, "Silent", g.rng, verified=False).replace(
                "aigov:Unverified", "aigov:Verified")
            expected = [("aigov:VerifiedClaimNamesItsText", claim)]
        for rule, focus in expected:
            g.planted.append({"kind": kind, "rule": rule, "focus": focus})

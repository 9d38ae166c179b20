"""The ontology's documentation page, its formats, and the content-negotiation
table for the w3id IRIs, checked against the files the build writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from aigovkg import resources
from aigovkg.conneg import RDF_TYPES, htaccess, redirects, resolve
from aigovkg.ontodoc import ontology_store

from .conftest import run_cli

SITE_URL = "https://example.org/aigovkg/"
AIGOV = "https://w3id.org/aigovkg/ontology#"
BASE = "https://w3id.org/aigovkg/"
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pub") / "site"
    result = run_cli("site", "--out", str(out), "--site-url", SITE_URL)
    assert result.returncode == 0, result.stderr
    return out


class _Page(HTMLParser):
    """Collects ids, links and sections, and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.articles: list[tuple[str, str, str]] = []  # (section, class, id)
        self.section = ""
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"] or "")
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"] or "")
        if tag == "section":
            self.section = attributes.get("id") or ""
        if tag == "article":
            self.articles.append((self.section, attributes.get("class") or "", attributes.get("id") or ""))
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.errors == [] and page.stack == [], (page.errors, page.stack)
    return page


def _count(query: str) -> int:
    (row,) = list(ontology_store().query(query))
    return int(row[0].value)


def _terms_of(kind: str) -> str:
    return ("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a <" + kind + "> "
            f'FILTER(STRSTARTS(STR(?t), "{AIGOV}")) }}')


def test_the_page_lists_every_class_property_and_concept(site: Path):
    page = _parse(site / "ontology/index.html")
    by_section: dict[str, list[str]] = {}
    for section, cls, anchor in page.articles:
        by_section.setdefault(f"{section}/{cls}", []).append(anchor)
    classes = _count(_terms_of("http://www.w3.org/2002/07/owl#Class"))
    object_properties = _count(_terms_of("http://www.w3.org/2002/07/owl#ObjectProperty"))
    datatype_properties = _count(_terms_of("http://www.w3.org/2002/07/owl#DatatypeProperty"))
    schemes = _count(_terms_of("http://www.w3.org/2004/02/skos/core#ConceptScheme"))
    concepts = _count("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t <http://www.w3.org/2004/02/skos/core#inScheme> ?s "
                      f'FILTER(STRSTARTS(STR(?t), "{AIGOV}")) }}')
    assert (classes, object_properties, datatype_properties, schemes) == (36, 42, 36, 14)
    assert len(by_section["classes/term"]) == classes
    assert len(by_section["object-properties/term"]) == object_properties
    assert len(by_section["datatype-properties/term"]) == datatype_properties
    assert len(by_section["concept-schemes/term"]) == schemes
    assert len(by_section["concept-schemes/concept"]) == concepts == 86  # 77, 8 duty holders (#20), 1 jurisdiction kind
    # every term of the namespace has a section anchored at its local name; anchors are unique
    every = {r[0].value[len(AIGOV):] for r in ontology_store().query(
        f'SELECT DISTINCT ?t WHERE {{ ?t ?p ?o FILTER(STRSTARTS(STR(?t), "{AIGOV}")) }}')}
    anchors = [a for section, _, a in page.articles if section != "shapes"]
    assert len(anchors) == len(set(anchors)) == len(every) == 215
    assert set(anchors) == every
    assert {"Instrument", "CoverageClaim", "coverageLevel", "Governs", "CoverageLevels"} <= set(anchors)
    assert len(page.ids) == len(set(page.ids))
    # every link inside the page lands on an anchor; the formats it offers exist beside it
    internal = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert len(internal) > 300 and set(internal) <= set(page.ids)
    for name in ("aigov.ttl", "aigov.jsonld", "aigov.nt", "aigov.rdf"):
        assert name in page.hrefs and (site / "ontology" / name).is_file()


def test_the_page_shows_definitions_sources_and_alignments(site: Path):
    html = (site / "ontology/index.html").read_text(encoding="utf-8")
    instrument = html[html.index('<article class="term" id="Instrument">'):]
    instrument = instrument[: instrument.index("</article>")]
    assert "A text by which a government" in instrument
    assert 'href="https://schema.org/Legislation"' in instrument and "eli:LegalResource" in instrument
    assert 'href="http://www.w3.org/ns/prov#Entity"' in instrument
    assert 'href="#dateAdopted"' in instrument  # properties with this domain
    level = html[html.index('<article class="term" id="coverageLevel">'):]
    level = level[: level.index("</article>")]
    assert 'Domain</dt><dd><a href="#CoverageClaim">' in level and 'Range</dt><dd><a href="#CoverageLevel">' in level
    assert "Policy Window&#39;s cell types" in html  # dcterms:source of the coverage levels, escaped


def test_each_class_lists_its_properties_and_shapes_and_the_shapes_are_published(site: Path):
    html = (site / "ontology/index.html").read_text(encoding="utf-8")
    page = _parse(site / "ontology/index.html")

    def article(anchor: str) -> str:
        part = html[html.index(f'id="{anchor}">'):]
        return part[: part.index("</article>")]

    claim = article("CoverageClaim")
    used = claim[claim.index("Properties used with it"):claim.index("Constrained by the shapes")]
    for prop in ("coverageLevel", "citation", "instrument", "topic", "checkedOn", "verification"):
        assert f'href="#{prop}"' in used, prop
    assert 'href="http://purl.org/dc/terms/source"' in used  # a property of another vocabulary, from a shape
    constrained = claim[claim.index("Constrained by the shapes"):]
    for shape in ("ClaimIRIPolicy", "CoverageNeedsCitation", "RestsOnSomethingAReaderCanOpen"):
        assert f'href="#{shape}"' in constrained, shape
    # every named shape of the file has a section at its local name, saying what it targets and checks
    named = {str(s) for s in rdflib.Graph().parse(resources.shapes_file()).subjects()
             if isinstance(s, rdflib.URIRef)}
    shapes = [a for section, cls, a in page.articles if section == "shapes" and cls == "shape"]
    assert len(shapes) == len(set(shapes)) == len(named) == 125
    assert {AIGOV + a for a in shapes} == named
    policy = article("ClaimIRIPolicy")
    assert "Targets the class" in policy and 'href="#CoverageClaim"' in policy and "{source}/{topic}/{instrument}" in policy
    assert len(page.ids) == len(set(page.ids))
    # the shapes file is published beside the ontology, as it is, and linked from the page
    assert (site / "ontology/shapes.ttl").read_bytes() == resources.shapes_file().read_bytes()
    assert "shapes.ttl" in page.hrefs


def test_the_formats_are_the_ontology(site: Path):
    source = rdflib.Graph().parse(resources.ontology_file(), format="turtle")
    formats = {"aigov.ttl": "turtle", "aigov.jsonld": "json-ld", "aigov.nt": "nt", "aigov.rdf": "xml"}
    for name, fmt in formats.items():
        graph = rdflib.Graph().parse(site / "ontology" / name, format=fmt)
        assert len(graph) == len(source) and isomorphic(graph, source), name
    assert len(formats) == 4


def test_ontology_files_are_the_same_bytes_whatever_the_hash_seed(tmp_path: Path):
    script = ("import sys; from pathlib import Path; from aigovkg.ontodoc import write_ontology\n"
              "out = Path(sys.argv[1])\n"
              "def put(rel, data):\n"
              "    p = out / rel; p.parent.mkdir(parents=True, exist_ok=True)\n"
              "    p.write_bytes(data.encode() if isinstance(data, str) else data)\n"
              "write_ontology(put)\n")
    outputs = []
    for seed in ("0", "7"):
        folder = tmp_path / seed
        subprocess.run([sys.executable, "-c", script, str(folder)], check=True, timeout=300,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append({p.name: p.read_bytes() for p in sorted((folder / "ontology").iterdir())})
    assert len(outputs[0]) == 6 and outputs[0] == outputs[1]
    assert outputs[0]["shapes.ttl"] == resources.shapes_file().read_bytes()


# ------------------------------------------------------- content negotiation


def _requests(kg) -> list[str]:
    """Paths under the base IRI that the redirects must serve: the ontology, the
    dataset, and every instrument, topic, jurisdiction, claim and tension."""
    found = kg.sparql_results(
        "SELECT DISTINCT ?s WHERE { { ?s a aigov:Instrument } UNION { ?s a aigov:Topic } UNION "
        "{ ?s a aigov:Jurisdiction } UNION { ?s a aigov:CoverageClaim } UNION { ?s a aigov:Tension } "
        "UNION { ?s a aigov:Source } UNION { ?s a aigov:Attestation } }")
    paths = sorted(str(row[0].value)[len(BASE):] for row in found.rows)
    return ["ontology", "id/dataset", *paths]


def _apache(rules_text: str, path: str, accept: str) -> str | None:
    """What the .htaccess does with a request: mod_rewrite's order, conditions on
    the Accept header, the first matching rule wins."""
    pending: list[str] = []
    for line in rules_text.splitlines():
        if line.startswith("RewriteCond "):
            variable, regex = line.split()[1:3]
            assert variable == "%{HTTP_ACCEPT}"
            pending.append(regex)
        elif line.startswith("RewriteRule "):
            pattern, target, flags = line.split()[1:4]
            assert flags == "[R=303,L]"
            conds, pending = pending, []
            match = re.search(pattern, path)
            if match and all(re.search(c, accept) for c in conds):
                return re.sub(r"\$(\d)", lambda m, found=match: found.group(int(m.group(1))), target)
    return None


def test_every_redirect_target_is_a_file_the_build_wrote(site: Path, kg):
    table = json.loads((site / "w3id/redirects.json").read_text())
    assert table["site"] == SITE_URL and table["base"] == BASE
    assert table["status"] == "prepared, not registered at w3id.org"
    assert len(table["rules"]) == len(redirects()) == 37
    accepts = [BROWSER, "text/html", *(media for media, _ in RDF_TYPES), "*/*"]
    rules_text = (site / "w3id/.htaccess").read_text()
    checked = 0
    for path in _requests(kg):
        for accept in accepts:
            target = resolve(path, accept)
            assert target is not None, (path, accept)
            assert (site / target).is_file(), f"{path} ({accept}) -> {target}: not written"
            assert _apache(rules_text, path, accept) == SITE_URL + target, (path, accept)
            checked += 1
    assert checked == len(_requests(kg)) * 7 and checked > 2500
    assert resolve("id/instrument/eu-ai-act", BROWSER) == "instruments/eu-ai-act.html"
    assert resolve("id/claim/aigovkg/synthetic-content/eu-ai-act", "text/html") == "topics/synthetic-content.html"
    assert resolve("ontology", "application/ld+json") == "ontology/aigov.jsonld"
    assert resolve("id/dataset", "text/turtle") == "dumps/void.ttl"
    assert resolve("elsewhere", "text/html") is None


def test_without_a_site_url_no_htaccess_is_written(tmp_path: Path):
    out = tmp_path / "site"
    result = run_cli("site", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "w3id/redirects.json").is_file() and not (out / "w3id/.htaccess").exists()
    assert json.loads((out / "w3id/redirects.json").read_text())["site"] is None
    bad = run_cli("site", "--out", str(tmp_path / "other"), "--site-url", "https://x.org/$1 [R]")
    assert bad.returncode == 2 and "site URL" in bad.stderr and not (tmp_path / "other").exists()


def test_htaccess_refuses_urls_that_would_inject_rules():
    from aigovkg.errors import UsageError

    for url in ("https://x.org/a b", "https://x.org/$1", "https://x.org/%1", "javascript:x", "https://x.org/\nRewriteRule"):
        with pytest.raises(UsageError):
            htaccess(url)


def test_the_readme_names_properties_the_ontology_gives_each_class(kg):
    """The README's table of key properties, checked against the ontology and
    shapes (the ontology page's 'Properties used with it') and the data."""
    from aigovkg.namespaces import PREFIXES
    from aigovkg.ontodoc import ontology_doc

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| class | key properties |"):]
    rows = re.findall(r"^\| `aigov:(\w+)` \| (.+) \|$", table[: table.index("\n\n")], re.MULTILINE)
    assert len(rows) == 10

    def expand(name: str) -> str:
        prefix, local = name.split(":")
        return PREFIXES[prefix] + local

    used = {term.anchor: {AIGOV + link.href[1:] if link.internal else link.href for link in term.properties}
            for term in ontology_doc().sections[0].terms}
    checked = 0
    for cls, cell in rows:
        properties = re.findall(r"`([a-z]+:\w+)`", cell)
        assert properties and cell == ", ".join(f"`{p}`" for p in properties), cell
        for name in properties:
            assert expand(name) in used[cls], f"{name} is not a property of aigov:{cls} in the ontology or shapes"
            assert kg.engine.ask(f"ASK {{ ?x a <{AIGOV}{cls}> ; <{expand(name)}> ?v }}"), f"no aigov:{cls} has {name}"
            checked += 1
    assert checked == 59

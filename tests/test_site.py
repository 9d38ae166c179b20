"""The static site in a real browser (Debian's chromium, headless, driven by
Selenium): every page loads without console errors, every internal link
resolves, each page's JSON-LD parses and agrees with the graph, and the
International Coordination page renders as a real, non-blank picture."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .conftest import run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = run_cli("site", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        pytest.fail("Debian's chromium and chromium-driver are needed: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_page_count(site):
    # index, compare, sparql, 13 topics, 26 instruments, 16 jurisdictions, the ontology
    assert len(_pages(site)) == 59


def test_every_page_loads_without_console_errors_and_links_resolve(site, browser):
    checked = links = 0
    for page in _pages(site):
        browser.get(page.as_uri())
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, (page, errors)
        hrefs = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        for href in hrefs:
            parts = urlsplit(href)
            if parts.scheme != "file":
                continue
            target = Path(unquote(parts.path))
            assert target.exists(), f"{page.relative_to(site)} links to missing {target}"
            assert site in target.parents or target == site, f"{page} links outside the site: {target}"
            links += 1
        checked += 1
    assert checked == 59
    assert links > 1200  # nav, instrument, topic and jurisdiction links on every page


def test_json_ld_agrees_with_the_graph(site, browser, kg):
    labels = {r["instrument"]: r["label"] for r in kg.results("instruments").records()}
    topics = {r["topic"]: r["label"] for r in kg.results("topics").records()}
    seen = 0
    for page in _pages(site):
        browser.get(page.as_uri())
        blocks = browser.execute_script(
            "return Array.from(document.querySelectorAll('script[type=\"application/ld+json\"]')).map(s => s.textContent)")
        assert len(blocks) == 1, page
        doc = json.loads(blocks[0])
        assert doc["@context"] == "https://schema.org"
        if doc["@type"] == "Legislation":
            assert labels[doc["@id"]] == doc["name"]
            seen += 1
        elif doc["@type"] == "DefinedTerm":
            assert topics[doc["@id"]] == doc["name"]
            seen += 1
    assert seen == len(labels) + len(topics)


def test_compare_page_works_from_a_static_server(site, browser):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        browser.get(f"http://127.0.0.1:{port}/compare.html#eu-ai-act,oecd-ai-principles")
        rows = browser.execute_script(
            "return Array.from(document.querySelectorAll('#comparison tbody tr')).map(r => r.innerText)")
        assert len(rows) == len(json.loads(browser.execute_script(
            "return document.getElementById('matrix').textContent"))["topics"])
        ic = next(r for r in rows if r.startswith("International Coordination"))
        assert "implicit" in ic and "governs" in ic  # EU AI Act Art. 39 vs OECD principle 2.5
        assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        server.shutdown()
        server.server_close()


def test_screenshot_of_the_topic_page_is_not_blank(site, browser, tmp_path):
    from PIL import Image

    browser.get((site / "topics" / "international-coordination.html").as_uri())
    shot = tmp_path / "international-coordination.png"
    assert browser.save_screenshot(str(shot))
    image = Image.open(shot).convert("RGB")
    assert image.size[0] >= 1000 and image.size[1] >= 800
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, table shading, links: not a blank page
    white = max(count for count, colour in colours if colour == (255, 255, 255))
    assert white < image.size[0] * image.size[1] * 0.97


def test_what_a_claim_rests_on_shows_on_topic_instrument_and_compare_pages(site, browser, kg):
    """The quote, the link to the text it was checked against with its tier, the
    verification and the day checked are on the three pages that show the claim."""
    rows = kg.results("claim-evidence", topic="international-coordination", instrument="eu-ai-act",
                      source="aigovkg").records()
    assert len(rows) == 1
    claim = rows[0]
    assert claim["verification"] == "verified" and claim["role"] == "checked-against" and claim["quote"]

    def shown(container_js: str) -> dict:
        browser.execute_script(f"{container_js}.querySelector('details.evidence').open = true")
        return browser.execute_script(f"""
            const box = {container_js}.querySelector('details.evidence');
            return {{text: box.innerText, links: Array.from(box.querySelectorAll('a')).map(a => a.href)}};""")

    pages = {
        "topic": ("topics/international-coordination.html", "document.getElementById('claim-eu-ai-act')"),
        "instrument": ("instruments/eu-ai-act.html",
                       "document.getElementById('claim-international-coordination-aigovkg')"),
        "compare": ("compare.html#eu-ai-act,oecd-ai-principles",
                    "Array.from(document.querySelectorAll('#comparison tbody tr'))"
                    ".find(r => r.innerText.startsWith('International Coordination')).children[1]"),
    }
    for name, (page, container) in pages.items():
        browser.get((site / page.split("#")[0]).as_uri() + ("#" + page.split("#")[1] if "#" in page else ""))
        seen = shown(container)
        assert claim["quote"] in seen["text"], name
        assert claim["document"] in seen["links"], name
        assert claim["tierLabel"] in seen["text"] and "verified" in seen["text"], name
        assert claim["checkedOn"].isoformat() in seen["text"], name
        assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"], name


def test_the_sparql_page_has_contents_grouping_every_query(site):
    from html.parser import HTMLParser

    from aigovkg.queries import OTHER_QUERIES, first_queries, grouped_queries, named_queries

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.ids: set[str] = set()
            self.in_contents = 0
            self.contents: list[str] = []

        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if attributes.get("id"):
                self.ids.add(attributes["id"])
            if tag == "nav" and attributes.get("id") == "contents":
                self.in_contents = 1
            elif tag == "nav" and self.in_contents:
                self.in_contents += 1
            if tag == "a" and self.in_contents:
                self.contents.append(attributes["href"])

        def handle_endtag(self, tag):
            if tag == "nav" and self.in_contents:
                self.in_contents -= 1

    page = Links()
    page.feed((site / "sparql.html").read_text(encoding="utf-8"))
    targets = [href[1:] for href in page.contents]
    assert all(href.startswith("#") for href in page.contents) and set(targets) <= page.ids
    groups = grouped_queries()
    assert OTHER_QUERIES not in [heading for heading, _ in groups]  # every query has a group of its own
    assert len(groups) == 8 and sum(len(group) for _, group in groups) == len(named_queries()) == 43
    assert {f"q-{name}" for name in named_queries()} <= set(targets)
    assert {f"first-{name}" for name in first_queries()} <= set(targets)
    assert {"first", "prefixes", "entailment", "library"} <= set(targets)
    from aigovkg.namespaces import PREFIXES

    html = (site / "sparql.html").read_text(encoding="utf-8")
    assert all(f"<td><code>{prefix}:</code></td><td><code>{ns}</code></td>" in html for prefix, ns in PREFIXES.items())
    assert "claim:aigovkg\\/human-oversight\\/eu-ai-act" in html and "?x a/rdfs:subClassOf* prov:Entity" in html

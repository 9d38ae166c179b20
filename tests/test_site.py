"""The static site in a real browser (Debian's chromium, headless, driven by
Selenium): every page loads without console errors, every internal link
resolves, each page's JSON-LD parses and agrees with the graph, and the
International Coordination page renders as a real, non-blank picture."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
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
    # index, calendar, compare, sparql, search, 23 topics, 33 instruments, 33 instrument
    # timelines (every instrument has a dated fact), 20 jurisdictions, the ontology
    assert len(_pages(site)) == 115
    assert len(list((site / "timelines").glob("*.html"))) == 33


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
    assert checked == 115
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
    assert len(rows) == 2 and {r["role"] for r in rows} == {"checked-against"}  # Art. 66 and Art. 39, two texts
    claim = rows[0]
    assert claim["verification"] == "verified" and claim["quote"]

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
        assert all(r["document"] in seen["links"] for r in rows), name
        assert claim["tierLabel"] in seen["text"] and "verified" in seen["text"], name
        assert claim["checkedOn"].isoformat() in seen["text"], name
        assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"], name


@contextlib.contextmanager
def _served(folder: Path) -> Iterator[str]:
    """A static server for ``folder`` on 127.0.0.1; yields its base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _column(browser, table_js: str, n: int) -> list[str]:
    return browser.execute_script(
        f"return Array.from({table_js}.querySelectorAll('tbody tr')).map(r => r.children[{n}].innerText.trim())")


def test_jurisdiction_pages_show_the_labels_the_index_shows(site, browser, kg):
    """Kind and status are the labels of the index (executive order, in force), not slugs."""
    browser.get((site / "index.html").as_uri())
    table = "document.querySelector('#instruments + table')"
    kinds_statuses = zip(_column(browser, table, 2), _column(browser, table, 3), strict=True)
    index = dict(zip(_column(browser, table, 0), kinds_statuses, strict=True))
    assert index["Executive Order 14110 on Safe, Secure, Trustworthy AI"] == ("executive order", "revoked")
    seen = 0
    for page in sorted((site / "jurisdictions").glob("*.html")):
        browser.get(page.as_uri())
        names = _column(browser, table, 0)
        shown = zip(_column(browser, table, 2), _column(browser, table, 3), strict=True)
        for name, kind_status in zip(names, shown, strict=True):
            if name != "No tracked instrument.":
                assert index[name] == kind_status, (page.name, name)
                seen += 1
    assert seen >= len(index)  # each instrument at least on its own jurisdiction's page
    browser.get((site / "jurisdictions" / "us.html").as_uri())
    text = browser.execute_script("return document.querySelector('main').innerText")
    assert "executive order" in text and "in force" in text
    assert not re.search(r"\b(executive-order|in-force|company-policy)\b", text)


def test_instrument_facts_name_their_fields_in_words(site, browser):
    """No raw CURIE (dcterms:title, rdfs:label) as a field name."""
    fields = set()
    for page in sorted((site / "instruments").glob("*.html")):
        browser.get(page.as_uri())
        fields |= set(_column(browser, "document.querySelector('#facts + table')", 0))
    assert {"full title", "short name", "date adopted", "status"} <= fields
    assert not [f for f in fields if re.fullmatch(r"[a-z]+:\w+", f)], fields


def test_index_counts_read_as_english_and_are_not_repeated(site, browser):
    browser.get((site / "index.html").as_uri())
    text = browser.execute_script("return document.querySelector('main').innerText")
    assert not re.search(r"\b1 (instruments|topics)\b", text)
    assert "1 instrument)" in text  # a jurisdiction with one instrument
    topics = browser.execute_script(
        "return Array.from(document.querySelectorAll('#topics ~ ul')[0].children).map(li => li.innerText)")
    assert len(topics) == 23
    assert not [t for t in topics if "(" in t], topics  # the count all share is said once, above the list
    assert text.count("33 instruments") == 1


def test_topic_pages_say_the_definition_once_and_each_header_once(site, browser, kg):
    checked = tables = 0
    for t in kg.results("topics").records():
        browser.get((site / "topics" / f"{t['slug']}.html").as_uri())
        text = browser.execute_script("return document.querySelector('main').innerText")
        definition = kg.results("topic", topic=t["slug"]).records()[0]["definition"]
        assert text.count(definition[1:].rstrip(".")) == 1, t["slug"]  # the first letter may be lowered
        for headers in browser.execute_script(
                "return Array.from(document.querySelectorAll('main table')).map("
                "t => Array.from(t.querySelectorAll('thead th')).map(th => th.innerText.trim()))"):
            assert len(headers) == len(set(headers)), (t["slug"], headers)
            tables += 1
        checked += 1
    assert checked == 23 and tables > 23  # coverage on each page, disagreements on some
    browser.get((site / "topics" / "international-coordination.html").as_uri())
    rows = browser.execute_script("return Array.from(document.querySelectorAll('table.disagreements tbody tr'))"
                                  ".map(r => r.innerText)")
    assert rows and len(rows) % 2 == 0  # each disagreement: one row per source


def test_compare_page_opens_on_the_pair_most_assessed_by_both(site, browser):
    """The default pair has the most topics both assessed; ties go to the
    first pair in the listed order. Computed here from the page's own data."""
    browser.get((site / "compare.html").as_uri())
    data = json.loads(browser.execute_script("return document.getElementById('matrix').textContent"))
    order = browser.execute_script("return Array.from(document.getElementById('a').options).map(o => o.value)")

    def both(a: str, b: str) -> int:
        return sum(1 for t in data["topics"]
                   if all(data["cells"].get(x, {}).get(t["slug"], {}).get("level", "not-assessed") != "not-assessed"
                          for x in (a, b)))

    pairs = [(a, b) for n, a in enumerate(order) for b in order[n + 1:]]
    best = max(pairs, key=lambda p: (both(*p), -pairs.index(p)))
    shown = browser.execute_script("return [document.getElementById('a').value, document.getElementById('b').value]")
    assert tuple(shown) == best
    assert both(*best) > both(order[0], order[1])  # the old default: the first two in the list
    assert browser.current_url.endswith(f"#{best[0]},{best[1]}")
    rows = browser.execute_script("return Array.from(document.querySelectorAll('#comparison tbody tr')).length")
    assert rows == 23


def test_pages_read_on_a_phone(site, browser):
    """At 390 px (a phone, mobile emulation) no page scrolls sideways: wide
    tables scroll inside their own box and pictures scale to the screen."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        checked = scrolling = 0
        for page in _pages(site):
            browser.get(page.as_uri())
            assert browser.execute_script("return document.querySelector('meta[name=viewport]') !== null"), page
            found = browser.execute_script("""
                const width = document.documentElement.clientWidth;
                return {width: width, page: document.documentElement.scrollWidth,
                        images: Array.from(document.images).map(i => i.getBoundingClientRect().right),
                        tables: Array.from(document.querySelectorAll('table')).map(t => [t.getBoundingClientRect().right, t.scrollWidth > t.clientWidth])};""")
            assert found["width"] == 390
            assert found["page"] <= found["width"], (page.relative_to(site), found["page"])
            assert all(right <= found["width"] for right in found["images"]), page
            assert all(right <= found["width"] for right, _ in found["tables"]), page
            scrolling += sum(1 for _, wide in found["tables"] if wide)
            checked += 1
        assert checked == 115 and scrolling > 20  # wide tables are there, scrolling inside their box
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _search(browser, url: str, query: str) -> list[dict[str, str]]:
    browser.get(url + "search.html?q=" + query)
    return browser.execute_script("""return Array.from(document.querySelectorAll('#results li')).map(li => ({
        kind: li.querySelector('.kind').textContent, title: (li.querySelector('a') || li.children[1]).textContent,
        href: li.querySelector('a') ? li.querySelector('a').href : null}));""")


def test_search_finds_instruments_topics_and_claims_from_file_and_from_a_server(site, browser):
    from selenium.webdriver.support.wait import WebDriverWait

    with _served(site) as served:
        for base in (site.as_uri() + "/", served):
            found = _search(browser, base, "incident+reporting")
            kinds = {r["kind"] for r in found}
            assert kinds == {"topic", "claim"}, (base, kinds)
            assert found[0] == {"kind": "topic", "title": "Incident Reporting",
                                "href": base + "topics/incident-reporting.html"}
            eu = next(r for r in found if r["title"] == "EU AI Act on Incident Reporting")
            browser.get(eu["href"])
            assert "Art. 73" in browser.execute_script(
                "return document.getElementById(decodeURIComponent(location.hash.slice(1))).innerText")
            assert _search(browser, base, "nist")[0]["kind"] == "instrument"
            assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"], base
            # typing searches as well; the box on every page leads here
            browser.get(base + "topics/incident-reporting.html")
            box = browser.find_element("css selector", "form.site-search input")
            box.send_keys("Bletchley\n")
            WebDriverWait(browser, 10).until(lambda b: b.current_url.split("?")[0].endswith("/search.html"))
            titles = browser.execute_script("return Array.from(document.querySelectorAll('#results li a')).map(a => a.textContent)")
            assert "Bletchley Declaration on AI Safety" in titles, base


def test_search_shows_a_hostile_label_as_text_and_runs_nothing(browser, data_copy, tmp_path):
    """A title holding a script end tag and an img with onerror, from a
    copy of graph/ built with --data: the results show it as text, the
    page has no img and no alert, from file:// and from a server."""
    from selenium.common.exceptions import NoAlertPresentException

    hostile = 'EU AI Act </script><img src=x onerror=alert(1)>'
    ttl = data_copy / "instruments" / "eu-ai-act.ttl"
    ttl.write_text(ttl.read_text(encoding="utf-8").replace('"EU AI Act"@en', json.dumps(hostile) + "@en"),
                   encoding="utf-8")
    out = tmp_path / "site"
    result = run_cli("site", "--data", str(data_copy), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "<img" not in (out / "search-index.js").read_text(encoding="utf-8")
    with _served(out) as served:
        for base in (out.as_uri() + "/", served):
            found = _search(browser, base, "onerror")
            assert [r["title"] for r in found if r["kind"] == "instrument"] == [hostile], base
            assert len(found) > 13  # the instrument and its claims
            assert browser.execute_script("return document.images.length") == 0
            with pytest.raises(NoAlertPresentException):
                browser.switch_to.alert.text  # noqa: B018 - reading it is the check


def _no_console_errors(browser) -> None:
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _cells(browser, row_id: str) -> dict:
    return browser.execute_script("""
        const row = document.getElementById(arguments[0]);
        return {now: row.querySelector('td.now').innerText, earlier: Array.from(row.querySelectorAll('td.earlier del'))
                .map(d => d.innerText), text: row.innerText,
                links: Array.from(row.querySelectorAll('a')).map(a => a.href)};""", row_id)


def test_timeline_page_shows_a_moved_deadline_with_both_dates(site, browser, kg):
    """The Annex III deadline of the EU AI Act as the timetable stands, and the
    date it replaced with the period it held, the event that moved it and the
    page each rests on; reached from the instrument page."""
    entries = kg.results("timetable", instrument="eu-ai-act").records()
    annex_iii = [e for e in entries if e["scope"] == "high-risk AI systems listed in Annex III (Art. 6(2))"]
    assert len(annex_iii) == 2
    (now,) = [e for e in annex_iii if e["replacedBy"] is None]
    (old,) = [e for e in annex_iii if e["replacedBy"] is not None]
    assert (old["appliesFrom"].isoformat(), now["appliesFrom"].isoformat()) == ("2026-08-02", "2027-12-02")

    browser.get((site / "instruments" / "eu-ai-act.html").as_uri())
    browser.find_element("css selector", "a.timeline-link").click()
    assert browser.current_url.endswith("/timelines/eu-ai-act.html")
    _no_console_errors(browser)
    row = _cells(browser, "entry-" + now["entry"].rsplit("/", 1)[-1])
    assert row["now"] == "2027-12-02" and row["earlier"] == ["2026-08-02"]
    assert "held from 2024-08-01 until a day not before 2026-06-29" in row["text"]
    assert "moved by " + now["setBy"] in row["text"]
    assert "provider: 19" in row["text"] and "deployer: 19" in row["text"]  # obligations starting, by role
    assert now["evidence"] in row["links"] and old["checkedAgainst"] in row["links"]  # 2024's date read in the Act
    assert "(reputable secondary)" in row["text"] and "(verbatim reproduction)" in row["text"]  # the pages' tiers
    # Every fact on the page carries what it rests on: a link to a page with its tier.
    facts = browser.execute_script("""
        return Array.from(document.querySelectorAll('table.lifecycle tbody tr, table.timetable tbody tr'))
          .map(r => ({last: r.lastElementChild.innerText, links: r.lastElementChild.querySelectorAll('a').length}));""")
    assert len(facts) == 4 + 5  # adopted, in force, status, the amendment; five parts of the timetable
    tiers = {str(r["tierLabel"]) for r in kg.results("document-tiers").records()}
    assert all(f["links"] == 1 and any(f["last"].endswith(f"({tier})") for tier in tiers) for f in facts), facts


def test_calendar_page_filters_by_role_from_file_and_links_its_feeds(site, browser, kg):
    from aigovkg.calendar import calendar

    everyone = calendar(kg).deadlines.records()
    deployer = calendar(kg, role="deployer").deadlines.records()
    assert 0 < len(deployer) < len(everyone)
    browser.get((site / "calendar.html").as_uri())
    _no_console_errors(browser)

    def visible() -> list[str]:
        return browser.execute_script("""return Array.from(document.querySelectorAll('table.deadlines tbody tr'))
            .filter(r => !r.hidden).map(r => r.innerText);""")

    assert len(visible()) == len(everyone)
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "role")).select_by_value("deployer")
    rows = visible()
    assert len(rows) == len(deployer)
    assert browser.find_element("id", "shown").text == f"{len(deployer)} of {len(everyone)} deadlines shown"
    moved = [r for r in rows if "moved from 2026-08-02" in r]
    assert len(moved) == 1 and moved[0].startswith("2027-12-02")
    feeds = browser.execute_script("return Array.from(document.querySelectorAll('main a[href^=\"calendar.\"]'))"
                                   ".map(a => a.getAttribute('href'))")
    assert feeds == ["calendar.ics", "calendar.atom"]
    _no_console_errors(browser)


def test_the_sites_calendar_files_are_those_the_calendar_command_writes(site, tmp_path):
    import icalendar

    for fmt, name in (("ics", "calendar.ics"), ("atom", "calendar.atom")):
        out = tmp_path / name
        assert run_cli("calendar", "--format", fmt, "--out", str(out)).returncode == 0
        assert (site / name).read_bytes() == out.read_bytes(), name
    parsed = icalendar.Calendar.from_ical((site / "calendar.ics").read_bytes())
    assert len(parsed.walk("VEVENT")) >= 5


def test_hostile_labels_and_quotes_stay_text_on_the_timeline_and_calendar(data_copy, tmp_path, browser):
    """Data never becomes markup: a scope label and a timetable quote carrying
    HTML are shown as text on the timeline and calendar pages, and the role
    filter, which reads only the rows' role attributes, still works."""
    hostile = "<img src=x onerror=document.title='pwned'>"
    path = data_copy / "obligations.ttl"
    text = path.read_text(encoding="utf-8")
    label = 'skos:prefLabel "high-risk AI systems listed in Annex III (Art. 6(2))"@en'
    quote = 'aigov:quote "2 December 2027 for standalone high-risk AI systems'
    assert text.count(label) == 1 and text.count(quote) == 1
    path.write_text(text.replace(label, f'skos:prefLabel "Annex III {hostile}"@en')
                    .replace(quote, f'aigov:quote "{hostile} 2 December 2027 for standalone high-risk AI systems'),
                    encoding="utf-8")
    out = tmp_path / "site"
    result = run_cli("site", "--data", str(data_copy), "--out", str(out))
    assert result.returncode == 0, result.stderr
    for page in ("timelines/eu-ai-act.html", "calendar.html"):
        browser.get((out / page).as_uri())
        _no_console_errors(browser)
        assert browser.title != "pwned"
        assert browser.execute_script("return document.querySelectorAll('main img').length") == 0, page
        assert hostile in browser.find_element("tag name", "main").text, page
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "role")).select_by_value("importer")
    shown = browser.execute_script("return Array.from(document.querySelectorAll('table.deadlines tbody tr'))"
                                   ".filter(r => !r.hidden).map(r => r.innerText)")
    assert any(hostile in row for row in shown)


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
    assert len(groups) == 8 and sum(len(group) for _, group in groups) == len(named_queries()) == 47
    assert {f"q-{name}" for name in named_queries()} <= set(targets)
    assert {f"first-{name}" for name in first_queries()} <= set(targets)
    assert {"first", "prefixes", "entailment", "library"} <= set(targets)
    from aigovkg.namespaces import PREFIXES

    html = (site / "sparql.html").read_text(encoding="utf-8")
    assert all(f"<td><code>{prefix}:</code></td><td><code>{ns}</code></td>" in html for prefix, ns in PREFIXES.items())
    assert "claim:aigovkg\\/human-oversight\\/eu-ai-act" in html and "?x a/rdfs:subClassOf* prov:Entity" in html


def test_the_index_pages_say_so_where_no_cell_is_assessed(tmp_path):
    # A graph without Policy Window's claims (a synthetic one), and a silence
    # index with no assessed cell: words, never "None%".
    from aigovkg.api import load
    from aigovkg.render.site import write_site
    from aigovkg.render.wiki import write_wiki
    from aigovkg.synth import synthesize

    synthesize(tmp_path / "g", instruments=12, topics=3, seed=5)
    kg = load(tmp_path / "g")
    site: dict[str, str | bytes] = {}
    write_site(kg, site.__setitem__)
    index = str(site["index.html"])
    assert "Per Policy Window alone: no cell assessed." in index and "None" not in index
    assert "% of the instrument × topic matrix is silence" in index
    empty = {"cells": 0, "silentCells": 0, "silencePercent": None, "notAssessedCells": 0}
    write_site(kg, site.__setitem__, silence=empty)
    index = str(site["index.html"])
    assert "No instrument × topic cell is assessed yet, so there is no silence index." in index
    assert "None" not in index
    wiki: dict[str, str] = {}
    write_wiki(kg, wiki.__setitem__, fmt="mdx", silence=empty)
    (front,) = [text for text in wiki.values() if "AI-governance instruments treat" in text]
    assert "No instrument × topic cell is assessed yet." in front and "None" not in front

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
    # index, calendar, compare, sparql, 13 topics, 26 instruments, 26 instrument
    # timelines (every instrument has a dated fact), 16 jurisdictions, the ontology
    assert len(_pages(site)) == 86
    assert len(list((site / "timelines").glob("*.html"))) == 26


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
    assert checked == 86
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
    assert "provider: 19" in row["text"] and "deployer: 8" in row["text"]  # obligations starting, by role
    assert now["evidence"] in row["links"] and old["evidence"] in row["links"]
    assert "(reputable secondary)" in row["text"] and "(other secondary)" in row["text"]  # the pages' tiers
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

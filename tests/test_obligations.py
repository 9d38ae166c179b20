"""Obligations by role and the law's own timeline: what applied to a deployer
on a day, as the law stood that day, before and after the 2026 amendment of
the EU AI Act moved the high-risk dates; the deadline calendar as a table, as
iCalendar read back by a real parser, and as an Atom feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import icalendar
import pytest

from aigovkg.render import weblink

from .conftest import run_cli

ANNEX_III = "high-risk AI systems listed in Annex III (Art. 6(2))"


def _deployer(kg, day: str) -> list[dict]:
    return kg.results("obligations", instrument="eu-ai-act", role="deployer", on=day).records()


def test_a_deployers_obligations_before_and_after_the_amendment(kg):
    before, after = _deployer(kg, "2026-08-02"), _deployer(kg, "2028-08-02")
    certain_before = {r["pinpoint"] for r in before if r["certain"]}
    # Chapters I and II applied from 2 February 2025 under every timetable.
    assert {"Art. 4", "Art. 5(1)"} <= certain_before
    # On 2 August 2026 the Annex III duties of Art. 26 applied under the 2024
    # timetable but not under the amended one, whose entry into force is not
    # recorded: both dates are shown and the answer is not certain.
    annex_iii = [r for r in before if r["pinpoint"] == "Art. 26(1)" and r["scope"] == ANNEX_III]
    assert len(annex_iii) == 1 and annex_iii[0]["certain"] is False
    assert set(annex_iii[0]["appliesFrom"].split(" or ")) == {"2026-08-02", "2027-12-02"}
    # By 2 August 2028 they apply under both timetables, for Annex III and Annex I systems.
    art_26_1 = {r["scope"]: r for r in after if r["pinpoint"] == "Art. 26(1)"}
    assert len(art_26_1) == 2 and all(r["certain"] for r in art_26_1.values())
    assert {r["pinpoint"] for r in after} > {r["pinpoint"] for r in before if r["certain"]}
    # Before the Act's high-risk dates, only Chapters I and II.
    assert {r["pinpoint"] for r in _deployer(kg, "2026-06-01")} == {"Art. 4", "Art. 5(1)"}
    assert _deployer(kg, "2024-07-01") == []  # before the Act entered into force


def test_every_obligation_quotes_the_text_and_rests_on_a_page(kg):
    rows = kg.results("obligations").records()
    # 65 of the EU AI Act, 7 of California SB 53, 8 of China's labelling measures, 3 of the GDPR,
    # 11 of Korea's AI Basic Act, 18 of China's generative-AI measures.
    per_instrument: dict[str, set[str]] = {}
    for row in rows:
        per_instrument.setdefault(row["instrument"].rsplit("/", 1)[-1], set()).add(row["obligation"])
    assert {k: len(v) for k, v in per_instrument.items()} == {
        "eu-ai-act": 65, "ca-sb-53": 7, "cn-ai-content-labelling": 8, "eu-gdpr": 3,
        "kr-ai-basic-act": 11, "cn-genai-interim-measures": 18}
    for row in rows:
        assert row["quote"] and row["pinpoint"] and row["action"]
        page = row["checkedAgainst"] or row["evidence"]
        assert weblink(page), row["obligation"]
        assert (row["verification"] == "verified") == (row["checkedAgainst"] is not None)
    assert {r["duty"] for r in rows} == {"provider", "deployer", "importer", "distributor", "authorised-representative",
                                         "gpai-model-provider", "gpai-systemic-risk-provider", "any-operator",
                                         "frontier-developer", "large-frontier-developer",
                                         "generative-content-service-provider", "content-dissemination-platform",
                                         "app-distribution-platform", "controller", "ai-business-operator",
                                         "generative-ai-service-provider"}


def test_a_role_gets_the_duties_of_every_operator_and_of_the_roles_it_is_a_kind_of(kg):
    duties = {r["duty"] for r in kg.results("obligations", role="gpai-systemic-risk-provider").records()}
    assert duties == {"gpai-systemic-risk-provider", "gpai-model-provider", "any-operator"}


def test_a_large_frontier_developers_obligations_under_sb_53_on_a_date(kg):
    def duties(day: str) -> dict[str, dict]:
        rows = kg.results("obligations", instrument="ca-sb-53", role="large-frontier-developer", on=day).records()
        return {r["pinpoint"]: r for r in rows}

    # The statute took effect on 1 January 2026 (the code's history note); nothing applied the day before.
    assert duties("2025-12-31") == {}
    on = duties("2026-01-01")
    # Its own duties and, as a kind of frontier developer, the frontier developer's.
    assert {r["duty"] for r in on.values()} == {"large-frontier-developer", "frontier-developer"}
    assert {"Bus. & Prof. Code § 22757.12(a)", "Bus. & Prof. Code § 22757.13(c)(1)",
            "Bus. & Prof. Code § 22757.13(c)(2)", "Lab. Code § 1107.1(a)", "Lab. Code § 1107.1(e)(1)"} <= set(on)
    report = on["Bus. & Prof. Code § 22757.13(c)(1)"]
    assert "within 15 days" in report["quote"] and report["verification"] == "verified"
    assert report["checkedAgainst"].startswith("https://california.public.law/") and report["certain"]
    assert str(report["appliesFrom"]) == "2026-01-01"
    # The framework duty rests on an unsourced copy, and says so.
    framework = on["Bus. & Prof. Code § 22757.12(a)"]
    assert framework["verification"] == "unverified" and framework["checkedAgainst"] is None and framework["evidence"]
    # A frontier developer that is not large does not get the large developer's duties.
    plain = kg.results("obligations", instrument="ca-sb-53", role="frontier-developer", on="2026-01-01").records()
    assert {r["duty"] for r in plain} == {"frontier-developer"}
    # No EU AI Act duty reaches an SB 53 role: their "any operator" is the AI Act's.
    assert {r["instrument"].rsplit("/", 1)[-1]
            for r in kg.results("obligations", role="large-frontier-developer").records()} == {"ca-sb-53"}
    # Nor does the AI Act's timetable reach a GDPR controller in the deadlines.
    assert {str(r["date"]) for r in kg.results("deadlines", role="controller").records()} == {"2018-05-25"}


def test_china_labelling_duties_of_platforms_and_app_stores(kg):
    assert kg.results("obligations", instrument="cn-ai-content-labelling", on="2025-08-31").records() == []
    app_store = kg.results("obligations", role="app-distribution-platform", on="2025-09-01").records()
    assert {r["pinpoint"] for r in app_store} == {"Art. 7, first sentence", "Art. 7, second sentence"}
    assert all(r["verification"] == "verified" and r["checkedAgainst"] == "http://hot.dzwww.com/w_xkXD?ipage=4"
               for r in app_store)
    provider = {r["pinpoint"]: r["force"] for r in kg.results(
        "obligations", role="generative-content-service-provider").records()}
    assert provider == {"Art. 8": "must", "Art. 9": "may"}


def test_the_calendar_of_sb_53_as_icalendar():
    result = run_cli("calendar", "--instrument", "ca-sb-53", "--format", "ics")
    assert result.returncode == 0, result.stderr
    events = icalendar.Calendar.from_ical(result.stdout).walk("VEVENT")
    assert sorted(str(e.decoded("DTSTART")) for e in events) == ["2026-01-01", "2026-01-01"]
    categories = {str(c) for e in events for c in e.get("CATEGORIES").cats}
    assert categories == {"frontier-developer", "large-frontier-developer"}


def test_which_obligations_the_amendment_moved(kg):
    moved = kg.results("timetable-changes", role="deployer").records()
    assert moved and all(r["changedOnIs"].startswith("not before") for r in moved)
    pairs = {(r["scope"], str(r["before"]), str(r["after"])) for r in moved}
    assert pairs == {(ANNEX_III, "2026-08-02", "2027-12-02"),
                     ("high-risk AI systems under the Union harmonisation legislation of Annex I (Art. 6(1))",
                      "2027-08-02", "2028-08-02")}
    assert kg.results("timetable-changes", to="2026-01-01").records() == []


def test_the_calendar_as_icalendar_read_back_by_a_real_parser():
    result = run_cli("calendar", "--role", "deployer", "--format", "ics")
    assert result.returncode == 0, result.stderr
    assert "\r\n" in result.stdout or result.stdout.count("\n") > 5
    parsed = icalendar.Calendar.from_ical(result.stdout)
    events = parsed.walk("VEVENT")
    days = sorted(str(e.decoded("DTSTART")) for e in events)
    assert days == ["2025-02-02", "2026-08-02", "2027-12-02", "2028-08-02"]  # 2026-08-02: Art. 50(3), (4)
    moved = next(e for e in events if str(e.decoded("DTSTART")) == "2027-12-02")
    assert "Moved from 2026-08-02" in str(moved.get("DESCRIPTION"))
    assert len({str(e.get("UID")) for e in events}) == len(events)
    again = run_cli("calendar", "--role", "deployer", "--format", "ics")
    assert again.stdout == result.stdout  # deterministic: stamps are the release date, not the clock


def test_the_calendar_as_a_table_and_an_atom_feed():
    table = run_cli("calendar", "--from", "2027-01-01", "--jurisdiction", "eu")
    assert table.returncode == 0 and "2027-12-02" in table.stdout and "2025-02-02" not in table.stdout
    feed = run_cli("calendar", "--role", "deployer", "--format", "atom")
    assert feed.returncode == 0, feed.stderr
    root = ET.fromstring(feed.stdout.encode())
    atom = "{http://www.w3.org/2005/Atom}"
    kinds = [c.get("term") for c in root.iter(f"{atom}category")]
    assert kinds.count("deadline") == 4 and kinds.count("deadline-moved") >= 8


@pytest.mark.parametrize("args, says", [
    (("calendar", "--from", "2026-13-01"), "is not a date"),
    (("calendar", "--role", "boss"), "is not one of provider"),
    (("query", "topics", "--on", "2026-08-02"), "has no `on` parameter"),
    (("query", "obligations", "--on", "2026-08-02", "-p", "on=2026-08-02"), "give the day once"),
])
def test_bad_dates_and_roles_are_refused_before_anything_runs(args, says):
    result = run_cli(*args, "--data", "/nonexistent/never-loaded") if args[0] == "calendar" else run_cli(*args)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr
    assert "no such data folder" not in result.stderr


def test_the_instrument_page_shows_each_obligation_with_what_it_rests_on(tmp_path):
    out = tmp_path / "site"
    assert run_cli("site", "--out", str(out)).returncode == 0
    page = (out / "instruments" / "eu-ai-act.html").read_text(encoding="utf-8")
    assert 'id="obligations"' in page
    row = next(r for r in page.split("<tr>") if "Art. 26(1)" in r and "Annex III" in r)
    assert "<q>Deployers of high-risk AI systems shall take appropriate technical" in row
    assert 'href="https://aiact.annotated.nl/en/aiact/art/26/"' in row and "verified" in row
    assert "2027-12-02" in row  # as the timetable stands after the amendment
    assert 'id="obligations"' not in (out / "instruments" / "us-eo-14110.html").read_text(encoding="utf-8")


def test_the_role_parameter_takes_every_duty_holder_role_of_the_ontology(kg):
    """The role parameter's list (aigovkg.queries.ROLES) is the ontology's scheme of duty holders,
    no more and no less, so that every role the data uses can be asked for."""
    from aigovkg.queries import ROLES
    scheme = kg.sparql_results(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX aigov: <https://w3id.org/aigovkg/ontology#> "
        "SELECT ?notation ?role WHERE { ?role skos:inScheme aigov:DutyHolderRoles ; skos:notation ?notation }").records()
    assert {r["notation"]: str(r["role"]).rsplit("#", 1)[-1] for r in scheme} == dict(ROLES)
    rows = kg.results("obligations", role="ai-business-operator", on="2026-02-01").records()
    assert rows and {r["instrument"].rsplit("/", 1)[-1] for r in rows} == {"kr-ai-basic-act"}

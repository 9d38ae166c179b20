"""A topic page as it applied on a day (`aigovkg topic SLUG --on DATE`): the
coverage of the instruments in effect that day, the others listed as not in
effect with why, and the obligations under the topic that applied that day."""

from __future__ import annotations

import json

import pytest

from aigovkg.errors import InputError
from aigovkg.model import _summary, topic_page
from aigovkg.render import render_topic, weblink

from .conftest import run_cli

EO_14110 = "https://w3id.org/aigovkg/id/instrument/us-eo-14110"
EU_AI_ACT = "https://w3id.org/aigovkg/id/instrument/eu-ai-act"
CHAPTERS_I_II = "general provisions and prohibited practices (Chapters I and II, incl. Art. 4 and Art. 5)"
ANNEX_III = "high-risk AI systems listed in Annex III (Art. 6(2))"


def _revoked_on(kg) -> str:
    """EO 14110's revocation date as the graph records it (not typed in here)."""
    events = [e for e in kg.results("instrument-events", instrument="us-eo-14110").records() if e["kind"] == "revocation"]
    assert len(events) == 1
    return events[0]["date"].isoformat()


def test_a_revoked_order_is_in_effect_before_its_revocation_and_shown_as_not_after(kg):
    revoked = _revoked_on(kg)
    assert revoked == "2025-01-20"
    before = topic_page(kg, "human-oversight", on="2024-06-01")
    assert EO_14110 in {r.instrument for r in before.coverage}
    assert EO_14110 not in {r.instrument for r in before.not_in_effect}
    after = topic_page(kg, "human-oversight", on="2025-06-01")
    assert EO_14110 not in {r.instrument for r in after.coverage}
    gone = [r for r in after.not_in_effect if r.instrument == EO_14110]
    assert len(gone) == 1 and gone[0].known
    assert gone[0].state.startswith(f"ended {revoked}: revocation")
    assert weblink(gone[0].page) and gone[0].tier and gone[0].verification
    # Not silently dropped: every instrument of the full page is in one list or the other.
    full = {r.instrument for r in topic_page(kg, "human-oversight").coverage}
    assert {r.instrument for r in after.coverage} | {r.instrument for r in after.not_in_effect} == full
    assert after.summary.instruments == len({r.instrument for r in after.coverage}) < len(full)


def test_an_instrument_not_yet_in_force_is_listed_as_such(kg):
    page = topic_page(kg, "human-oversight", on="2024-07-01")
    act = [r for r in page.not_in_effect if r.instrument == EU_AI_ACT]
    assert len(act) == 1 and act[0].state == "not yet in force (in force 2024-08-01)"
    assert EU_AI_ACT in {r.instrument for r in topic_page(kg, "human-oversight", on="2024-08-01").coverage}


CASES = [
    ("prohibited-practices", "Art. 5(1)", CHAPTERS_I_II, "2025-02-01", "2025-02-02"),  # Art. 113(a)
    ("human-oversight", "Art. 26(2)", ANNEX_III, "2026-06-01", "2028-01-01"),  # moved to 2027-12-02
]


def test_cases_collected():
    assert len(CASES) == 2


@pytest.mark.parametrize(("topic", "pinpoint", "scope", "earlier", "later"), CASES)
def test_an_eu_ai_act_obligation_under_a_topic_applies_on_one_day_and_not_before(kg, topic, pinpoint, scope,
                                                                                 earlier, later):
    assert (pinpoint, scope) not in {(o.pinpoint, o.scope) for o in topic_page(kg, topic, on=earlier).obligations}
    applying = [o for o in topic_page(kg, topic, on=later).obligations if o.pinpoint == pinpoint and o.scope == scope]
    assert len(applying) == 1 and applying[0].certain
    assert all(weblink(o.checked_against or o.evidence) and o.tier for o in applying)


def test_an_obligation_the_amendment_may_have_moved_is_marked_uncertain(kg):
    # On 2 August 2026 the Annex III duties applied under the 2024 timetable,
    # not under the amended one, whose entry into force is not recorded.
    rows = [o for o in topic_page(kg, "human-oversight", on="2026-08-02").obligations if o.pinpoint == "Art. 26(2)"
            and o.scope == ANNEX_III]
    assert len(rows) == 1 and rows[0].certain is False
    assert set(rows[0].applies_from.split(" or ")) == {"2026-08-02", "2027-12-02"}
    markdown = render_topic(topic_page(kg, "human-oversight", on="2026-08-02"), "markdown")
    assert "| uncertain |" in markdown


def test_counts_narrowed_to_some_instruments_match_the_summary_query(kg):
    topics = [t["slug"] for t in kg.results("topics").records()]
    assert len(topics) >= 10
    for slug in topics:
        page = topic_page(kg, slug)
        assert _summary(page.coverage) == page.summary, slug
        assert page.on is None and page.not_in_effect == () and page.obligations == ()


def test_cli_prints_the_page_as_it_applied(tmp_path):
    result = run_cli("topic", "human-oversight", "--on", "2025-06-01")
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("## Not in effect on 2025-06-01", 1)[1].split("\n## ", 1)[0]
    assert "Executive Order 14110" in section and "ended 2025-01-20" in section
    assert "**As it applied on 2025-06-01.**" in result.stdout
    out = tmp_path / "page.json"
    assert run_cli("topic", "prohibited-practices", "--on", "2025-03-01", "--format", "json",
                   "--out", str(out)).returncode == 0
    page = json.loads(out.read_text(encoding="utf-8"))
    assert page["on"] == "2025-03-01" and "Art. 5(1)" in {o["pinpoint"] for o in page["obligations"]}
    html = run_cli("topic", "human-oversight", "--on", "2025-06-01", "--format", "html")
    assert html.returncode == 0 and 'id="not-in-effect"' in html.stdout


@pytest.mark.parametrize("day", ["2025-13-01", "2025-6-1", "yesterday", "2025-06-01T00:00"])
def test_a_bad_day_is_one_line_and_exit_2(day):
    result = run_cli("topic", "human-oversight", "--on", day)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "not a date" in result.stderr and "Traceback" not in result.stderr


def test_the_library_refuses_a_bad_day(kg):
    with pytest.raises(InputError, match="not a date"):
        topic_page(kg, "human-oversight", on="2025-02-30")

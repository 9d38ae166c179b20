"""The topic page reproduces every fact of the Policy Window seed page, each
computed from the graph."""

from __future__ import annotations

import json
import re

import pytest

from aigovkg.model import topic_page
from aigovkg.render import render_topic

from .conftest import run_cli, seed_file

TOPIC = "international-coordination"


def _seed() -> dict:
    text = seed_file("000").read_text(encoding="utf-8")
    lines = text.splitlines()
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in lines
        if line.startswith("| ") and not line.startswith("| Instrument")
    ]
    tensions = [line[2:] for line in lines if line.startswith("- Forum-shopping")]
    start = lines.index("Silent regimes — gap signal")
    end = lines.index("Related topics")
    silent = [line[2:] for line in lines[start:end] if line.startswith("- ")]
    refs_at = lines.index("References")
    references = [line[2:] for line in lines[refs_at:] if line.startswith("- ")]
    counts = re.search(r"Across (\d+) tracked AI-governance instruments, (\d+) address this topic "
                       r"explicitly, (\d+) via general principles, and (\d+) are silent", text)
    assert counts, "seed lost its summary sentence"
    return {"rows": rows, "tensions": tensions, "silent": silent, "references": references,
            "counts": tuple(int(n) for n in counts.groups()), "text": text}


@pytest.fixture(scope="module")
def seed() -> dict:
    return _seed()


@pytest.fixture(scope="module")
def page(kg):
    return topic_page(kg, TOPIC, source="policy-window")


def test_seed_parsed_completely(seed):
    assert len(seed["rows"]) == 26
    assert len(seed["tensions"]) == 3
    assert len(seed["silent"]) == 14
    assert len(seed["references"]) == 12


def test_counts_match_the_seed(page, seed):
    s = page.summary
    assert (s.instruments, s.governs, s.implicit, s.silent) == seed["counts"] == (26, 7, 5, 14)
    assert s.conflicts == 0


def test_every_coverage_row_matches_the_seed(page, seed):
    ours = {(r.label, r.jurisdiction, r.level, r.citation or "—") for r in page.coverage}
    theirs = {tuple(row) for row in seed["rows"]}
    assert len(ours) == len(page.coverage) == 26
    assert ours == theirs


def test_tensions_match_the_seed(page, seed):
    ours = {f"{t.kind_label.capitalize()}{t.first_label}↔{t.second_label}" for t in page.tensions}
    assert ours == set(seed["tensions"])


def test_silent_regimes_match_the_seed(page, seed):
    ours = {f"{r.label}{r.jurisdiction}" for r in page.silent}
    assert len(page.silent) == 14
    assert ours == set(seed["silent"])


def test_references_match_the_seed(page, seed):
    ours = {f"{r.code}: {r.citation}" for r in page.references}
    assert len(page.references) == 12
    assert ours == set(seed["references"])


def test_primacy_has_the_date_the_seed_lost(page, seed):
    assert "First addressed by White House Voluntary AI Commitments on (implicit)" in seed["text"]
    (first,) = page.primacy
    assert first.label == "White House Voluntary AI Commitments"
    assert first.level == "implicit"
    assert first.date_adopted.isoformat() == "2023-07-21"


def test_definition_and_scope(page, seed):
    assert page.definition in seed["text"]
    assert page.scope_note and page.scope_note in seed["text"]


def test_markdown_page_carries_the_facts(page, seed):
    text = render_topic(page, "markdown")
    assert "Across 26 tracked AI-governance instruments, 7 address this topic explicitly, " \
           "5 via general principles, and 14 are silent." in text
    assert "First addressed by White House Voluntary AI Commitments on 2023-07-21 (implicit)." in text
    for row in seed["rows"]:
        assert f"| {row[0]} | {row[1]} | {row[2]} | {row[3]} |" in text
    for ref in seed["references"]:
        assert f"- {ref}" in text
    assert "12 of 26 tracked instruments address this topic." in text


def test_cli_prints_the_page_in_every_format(tmp_path):
    md = run_cli("topic", TOPIC, "--source", "policy-window")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# International Coordination\n")
    html = run_cli("topic", TOPIC, "--source", "policy-window", "--format", "html")
    assert html.returncode == 0 and "<h1>International Coordination</h1>" in html.stdout
    out = tmp_path / "page.json"
    js = run_cli("topic", TOPIC, "--source", "policy-window", "--format", "json", "--out", str(out))
    assert js.returncode == 0, js.stderr
    doc = json.loads(out.read_text())
    assert doc["summary"] == {"instruments": 26, "governs": 7, "implicit": 5, "silent": 14, "conflicts": 0,
                              "not_assessed": 0}


def test_default_view_marks_unverified_and_unassessed_claims(kg):
    text = render_topic(topic_page(kg, TOPIC), "markdown")
    assert "| Source |" in text
    assert "aigovkg (unverified)" in text
    # every instrument has this project's claim, so no row falls back to Policy Window's
    assert "Policy Window (unverified)" not in text
    assert "| Japan METI AI Guidelines for Business Ver1.0 | JP | not-assessed | — | aigovkg (unverified) |" in text


def test_unknown_topic_and_source_are_input_errors():
    missing = run_cli("topic", "no-such-topic")
    assert missing.returncode == 2
    assert "no topic 'no-such-topic'" in missing.stderr and "Traceback" not in missing.stderr
    bad = run_cli("topic", TOPIC, "--source", "nobody")
    assert bad.returncode == 2
    assert "makes no claims" in bad.stderr


def test_disagreements_are_listed_with_both_citations(kg):
    page = topic_page(kg, TOPIC)
    found = {d.instrument.rsplit("/", 1)[-1]: d for d in page.disagreements}
    assert set(found) == {"coe-ai-convention", "eu-ai-act", "cn-genai-interim-measures", "sg-model-ai-genai",
                          "oecd-ai-principles", "uk-ai-white-paper", "g7-hiroshima-code", "un-ga-ai-resolution",
                          "br-pl-2338-2023", "us-eo-14110", "deepmind-fsf", "openai-preparedness", "nist-ai-rmf"}
    # a cell this project could not assess states no level: it is not a disagreement
    assert not {"jp-meti-ai-guidelines", "ca-sb-1047", "in-dpdp-meity-advisory"} & set(found)
    oecd = found["oecd-ai-principles"]
    assert (oecd.source_a, oecd.level_a, oecd.source_b, oecd.level_b) == ("aigovkg", "governs", "policy-window", "silent")
    assert oecd.citation_a and "2.5" in oecd.citation_a
    text = render_topic(page, "markdown")
    assert "## Where sources disagree" in text and "policy-window says **silent**" in text


def test_reviewed_view_prefers_this_projects_claims(kg):
    page = topic_page(kg, TOPIC)
    rows = {r.instrument.rsplit("/", 1)[-1]: r for r in page.coverage}
    assert len(rows) == 33
    assert rows["oecd-ai-principles"].source == "aigovkg" and rows["oecd-ai-principles"].level == "governs"
    assert {r.source for r in rows.values()} == {"aigovkg"}
    assert rows["eu-ai-act"].level == "implicit" and rows["jp-meti-ai-guidelines"].level == "not-assessed"
    assert rows["ca-sb-1047"].jurisdiction == "US-CA"  # this project's fact; Policy Window says US
    assert page.primacy[0].label == "EU General Data Protection Regulation (GDPR)"  # adopted 2016-04-27


def test_approach_evaluation_carries_every_fact_of_the_second_seed(kg):
    seed = seed_file("002").read_text(encoding="utf-8").replace("â€”", "—")
    text = render_topic(topic_page(kg, TOPIC), "markdown")
    rows = [line for line in seed.splitlines() if line.startswith("| ") and not set(line) <= set("|- ")]
    bullets = [line for line in seed.splitlines() if line.startswith("- ")]
    assert len(rows) == 24 and len(bullets) == 11
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert "| " + " | ".join(cells) + " |" in text, line
    for line in bullets:
        assert line in text, line
    for phrase in ("Develop international cooperation mechanisms to ensure AI is developed safely worldwide—especially "
                   "US-China coordination.", "Cooperation requires trust; building trust requires cooperation.",
                   "Crux 1: Is US-China Cooperation Possible?", "Crux 2: What Form of Coordination?",
                   "Crux 3: Do We Want Coordination?", "Approach evaluation wiki's assessments"):
        assert phrase in text


def test_a_sources_claims_show_the_page_that_published_them(kg):
    """Policy Window's claims rest on its captured page: the page says so, claim by claim."""
    page = topic_page(kg, TOPIC, source="policy-window")
    assert len(page.coverage) == 26
    assert {r.evidence.listed_in for r in page.coverage} == {"International Coordination (Policy Window)"}
    text = render_topic(page, "markdown")
    assert text.count("Listed in: International Coordination (Policy Window)") == 26


def test_page_json_is_what_asdict_gives(kg):
    """``TopicPage.to_dict`` (one pass) gives what ``dataclasses.asdict`` with
    lists for tuples and ISO dates gives, for every topic, on any day too."""
    import dataclasses
    import datetime as dt

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value.isoformat() if isinstance(value, dt.date) else value

    pages = [topic_page(kg, t["slug"]) for t in kg.results("topics").records()]
    pages.append(topic_page(kg, TOPIC, on="2025-01-01"))
    for page in pages:
        assert page.to_dict() == plain(dataclasses.asdict(page)), page.slug
        # The JSON page is written from the dataclasses without that copy: the same text.
        assert render_topic(page, "json") == json.dumps(page.to_dict(), indent=2, ensure_ascii=False) + "\n"
    assert any(page.on for page in pages) and all(page.to_dict()["coverage"] for page in pages[:1])

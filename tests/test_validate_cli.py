"""Curator mistakes put into a copy of the real graph: `aigovkg validate --data
COPY` exits 1 naming the node, the rule and the file; syntax errors exit 2
naming file, line and column; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import aigovkg
from aigovkg.errors import InputError, UsageError
from aigovkg.loader import load_graph

from .conftest import run_cli

CLAIMS = "claims/policy-window/international-coordination.ttl"
REVIEW = "claims/aigovkg/international-coordination.ttl"
EU = "instruments/eu-ai-act.ttl"
PREFIXES = """
@prefix aigov: <https://w3id.org/aigovkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix inst: <https://w3id.org/aigovkg/id/instrument/> .
@prefix src: <https://w3id.org/aigovkg/id/source/> .
@prefix topic: <https://w3id.org/aigovkg/id/topic/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
CLAIM = "<https://w3id.org/aigovkg/id/claim/policy-window/international-coordination/eu-ai-act>"
TENSION = ("<https://w3id.org/aigovkg/id/tension/policy-window/international-coordination/"
           "forum-shopping/bletchley-declaration--eu-ai-act>")

# (name, file to edit, text to replace or None to append, new text, rule, node curie[, file named])
MISTAKES = [
    ("missing-field", CLAIMS, "    aigov:coverageLevel aigov:Silent ;\n    dcterms:source src:policy-window ;\n"
     "    aigov:listedIn doc:policy-window-international-coordination ;\n"
     "    aigov:confidence aigov:ConfidenceNotStated ;\n    aigov:verification aigov:Unverified .\n\n"
     "<https://w3id.org/aigovkg/id/claim/policy-window/international-coordination/us-eo-14110>",
     "    dcterms:source src:policy-window ;\n"
     "    aigov:listedIn doc:policy-window-international-coordination ;\n"
     "    aigov:confidence aigov:ConfidenceNotStated ;\n    aigov:verification aigov:Unverified .\n\n"
     "<https://w3id.org/aigovkg/id/claim/policy-window/international-coordination/us-eo-14110>",
     "aigov:ClaimHasKnownLevel", "claim:policy-window/international-coordination/eu-ai-act"),
    ("mistyped-field", EU, None, f'{PREFIXES}\ninst:eu-ai-act aigov:dateInForce "1 August 2024" .\n',
     "aigov:InstrumentDateInForceIsADate", "inst:eu-ai-act"),
    ("unknown-level", CLAIMS, None, f"{PREFIXES}\n{CLAIM} aigov:coverageLevel aigov:Partial .\n",
     "aigov:ClaimHasKnownLevel", "claim:policy-window/international-coordination/eu-ai-act"),
    ("undefined-instrument", CLAIMS, None,
     f"{PREFIXES}\n<https://w3id.org/aigovkg/id/claim/policy-window/international-coordination/ghost> "
     "a aigov:CoverageClaim ; aigov:instrument inst:ghost ; aigov:topic topic:international-coordination ; "
     "aigov:coverageLevel aigov:Silent ; dcterms:source src:policy-window ; "
     "aigov:confidence aigov:ConfidenceNotStated ; aigov:verification aigov:Unverified .\n",
     "aigov:ClaimNamesOneInstrument", "claim:policy-window/international-coordination/ghost"),
    ("undefined-topic", CLAIMS, None, f"{PREFIXES}\n{TENSION} aigov:topic topic:nowhere .\n",
     "aigov:TensionNamesOneTopic",
     "tension:policy-window/international-coordination/forum-shopping/bletchley-declaration--eu-ai-act"),
    ("date-not-xsd-date", EU, '"2024-06-13"^^xsd:date ;', '"2024-06-13T00:00:00Z"^^xsd:dateTime ;',
     "aigov:InstrumentDateAdoptedIsADate", "inst:eu-ai-act"),
    ("self-tension", CLAIMS, "aigov:secondInstrument inst:eu-ai-act", "aigov:secondInstrument inst:bletchley-declaration",
     "aigov:TensionNotWithItself",
     "tension:policy-window/international-coordination/forum-shopping/bletchley-declaration--eu-ai-act"),
    ("two-claims-one-source", CLAIMS, None,
     f"{PREFIXES}\n<https://w3id.org/aigovkg/id/claim/policy-window/international-coordination/eu-ai-act-bis> "
     "a aigov:CoverageClaim ; aigov:instrument inst:eu-ai-act ; aigov:topic topic:international-coordination ; "
     "aigov:coverageLevel aigov:Governs ; aigov:citation \"Art. 1\" ; dcterms:source src:policy-window ; "
     "aigov:confidence aigov:ConfidenceNotStated ; aigov:verification aigov:Unverified .\n",
     "check:one-claim-per-source", "claim:policy-window/international-coordination/eu-ai-act-bis"),
    ("instrument-without-claim", REVIEW,
     "<https://w3id.org/aigovkg/id/claim/aigovkg/international-coordination/nist-ai-rmf> a aigov:CoverageClaim ;",
     "<https://w3id.org/aigovkg/id/claim/aigovkg/x/y> a aigov:Thing ;",
     "check:claim-for-every-instrument", "topic:international-coordination", "topics.ttl"),
    ("governs-without-citation", CLAIMS, '    aigov:citation "Declaration §8-10 (international coordination is the operative ask)" ;\n', "",
     "aigov:CoverageNeedsCitation", "claim:policy-window/international-coordination/bletchley-declaration"),
    ("unsourced-fact", EU, None, f"{PREFIXES}\ninst:eu-ai-act aigov:dateInForce \"2024-08-02\"^^xsd:date .\n",
     "check:facts-are-attested", "inst:eu-ai-act"),
    # a version that a newer one replaced (its new-version event) marked current again
    ("replaced-version-marked-current", "instruments/openai-preparedness.ttl", "    aigov:status aigov:Superseded ;\n",
     "    aigov:status aigov:Published ;\n", "aigov:ReplacedVersionIsNotCurrent", "inst:openai-preparedness"),
    # a superseded version whose only new-version event is turned into an amendment: nothing says what replaced it
    ("superseded-without-successor", "events.ttl",
     "aigov:instrument inst:meta-frontier-ai-framework ; aigov:eventKind aigov:NewVersion ;",
     "aigov:instrument inst:meta-frontier-ai-framework ; aigov:eventKind aigov:Amendment ;",
     "aigov:SupersededVersionSaysWhatReplacedIt", "inst:meta-frontier-ai-framework",
     "instruments/meta-frontier-ai-framework.ttl"),
]


def test_mistake_count():
    assert len(MISTAKES) == 13


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_reported(mistake, data_copy: Path):
    _name, rel, old, new, rule, node, *defined_in = mistake
    path = data_copy / rel
    text = path.read_text(encoding="utf-8")
    if old is None:
        text += new
    else:
        assert old in text, f"fixture text not found in {rel}"
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stdout.splitlines() if f": {rule}: " in line and f" {node}" in line]
    assert lines, result.stdout
    # the file that defines the node: where the mistake is, or (for a topic) its own file
    expected_file = defined_in[0] if defined_in else rel
    assert any(f"graph/{expected_file}" in line for line in lines), lines
    report = json.loads(run_cli("validate", "--data", str(data_copy), "--format", "json").stdout)
    assert report["conforms"] is False
    assert any(v["rule"] == rule for v in report["violations"])


def test_shipped_graph_is_valid():
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("valid: ")


SYNTAX_ERRORS = [
    ("missing terminator", 'inst:x a aigov:Instrument\ninst:y a aigov:Instrument .\n', 2),
    ("undefined prefix", "nope:x a aigov:Instrument .\n", 1),
    ("bad IRI", "<http://exa mple.org/x> a aigov:Instrument .\n", 1),
    ("bad escape", 'inst:x aigov:citation "bad \\q escape" .\n', 1),
    ("unterminated string", 'inst:x aigov:citation "never closed .\n', 1),
]


@pytest.mark.parametrize("case", SYNTAX_ERRORS, ids=[c[0] for c in SYNTAX_ERRORS])
def test_syntax_error_names_file_and_line(case, data_copy: Path):
    _name, body, line = case
    header = ("@prefix aigov: <https://w3id.org/aigovkg/ontology#> .\n"
              "@prefix inst: <https://w3id.org/aigovkg/id/instrument/> .\n")
    bad = data_copy / "broken.ttl"
    bad.write_text(header + body, encoding="utf-8")
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"broken.ttl:{line + 2}:" in result.stderr, result.stderr
    assert "Turtle syntax error" in result.stderr


def test_syntax_case_count():
    assert len(SYNTAX_ERRORS) == 5


def test_a_relative_iri_resolves_and_meets_the_iri_policy(data_copy: Path):
    # <relative> is https://w3id.org/aigovkg/id/relative (README, Engine): loaded, then judged by the shapes.
    (data_copy / "relative.ttl").write_text("@prefix aigov: <https://w3id.org/aigovkg/ontology#> .\n"
                                            "<relative> a aigov:Instrument .\n", encoding="utf-8")
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert ("graph/relative.ttl: https://w3id.org/aigovkg/id/relative: aigov:InstrumentIRIPolicy: "
            in result.stdout), result.stdout


def test_missing_data_folder_is_usage_error(tmp_path: Path):
    result = run_cli("validate", "--data", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such data folder" in result.stderr


def test_on_disk_store_validates_the_same(tmp_path: Path):
    in_memory = run_cli("validate", "--format", "json")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    on_disk = subprocess.run([sys.executable, "-m", "aigovkg", "validate", "--format", "json", "--on-disk"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert (on_disk.returncode, on_disk.stdout) == (0, in_memory.stdout), on_disk.stderr
    assert list(tmp_path.iterdir()) == []  # the temporary store is gone


@pytest.mark.reliability("A Turtle syntax error while loading into the on-disk store (`validate --on-disk`)",
                         "exit 2 naming file and line, as in memory; the temporary store is removed")
def test_on_disk_syntax_error_names_file_and_line(data_copy: Path, tmp_path: Path):
    (data_copy / "broken.ttl").write_text('<https://example.org/x> <https://example.org/p> "never closed .\n',
                                          encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run([sys.executable, "-m", "aigovkg", "validate", "--data", str(data_copy), "--on-disk"],
                            capture_output=True, text=True, env={**os.environ, "TMPDIR": str(scratch)}, timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "broken.ttl:1:" in result.stderr and "Turtle syntax error" in result.stderr
    assert list(scratch.iterdir()) == []


@pytest.mark.reliability("Loading into an on-disk store folder that already holds something",
                         "refused before anything is written: two graphs are never mixed")
def test_on_disk_store_needs_an_empty_folder(tmp_path: Path):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "keep.txt").write_text("not a store", encoding="utf-8")
    with pytest.raises(InputError, match="new or empty folder"):
        load_graph(store_dir=tmp_path / "store")
    assert [p.name for p in (tmp_path / "store").iterdir()] == ["keep.txt"]
    # A folder that cannot be made (its parent is a file) is an input error too, not a traceback.
    with pytest.raises(InputError, match="cannot create an on-disk store"):
        load_graph(store_dir=tmp_path / "store" / "keep.txt" / "store")
    # An on-disk store is for local data, not for an endpoint.
    with pytest.raises(UsageError, match="not both"):
        aigovkg.load(endpoint="http://127.0.0.1:9/sparql", store_dir=tmp_path / "other")


def test_on_disk_graph_answers_like_the_in_memory_one(kg: aigovkg.KnowledgeGraph, tmp_path: Path):
    on_disk = aigovkg.load(store_dir=tmp_path / "store")
    assert on_disk.loaded is not None and on_disk.loaded.triples == kg.loaded.triples
    for name in ("stats", "coverage-matrix", "disagreements"):
        assert on_disk.results(name).rows == kg.results(name).rows, name

"""SPARQL a researcher can start with (#23): the predeclared prefixes are in
`sparql --help`, a prefix typo is one line that says where and suggests the
right one, a misspelt query name suggests the right one, CURIEs the tool
prints are taken as parameters, an unknown slug is an error, not 0 rows, and
ASK answers in the W3C result formats."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

from aigovkg.namespaces import PREFIXES
from aigovkg.queries import first_queries

from .conftest import ROOT, run_cli


def test_sparql_help_names_every_predeclared_prefix():
    text = " ".join(run_cli("sparql", "--help").stdout.split())
    assert all(f"{prefix}:" in text for prefix in PREFIXES), [p for p in PREFIXES if f"{p}:" not in text]


def test_a_prefix_typo_is_one_line_with_a_suggestion():
    result = run_cli("sparql", "-", stdin="SELECT * WHERE { ?s a aigv:Topic }")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "line 1, column 23: unknown prefix aigv: (did you mean aigov:?)" in result.stderr
    declared = run_cli("sparql", "-", stdin="PREFIX aigv: <https://w3id.org/aigovkg/ontology#> "
                                          "SELECT (COUNT(*) AS ?n) WHERE { ?s a aigv:Topic }", )
    assert declared.returncode == 0 and "23" in declared.stdout


def test_a_misspelt_query_name_suggests_the_right_one():
    result = run_cli("query", "topic-covrage")
    assert result.returncode == 2 and "did you mean topic-coverage" in result.stderr


def test_curies_the_tool_prints_are_taken_as_parameters():
    by_curie = run_cli("query", "instrument-coverage", "-p", "instrument=inst:eu-ai-act", "--format", "csv")
    by_slug = run_cli("query", "instrument-coverage", "-p", "instrument=eu-ai-act", "--format", "csv")
    assert by_curie.returncode == by_slug.returncode == 0 and by_curie.stdout == by_slug.stdout
    assert len(by_slug.stdout.splitlines()) > 10


def test_an_unknown_slug_is_an_error_not_zero_rows():
    result = run_cli("query", "topic-coverage", "-p", "topic=synthetic-contnt")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no topic 'synthetic-contnt' in this graph; did you mean synthetic-content?" in result.stderr


def test_ask_answers_in_the_w3c_result_formats():
    as_json = run_cli("sparql", "-", "--format", "json", stdin="ASK { ?s a aigov:Topic }")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == {"head": {}, "boolean": True}
    as_xml = run_cli("sparql", "-", "--format", "xml", stdin="ASK { ?s a aigov:Nothing }")
    root = ET.fromstring(as_xml.stdout)
    assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    assert root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "false"


CLAIM = "https://w3id.org/aigovkg/id/claim/aigovkg/human-oversight/eu-ai-act"


def test_a_claim_is_taken_by_its_curie_with_slashes():
    answers = [run_cli("query", "claim-evidence", "-p", f"claim={value}", "--format", "csv")
               for value in ("claim:aigovkg/human-oversight/eu-ai-act", CLAIM, "aigovkg/human-oversight/eu-ai-act")]
    assert [a.returncode for a in answers] == [0, 0, 0], [a.stderr for a in answers]
    assert answers[0].stdout == answers[1].stdout == answers[2].stdout
    rows = list(csv.DictReader(io.StringIO(answers[0].stdout)))
    assert rows and {row["claim"] for row in rows} == {CLAIM}
    misspelt = run_cli("query", "claim-evidence", "-p", "claim=claim:aigovkg/human-oversigt/eu-ai-act")
    assert misspelt.returncode == 2 and misspelt.stderr.count("\n") == 1
    assert "no claim 'aigovkg/human-oversigt/eu-ai-act' in this graph; did you mean aigovkg/human-oversight/eu-ai-act" \
        in misspelt.stderr
    short = run_cli("query", "claim-evidence", "-p", "claim=claim:aigovkg/human-oversight")
    assert short.returncode == 2 and "is not a claim" in short.stderr and "Traceback" not in short.stderr


def test_in_sparql_a_claim_curie_escapes_its_slashes():
    escaped = run_cli("sparql", "-", "--format", "csv", stdin=(
        "SELECT ?level WHERE { claim:aigovkg\\/human-oversight\\/eu-ai-act aigov:coverageLevel ?level }"))
    assert escaped.returncode == 0 and escaped.stdout.splitlines() == [
        "level", "https://w3id.org/aigovkg/ontology#Governs"]


def test_no_entailment_but_the_subclass_path_finds_the_entities(kg):
    def count(where: str) -> int:
        answer = run_cli("sparql", "-", "--format", "csv", stdin=f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")
        assert answer.returncode == 0, answer.stderr
        return int(answer.stdout.splitlines()[1])

    assert count("?x a prov:Entity") == 0  # the store infers nothing
    claims = count("?x a aigov:CoverageClaim")
    assert count("aigov:CoverageClaim rdfs:subClassOf prov:Entity . ?x a aigov:CoverageClaim") == claims > 0
    entities = count("?x a/rdfs:subClassOf* prov:Entity")
    assert entities == count("?x a ?class . ?class rdfs:subClassOf+ prov:Entity") > claims


def test_the_first_queries_run_and_the_readme_shows_them(kg):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sparql\n(.*?)```", readme, re.DOTALL)
    found = first_queries()
    for query in found.values():
        table = kg.sparql_results(query.text)
        assert len(table) >= 1, query.name
        assert query.body in blocks, f"README lacks the first query {query.name} as written in queries/first/"
    assert len(found) == 4

"""SPARQL a researcher can start with (#23): the predeclared prefixes are in
`sparql --help`, a prefix typo is one line that says where and suggests the
right one, a misspelt query name suggests the right one, CURIEs the tool
prints are taken as parameters, an unknown slug is an error, not 0 rows, and
ASK answers in the W3C result formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from aigovkg.namespaces import PREFIXES

from .conftest import run_cli


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
    assert declared.returncode == 0 and "13" in declared.stdout


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

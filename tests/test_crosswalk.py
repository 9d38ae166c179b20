"""Links to external identifiers: made only where verified (a check enforces
it), and a query listing the instruments still lacking an identifier per scheme."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_cli

SCHEMES = {"celex": 32, "eli": 33, "wikidata": 33, "policy-window": 21}
LINK = "<http://data.europa.eu/eli/reg/2024/1689/oj>"
ATTESTATION = """
<https://w3id.org/aigovkg/id/attestation/aigovkg/eu-ai-act/exactMatch> a aigov:Attestation ;
    rdf:subject inst:eu-ai-act ; rdf:predicate skos:exactMatch ; rdf:object {link} ;
    dcterms:source src:aigovkg ;
    aigov:verification aigov:{verification} {checked}.
"""


def test_scheme_count():
    assert len(SCHEMES) == 4


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_instruments_lacking_an_identifier(kg, scheme):
    rows = kg.results("instruments-lacking-identifier", scheme=scheme).records()
    assert len(rows) == SCHEMES[scheme]
    assert {r["scheme"] for r in rows} == {scheme}
    lacking = {r["instrument"].rsplit("/", 1)[1] for r in rows}
    if scheme == "celex":
        assert "eu-ai-act" not in lacking  # its officialIdentifier "CELEX 32024R1689"
    if scheme == "policy-window":
        coded = {r["instrument"] for r in kg.sparql_results(
            "SELECT DISTINCT ?instrument WHERE { ?r a aigov:Reference ; aigov:instrument ?instrument ; "
            "dcterms:source src:policy-window }").records()}
        everything = {r["instrument"] for r in kg.results("instruments").records()}
        assert {r["instrument"] for r in rows} == everything - coded


def test_an_unknown_scheme_lists_nothing(kg):
    assert len(kg.results("instruments-lacking-identifier", scheme="doi")) == 0


def _add(data: Path, text: str) -> None:
    path = data / "instruments/eu-ai-act.ttl"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_verified_link_validates_and_counts(data_copy: Path):
    _add(data_copy, f"\ninst:eu-ai-act skos:exactMatch {LINK} .\n" + ATTESTATION.format(
        link=LINK, verification="Verified",
        checked="; aigov:checkedAgainst <https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024R1689> ")
         + "<https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024R1689> aigov:evidenceTier aigov:OfficialText .\n")
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 0, result.stdout
    lacking = run_cli("query", "instruments-lacking-identifier", "-p", "scheme=eli", "--data", str(data_copy),
                      "--format", "csv")
    assert len(lacking.stdout.splitlines()) == 1 + 32 and "eu-ai-act" not in lacking.stdout


@pytest.mark.parametrize("attested", [False, True])
def test_an_unverified_link_is_a_violation(data_copy: Path, attested: bool):
    text = f"\ninst:eu-ai-act skos:exactMatch {LINK} .\n"
    if attested:
        text += ATTESTATION.format(link=LINK, verification="Unverified", checked="")
    _add(data_copy, text)
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 1
    assert "check:crosswalk-links-verified" in result.stdout and "eu-ai-act.ttl" in result.stdout

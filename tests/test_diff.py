"""`aigovkg diff`: versions of the graph compared through named queries, on
edited copies (exactly the edits are reported) and on real revisions of this
repository; Atom feeds validated against the RELAX NG schema of RFC 4287."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from lxml import etree

from aigovkg import resources

from .conftest import ROOT, run_cli

ATOM_NS = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM_NS}
AIGOV = "https://w3id.org/aigovkg/ontology#"
ID = "https://w3id.org/aigovkg/id/"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA_DIR = Path(__file__).parent / "atom"
# Two commits of this repository: Policy Window's claims only, and the 312 claims of the topic map.
FIRST, TOPIC_MAP = "2629aab", "874f030"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _edit(path: Path, remove=lambda t: False, add=()) -> None:
    """Rewrite a Turtle file without the triples ``remove`` picks, plus ``add``."""
    triples = [q.triple for q in ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE)]
    kept = [t for t in triples if not remove(t)] + list(add)
    assert len(kept) != len(triples) or add, f"nothing edited in {path}"
    path.write_bytes(ox.serialize(kept, format=ox.RdfFormat.TURTLE))


def _history_available() -> bool:
    probe = subprocess.run(["git", "cat-file", "-e", f"{FIRST}^{{commit}}"], cwd=ROOT, capture_output=True)
    return probe.returncode == 0


needs_history = pytest.mark.skipif(not _history_available(), reason="not a git checkout with full history")


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA_DIR / "atom.rng")))


def assert_valid_atom(data: bytes, schema: etree.RelaxNG) -> etree._Element:
    """RELAX NG validation, plus the two Schematron rules of RFC 4287's schema
    that RELAX NG alone does not check, plus what the schema leaves as text."""
    root = etree.fromstring(data)
    assert schema.validate(root), schema.error_log
    assert root.tag == f"{{{ATOM_NS}}}feed"
    # s:rule atom:feed -- an author unless every entry has one; s:rule atom:entry -- alternate link or content
    assert root.xpath("atom:author or not(atom:entry[not(atom:author)])", namespaces=NS)
    for entry in root.xpath("atom:entry", namespaces=NS):
        assert entry.xpath("atom:link[@rel='alternate'] or atom:link[not(@rel)] or atom:content", namespaces=NS)
        assert entry.xpath("atom:author or ../atom:author or atom:source/atom:author", namespaces=NS)
    # atom:id is an IRI (the schema says only "text"); dates are RFC 3339 (xsd:dateTime checked above, plus 'Z')
    for element in root.iter(f"{{{ATOM_NS}}}id"):
        assert element.text and element.text.startswith("https://w3id.org/aigovkg/id/"), element.text
    for element in root.iter(f"{{{ATOM_NS}}}updated"):
        assert element.text and element.text.endswith("Z") and len(element.text) == 20
    ids = root.xpath("atom:entry/atom:id/text()", namespaces=NS)
    assert len(ids) == len(set(ids)), "entry ids must be unique within a feed"
    return root


# -------------------------------------------------------------- the schema


def test_the_rng_is_the_rfc_schema_converted():
    """tests/atom/atom.rng is RFC 4287 Appendix B (atom.rnc) converted by rnc2rng; the
    only edit drops rnc2rng's xmlns:local="" declaration, which XML namespaces forbid."""
    import rnc2rng

    converted = rnc2rng.dumps(rnc2rng.loads((SCHEMA_DIR / "atom.rnc").read_text()))
    assert converted.replace('\n         xmlns:local=""', "") == (SCHEMA_DIR / "atom.rng").read_text()


def test_the_schema_rejects_broken_feeds(atom_schema):
    good = (b'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><id>https://w3id.org/aigovkg/id/x</id>'
            b"<title>t</title><updated>2026-11-22T00:00:00Z</updated><author><name>a</name></author></feed>")
    assert atom_schema.validate(etree.fromstring(good))
    broken = [good.replace(b"<id>https://w3id.org/aigovkg/id/x</id>", b""),
              good.replace(b"<title>t</title>", b""),
              good.replace(b"2026-11-22T00:00:00Z", b"2026-11-22"),
              good.replace(b'xml:lang="en"', b'xml:lang="en_GB"'),
              good.replace(b"</feed>", b"<entry><title>e</title></entry></feed>")]
    assert len(broken) == 5
    for data in broken:
        assert not atom_schema.validate(etree.fromstring(data)), data


# ------------------------------------------------------------ unchanged


def test_unchanged_graph_gives_an_empty_diff(data_copy: Path):
    result = run_cli("diff", str(resources.graph_dir()), str(data_copy), "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["changes"] == [] and doc["counts"] == {}
    assert doc["old"]["version"] == doc["new"]["version"] == "0.5.0"
    assert doc["new"]["issued"] == "2026-12-05"
    text = run_cli("diff", str(resources.graph_dir()), str(data_copy))
    assert text.returncode == 0 and text.stdout.splitlines()[-1] == "no changes"


# ------------------------------------------------------- an edited copy


def _make_edits(data: Path) -> None:
    """Change a level, a citation and a fact, remove a claim, add a tension."""
    pw = data / "claims/policy-window/international-coordination.ttl"
    claim = _n(ID + "claim/policy-window/international-coordination/eu-ai-act")
    _edit(pw, remove=lambda t: t.subject == claim and t.predicate.value == AIGOV + "coverageLevel",
          add=[ox.Triple(claim, _n(AIGOV + "coverageLevel"), _n(AIGOV + "Implicit"))])
    own = data / "claims/aigovkg/transparency-disclosure.ttl"
    cited = _n(ID + "claim/aigovkg/transparency-disclosure/eu-ai-act")
    _edit(own, remove=lambda t: t.subject == cited and t.predicate.value == AIGOV + "citation",
          add=[ox.Triple(cited, _n(AIGOV + "citation"), ox.Literal("Art. 50(1) and (2)"))])
    gone = _n(ID + "claim/aigovkg/synthetic-content/anthropic-rsp")
    _edit(data / "claims/aigovkg/synthetic-content.ttl", remove=lambda t: t.subject == gone)
    tension = _n(ID + "tension/aigovkg/international-coordination/divergence/eu-ai-act--us-eo-14179")
    _edit(pw, add=[
        ox.Triple(tension, _n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), _n(AIGOV + "Tension")),
        ox.Triple(tension, _n(AIGOV + "tensionKind"), _n(AIGOV + "Divergence")),
        ox.Triple(tension, _n(AIGOV + "firstInstrument"), _n(ID + "instrument/eu-ai-act")),
        ox.Triple(tension, _n(AIGOV + "secondInstrument"), _n(ID + "instrument/us-eo-14179")),
        ox.Triple(tension, _n(AIGOV + "topic"), _n(ID + "topic/international-coordination")),
        ox.Triple(tension, _n(DCTERMS + "source"), _n(ID + "source/aigovkg")),
    ])
    act = _n(ID + "instrument/eu-ai-act")
    _edit(data / "instruments/eu-ai-act.ttl",
          remove=lambda t: t.subject == act and t.predicate.value == AIGOV + "statusDate",
          add=[ox.Triple(act, _n(AIGOV + "statusDate"),
                         ox.Literal("2025-02-02", datatype=_n("http://www.w3.org/2001/XMLSchema#date")))])


EXPECTED = {
    ("claim", "changed", "international-coordination", ("eu-ai-act",), "policy-window", "level",
     ("silent",), ("implicit",)),
    ("claim", "changed", "transparency-disclosure", ("eu-ai-act",), "aigovkg", "citation",
     ("Art. 50(1) (persons informed they are interacting with an AI system); Art. 50(3) (deployers of emotion "
      "recognition and biometric categorisation systems inform exposed persons)",), ("Art. 50(1) and (2)",)),
    ("claim", "removed", "synthetic-content", ("anthropic-rsp",), "aigovkg", None, None, ()),
    ("tension", "added", "international-coordination", ("eu-ai-act", "us-eo-14179"), "aigovkg", None, (), ()),
    ("instrument", "changed", None, ("eu-ai-act",), None, "aigov:statusDate", ("2024-08-01",), ("2025-02-02",)),
}


def test_edits_to_a_copy_are_reported_exactly(data_copy: Path, tmp_path: Path):
    _make_edits(data_copy)
    result = run_cli("diff", str(resources.graph_dir()), str(data_copy), "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    found = {(c["thing"], c["action"], c["topic"], tuple(c["instruments"]), c["source"], c["field"],
              tuple(c["old"]) if c["action"] != "removed" else None, tuple(c["new"])) for c in doc["changes"]}
    assert found == EXPECTED
    assert len(doc["changes"]) == 5
    removed = next(c for c in doc["changes"] if c["action"] == "removed")
    assert "level: silent" in removed["old"] and removed["iri"].endswith("synthetic-content/anthropic-rsp")
    assert doc["counts"] == {"claim changed": 2, "claim removed": 1, "instrument changed": 1, "tension added": 1}
    assert doc["topics"] == {"international-coordination": 2, "synthetic-content": 1, "transparency-disclosure": 1}
    assert doc["instruments"]["eu-ai-act"] == 4

    text = run_cli("diff", str(resources.graph_dir()), str(data_copy))
    lines = text.stdout.splitlines()
    assert "  ~ claim [policy-window] EU AI Act: level: \"silent\" -> \"implicit\"" in lines
    assert "  ~ instrument EU AI Act: aigov:statusDate: \"2024-08-01\" -> \"2025-02-02\"" in lines
    assert "## International Coordination (international-coordination)" in lines
    assert "  EU AI Act (eu-ai-act): 2 claim changed, 1 instrument changed, 1 tension added" in lines

    one = run_cli("diff", str(resources.graph_dir()), str(data_copy), "--topic", "international-coordination",
                  "--format", "json", "--out", str(tmp_path / "ic.json"))
    assert one.returncode == 0 and one.stdout == ""
    scoped = json.loads((tmp_path / "ic.json").read_text())
    assert scoped["topic"] == "international-coordination"
    assert {(c["thing"], c["action"]) for c in scoped["changes"]} == {("claim", "changed"), ("tension", "added")}


def test_atom_feeds_of_an_edited_copy_validate(data_copy: Path, tmp_path: Path, atom_schema):
    _make_edits(data_copy)
    # hostile text reaches the feed escaped: markup, ampersands, quotes and a control character
    act = _n(ID + "instrument/eu-ai-act")
    _edit(data_copy / "instruments/eu-ai-act.ttl",
          remove=lambda t: t.subject == act and t.predicate.value.endswith("rdf-schema#label"),
          add=[ox.Triple(act, _n("http://www.w3.org/2000/01/rdf-schema#label"),
                         ox.Literal('EU <b>AI</b> Act & "friends" ]]>\u0001', language="en"))])
    _edit(data_copy / "dataset.ttl", remove=lambda t: t.predicate.value == DCTERMS + "issued",
          add=[ox.Triple(_n(ID + "dataset"), _n(DCTERMS + "issued"),
                         ox.Literal("2027-01-05", datatype=_n("http://www.w3.org/2001/XMLSchema#date")))])
    folder = tmp_path / "feeds"
    result = run_cli("diff", str(resources.graph_dir()), str(data_copy), "--atom-dir", str(folder),
                     "--format", "atom", "--topic", "international-coordination")
    assert result.returncode == 2 and "leave out --topic" in result.stderr
    result = run_cli("diff", str(resources.graph_dir()), str(data_copy), "--atom-dir", str(folder))
    assert result.returncode == 0, result.stderr
    feeds = sorted(folder.glob("*.atom"))
    assert len(feeds) == 23
    entries = 0
    for path in feeds:
        root = assert_valid_atom(path.read_bytes(), atom_schema)
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
        assert root.findtext(f"{{{ATOM_NS}}}updated") == "2027-01-05T00:00:00Z"
        assert root.findtext(f"{{{ATOM_NS}}}id") == f"{ID}changes/topic/{path.stem}"
        entries += len(root.findall(f"{{{ATOM_NS}}}entry"))
    assert entries == 4  # the fact change is about an instrument, not a topic
    ic = etree.fromstring((folder / "international-coordination.atom").read_bytes())
    titles = ic.xpath("atom:entry/atom:title/text()", namespaces=NS)
    assert 'EU <b>AI</b> Act & "friends" ]]>\ufffd [policy-window]: level silent -> implicit' in titles
    single = run_cli("diff", str(resources.graph_dir()), str(data_copy), "--format", "atom",
                     "--topic", "international-coordination")
    assert single.returncode == 0, single.stderr
    assert single.stdout.encode("utf-8") == (folder / "international-coordination.atom").read_bytes()


def test_atom_needs_a_topic_and_a_release_date(data_copy: Path):
    result = run_cli("diff", str(resources.graph_dir()), str(data_copy), "--format", "atom")
    assert result.returncode == 2 and "--topic" in result.stderr
    _edit(data_copy / "dataset.ttl", remove=lambda t: t.predicate.value == DCTERMS + "issued")
    result = run_cli("diff", str(resources.graph_dir()), str(data_copy), "--format", "atom",
                     "--topic", "synthetic-content")
    assert result.returncode == 2 and "no release date" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --------------------------------------------------- real revisions


@needs_history
def test_diff_between_two_commits_of_this_repository():
    result = run_cli("diff", FIRST, TOPIC_MAP, "--format", "json", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    # between them: this project's 12 reviewed International Coordination claims, then the 312 of the topic map
    assert doc["counts"] == {"claim added": 324}
    assert doc["old"]["label"].startswith(f"{FIRST} (2629aabb") and doc["new"]["version"] == "0.1.0"
    assert doc["topics"]["international-coordination"] == 12
    assert len(doc["topics"]) == 13 and set(doc["topics"].values()) == {12, 26}
    assert all(c["source"] == "aigovkg" for c in doc["changes"])
    back = json.loads(run_cli("diff", TOPIC_MAP, FIRST, "--format", "json", cwd=ROOT).stdout)
    assert back["counts"] == {"claim removed": 324}


@needs_history
def test_a_revision_against_a_folder_and_atom_from_real_versions(tmp_path: Path, atom_schema):
    # graph/ at the topic-map commit as a folder, against the same revision read by git: no changes
    archive = subprocess.run(["git", "archive", "--format=tar", TOPIC_MAP, "--", "graph"], cwd=ROOT,
                             check=True, capture_output=True).stdout
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    same = run_cli("diff", TOPIC_MAP, str(tmp_path / "graph"), "--format", "json", cwd=ROOT)
    assert same.returncode == 0 and json.loads(same.stdout)["changes"] == []
    feeds = []
    for seed in ("0", "1"):  # same bytes whatever the hash seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-m", "aigovkg", "diff", FIRST, TOPIC_MAP, "--format", "atom",
                              "--topic", "international-coordination"], cwd=ROOT, env=env,
                             capture_output=True, timeout=300)
        assert run.returncode == 0, run.stderr
        feeds.append(run.stdout)
    assert feeds[0] == feeds[1]
    root = assert_valid_atom(feeds[0], atom_schema)
    assert len(root.findall(f"{{{ATOM_NS}}}entry")) == 12
    assert root.findtext(f"{{{ATOM_NS}}}updated") == "2026-11-22T00:00:00Z"


BAD_REVISIONS = ["no-such-revision", "HEAD~100000", "--output=/tmp/x", "HEAD:graph"]


def test_bad_revision_cases():
    assert len(BAD_REVISIONS) == 4


@pytest.mark.parametrize("spec", BAD_REVISIONS)
def test_a_bad_revision_is_a_clear_error(spec: str):
    result = run_cli("diff", "--", spec, str(resources.graph_dir()), cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.startswith("aigovkg: error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_file_or_a_broken_copy_is_an_input_error(data_copy: Path, tmp_path: Path):
    file = tmp_path / "file.ttl"
    file.write_text("")
    result = run_cli("diff", str(file), str(data_copy))
    assert result.returncode == 2 and "not a folder" in result.stderr
    (data_copy / "broken.ttl").write_text("this is not turtle\n")
    result = run_cli("diff", str(resources.graph_dir()), str(data_copy))
    assert result.returncode == 2 and "broken.ttl:1:" in result.stderr


def test_outside_a_git_repository_a_revision_is_refused(tmp_path: Path):
    outside = tmp_path / "nowhere"
    outside.mkdir()
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    result = run_cli("diff", "HEAD", str(resources.graph_dir()), cwd=outside)
    assert result.returncode == 2 and "not in a git repository" in result.stderr

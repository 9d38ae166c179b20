"""`aigovkg build`: the main job writes pages and dumps, and a failed build
leaves the previous output untouched."""

from __future__ import annotations

import json
from pathlib import Path

from aigovkg.export import SUFFIX, ExportFormat, dump
from aigovkg.loader import load_graph

from .conftest import run_cli


def test_build_writes_pages_dumps_and_description(tmp_path: Path):
    out = tmp_path / "site"
    result = run_cli("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"built {out}: ")
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    expected = {
        "dumps/aigovkg.jsonld", "dumps/aigovkg.nq", "dumps/aigovkg.nt", "dumps/aigovkg.rdf",
        "dumps/aigovkg.trig", "dumps/aigovkg.ttl", "dumps/context.jsonld", "dumps/void.ttl",
        "dumps/releases/aigovkg-0.1.0.nq.gz", "dumps/releases/aigovkg-0.2.0.nq.gz", "dumps/releases/aigovkg-0.3.0.nq.gz",
        "dumps/releases/aigovkg-0.4.0.nq.gz",
        "topics/international-coordination.html", "topics/international-coordination.json",
        "topics/international-coordination.md", "validation.txt", "index.html", "compare.html",
        "sparql.html", "search.html", "search.js", "search-index.js", "style.css", "instruments/eu-ai-act.html",
        "jurisdictions/us-ca.html",
        "ontology/index.html", "ontology/aigov.ttl", "ontology/aigov.jsonld", "ontology/aigov.nt",
        "ontology/aigov.rdf", "ontology/shapes.ttl", "w3id/redirects.json", "calendar.html", "calendar.ics",
        "calendar.atom", "timelines/eu-ai-act.html", "timelines/us-eo-14110.html",
    }
    assert expected <= files
    assert len([f for f in files if f.endswith(".html")]) == 115  # 81 pages, 33 timelines and the calendar
    assert len([f for f in files if f.startswith("wiki/") and f.endswith(".mdx")]) == 77
    page = json.loads((out / "topics/international-coordination.json").read_text())
    assert page["summary"]["instruments"] == 33
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")], "staging folder left behind"
    # The dumps, streamed to their files from one canonical text, are what `aigovkg export` writes.
    # N-Quads and TriG with their named graphs (the ontology, each source's claims, the rest).
    loaded = load_graph()
    for fmt in ExportFormat:
        assert (out / f"dumps/aigovkg.{SUFFIX[fmt]}").read_bytes() == dump(loaded, fmt), fmt
    assert b"<https://w3id.org/aigovkg/id/graph/claims/policy-window> .\n" in (out / "dumps/aigovkg.nq").read_bytes()


def test_failed_build_leaves_previous_output_intact(tmp_path: Path, data_copy: Path):
    out = tmp_path / "site"
    assert run_cli("build", "--out", str(out)).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = data_copy / "claims/policy-window/international-coordination.ttl"
    bad.write_text(bad.read_text() + "\n<https://w3id.org/aigovkg/id/claim/policy-window/international-coordination/"
                   "eu-ai-act> <https://w3id.org/aigovkg/ontology#coverageLevel> "
                   "<https://w3id.org/aigovkg/ontology#Partial> .\n")
    failed = run_cli("build", "--out", str(out), "--data", str(data_copy))
    assert failed.returncode == 1
    assert "nothing was written" in failed.stderr and "aigov:ClaimHasKnownLevel" in failed.stderr
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    broken = data_copy / "broken.ttl"
    broken.write_text("this is not turtle\n")
    syntax = run_cli("build", "--out", str(out), "--data", str(data_copy))
    assert syntax.returncode == 2 and "broken.ttl:1:" in syntax.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_progress_goes_to_stderr_only_when_asked(tmp_path: Path):
    quiet = run_cli("site", "--out", str(tmp_path / "quiet"))  # stderr is a pipe here, not a terminal
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "" and quiet.stdout == f"wrote 114 pages to {tmp_path / 'quiet'}\n"
    loud = run_cli("site", "--out", str(tmp_path / "loud"), "--progress")
    assert loud.returncode == 0, loud.stderr
    steps = [line.split("] ", 1)[1] for line in loud.stderr.splitlines()]
    assert steps[:2] == ["loading", "site"] and steps[-2:] == ["dumps", "ontology"]
    assert "topic synthetic-content" in steps and len(steps) == 27
    assert all(line.startswith("  [") for line in loud.stderr.splitlines())
    assert loud.stdout == quiet.stdout.replace("quiet", "loud")
    muted = run_cli("site", "--out", str(tmp_path / "muted"), "--no-progress")
    assert muted.stderr == ""


def test_a_build_reads_each_query_once_not_once_per_use(tmp_path: Path, monkeypatch):
    """One coverage matrix feeds the similarity graph of the topic pages (drawn
    as the site's topic network), the compare page and the heatmap: it is
    made once per build (it was queried four times, then twice, then once; it
    is now computed from the topic pages' rows), and the pictures are the same."""
    import io
    from collections import Counter

    from aigovkg import analyse
    from aigovkg.api import KnowledgeGraph, load
    from aigovkg.build import build, build_site
    from aigovkg.plot import heatmap

    runs: Counter[str] = Counter()
    results, rows, similarity_graph = KnowledgeGraph.results, KnowledgeGraph.rows, analyse.similarity_graph

    def counted(self, name, /, **kwargs):
        runs[name] += 1
        return results(self, name, **kwargs)

    def counted_rows(self, name, /, **kwargs):  # the same rows, read faster (see KnowledgeGraph.rows)
        runs[name] += 1
        return rows(self, name, **kwargs)

    def counted_similarity(*args, **kwargs):
        runs["similarity graph"] += 1
        return similarity_graph(*args, **kwargs)

    monkeypatch.setattr(KnowledgeGraph, "results", counted)
    monkeypatch.setattr(KnowledgeGraph, "rows", counted_rows)
    monkeypatch.setattr(analyse, "similarity_graph", counted_similarity)
    build(tmp_path / "site")
    # The coverage matrix is computed from the topic pages' coverage rows, and
    # those and the instrument pages' from what every claim rests on: one
    # reading of every claim.
    assert (runs["coverage-matrix"], runs["topic-coverage"], runs["similarity graph"]) == (0, 0, 1)
    assert (runs["claim-evidence"], runs["instrument-coverage"], runs["instrument-references"]) == (1, 0, 1)
    # No query runs per topic: each behind the topic pages runs once for all of them.
    assert all(runs[name] == 1 for name in ("topic", "topic-related", "approach-evaluation", "approach-items",
                                            "approach-cruxes", "topic-tensions", "disagreements")), runs
    assert runs["topic-primacy"] == runs["topic-coverage-summary"] == 0
    # `aigovkg site`, which gathers its topic pages itself, shares the similarity graph likewise.
    runs.clear()
    build_site(tmp_path / "site-only")
    assert (runs["coverage-matrix"], runs["similarity graph"], runs["claim-evidence"]) == (1, 1, 1)
    # Drawn afresh from its own query, the heatmap is the one the build drew.
    buffer = io.BytesIO()
    heatmap(load()).savefig(buffer, format="svg", metadata={"Date": None})
    assert (tmp_path / "site" / "pictures" / "coverage-heatmap.svg").read_bytes() == buffer.getvalue()

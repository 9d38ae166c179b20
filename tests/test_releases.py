"""Record time: each release of the graph answers as it was published, on four
real releases (0.1.0 of 2026-11-22, 0.2.0, 0.3.0 and 0.4.0 of 2026-12-05) shipped as
gzipped N-Quads, and today's graph (graph/); a day picks the release current
on it; diff works across releases."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest

import aigovkg
from aigovkg import resources
from aigovkg.releases import RELEASE, releases, resolve, snapshot

from .conftest import run_cli


def test_the_releases_oldest_first():
    found = [(r.version, r.issued, r.path.name if r.path else None) for r in releases()]
    assert found == [("0.1.0", "2026-11-22", "aigovkg-0.1.0.nq.gz"), ("0.2.0", "2026-12-05", "aigovkg-0.2.0.nq.gz"),
                     ("0.3.0", "2026-12-05", "aigovkg-0.3.0.nq.gz"), ("0.4.0", "2026-12-05", "aigovkg-0.4.0.nq.gz"),
                     ("0.5.0", "2026-12-05", None)]
    listed = run_cli("releases", "--format", "json")
    assert listed.returncode == 0 and [r["version"] for r in json.loads(listed.stdout)] == ["0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0"]


@pytest.mark.parametrize("version", ["0.1.0", "0.2.0", "0.3.0", "0.4.0"])
def test_a_snapshot_is_one_named_graph_of_its_release(version):
    data = gzip.decompress((resources.releases_dir() / f"aigovkg-{version}.nq.gz").read_bytes())
    quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name for q in quads} == {ox.NamedNode(RELEASE + version)}
    lines = data.decode().splitlines()
    assert lines == sorted(lines) and len(lines) == len(set(lines))  # written sorted, once per quad
    assert f'<https://w3id.org/aigovkg/id/dataset> <http://www.w3.org/2002/07/owl#versionInfo> "{version}"' in data.decode()


# The commits releases/README.md names for each shipped file.
TAKEN_FROM = {"0.1.0": "9c3f9ba", "0.2.0": "2c4cceb", "0.3.0": "a80af6c", "0.4.0": "3ea90af"}


@pytest.mark.parametrize("version", sorted(TAKEN_FROM))
def test_a_shipped_release_is_what_its_commit_gives_byte_for_byte(version):
    checkout = Path(resources.data_root())
    known = subprocess.run(["git", "-C", str(checkout), "cat-file", "-e", f"{TAKEN_FROM[version]}^{{commit}}"],
                           capture_output=True)
    if known.returncode != 0:
        pytest.skip("not a git checkout with the release's commit (an installed package or a shallow clone)")
    assert snapshot(TAKEN_FROM[version], version, checkout) == \
        (resources.releases_dir() / f"aigovkg-{version}.nq.gz").read_bytes()
    readme = (resources.releases_dir() / "README.md").read_text(encoding="utf-8")
    assert f"commit {TAKEN_FROM[version]}" in readme


def test_a_day_picks_the_release_current_on_it():
    assert resolve("2026-11-22").version == "0.1.0"
    assert resolve("2026-12-04").version == "0.1.0"
    assert resolve("2026-12-05").version == "0.5.0"  # four releases that day: the latest one
    assert resolve("0.4.0").path is not None and resolve("0.5.0").path is None


def test_an_answer_as_of_an_earlier_release_differs_where_the_data_changed(kg):
    def status_date(graph):
        rows = graph.results("instrument-facts", instrument="anthropic-rsp").records()
        return [r["value"] for r in rows if str(r["property"]).endswith("#statusDate")]

    # The evidence review of 0.2.0 removed Anthropic RSP's status date, which 0.1.0 gave.
    assert [d.isoformat() for d in status_date(aigovkg.load(as_of="0.1.0"))] == ["2025-03-31"]
    assert status_date(aigovkg.load(as_of="0.2.0")) == [] == status_date(kg)
    # 0.3.0 added the obligations of the EU AI Act; 0.2.0 had none.
    assert aigovkg.load(as_of="0.2.0").results("obligations").records() == []
    assert len({r["obligation"] for r in kg.results("obligations").records()}) == 112  # 65 EU, 7 SB 53, 8+18 China, 3 GDPR, 11 Korea
    # The same from the command line, by release and by day.
    before = run_cli("query", "instrument-facts", "-p", "instrument=anthropic-rsp", "--as-of", "2026-11-30",
                     "--format", "csv")
    now = run_cli("query", "instrument-facts", "-p", "instrument=anthropic-rsp", "--format", "csv")
    assert before.returncode == now.returncode == 0
    assert "2025-03-31" in before.stdout and "2025-03-31" not in now.stdout


def test_diff_across_two_releases():
    result = run_cli("diff", "0.1.0", "0.2.0", "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["old"]["version"], doc["new"]["version"]) == ("0.1.0", "0.2.0")
    assert doc["changes"] and doc["new"]["issued"] == "2026-12-05"


@pytest.mark.parametrize("args, says", [
    (("query", "topics", "--as-of", "nope"), "neither a release nor a day"),
    (("query", "topics", "--as-of", "2026-01-01"), "no release was issued on or before that day"),
    (("stats", "--as-of", "0.1.0", "--data", "graph"), "give it without --data"),
])
def test_a_bad_release_is_one_line(args, says):
    result = run_cli(*args)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr

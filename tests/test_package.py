"""Packaging and self-description: the wheel ships the data, the namespaces
agree with the ontology, every command is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest

from aigovkg import __version__, resources
from aigovkg.cli import cli
from aigovkg.namespaces import AIGOV, ONTOLOGY_IRI, PREFIXES

ROOT = Path(__file__).resolve().parent.parent


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = sorted(cli.commands)
    assert len(commands) >= 6
    for name in commands:
        assert f"aigovkg {name}" in readme, f"README does not document 'aigovkg {name}'"
        assert cli.commands[name].help, f"'aigovkg {name}' has no help text"


def test_namespace_matches_the_ontology():
    quads = list(ox.parse(path=str(resources.ontology_file()), format=ox.RdfFormat.TURTLE))
    uri = [q.object.value for q in quads if q.predicate.value == "http://purl.org/vocab/vann/preferredNamespaceUri"]
    prefix = [q.object.value for q in quads if q.predicate.value == "http://purl.org/vocab/vann/preferredNamespacePrefix"]
    assert uri == [AIGOV] and prefix == ["aigov"] and PREFIXES["aigov"] == AIGOV
    version = [q.object.value for q in quads
               if q.subject.value == ONTOLOGY_IRI and q.predicate.value.endswith("#versionInfo")]
    assert version == [__version__]


def test_help_for_every_command():
    for name in sorted(cli.commands):
        result = subprocess.run([sys.executable, "-m", "aigovkg", name, "--help"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Usage:" in result.stdout


def test_wheel_ships_ontology_graph_and_queries(tmp_path: Path):
    """Build the wheel, install it alone into a folder, and run it from elsewhere."""
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-w", str(dist), str(ROOT)], capture_output=True, text=True, timeout=300)
    if build.returncode != 0 and "hatchling" in build.stderr:
        pytest.skip("hatchling is not installed in this environment")
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("aigovkg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("aigovkg/_data/ontology/aigov.ttl", "aigovkg/_data/ontology/shapes.ttl",
                   "aigovkg/_data/graph/topics.ttl", "aigovkg/_data/queries/topic-coverage.rq",
                   "aigovkg/_data/queries/checks/one-claim-per-source.rq", "aigovkg/_data/queries/first/1-instruments.rq",
                   "aigovkg/py.typed",
                   "aigovkg/render/templates/topic.md.j2"):
        assert needed in names, needed
    target = tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run([sys.executable, "-m", "aigovkg", "validate"], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    where = subprocess.run([sys.executable, "-c", "import aigovkg.resources as r; print(r.data_root())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert re.search(r"site-packages/aigovkg/_data$", where.stdout.strip()), where.stdout

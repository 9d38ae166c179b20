"""Wiki export: MDX and Markdown pages with YAML front matter that round-trips
exactly (hostile labels included), relative links that resolve, and MDX that
the real MDX compiler accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import run_cli

MDX = Path(__file__).parent / "mdx"
HOSTILE = ["NO", "0012", "yes", "{process.exit(1)}", "<script>alert(1)</script>", "a: b # c", 'quote "x"',
           "null", "~", "1e3", "[not, a, list]", "line\nbreak", "- dash", "@at", "`tick`", "&amp;", "nul\x00inside"]


def _front_matter(text: str) -> dict:
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, text[:200]
    return yaml.safe_load(match.group(1))  # a YAML 1.1 reader: the strictest test of quoting


def _node_compiler() -> list[str]:
    if not (MDX / "node_modules" / "@mdx-js" / "mdx").exists():
        pytest.fail("the MDX compiler is not installed: npm install --prefix tests/mdx (done by .ci/run)")
    return [shutil.which("node") or "node", str(MDX / "compile.mjs")]


@pytest.fixture(scope="module")
def hostile_wiki(tmp_path_factory) -> tuple[Path, list[str]]:
    data = tmp_path_factory.mktemp("data") / "graph"
    from aigovkg import resources

    shutil.copytree(resources.graph_dir(), data)
    labels = {}
    for path, label in zip(sorted((data / "instruments").glob("*.ttl")), HOSTILE, strict=False):
        text = path.read_text(encoding="utf-8")
        old = re.search(r'rdfs:label ("(?:[^"\\]|\\.)*")@en ;', text).group(1)
        new = '"' + label.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\x00", "\\u0000") + '"'
        path.write_text(text.replace(old + "@en", new + "@en"), encoding="utf-8")
        labels[path.stem] = label
    out = tmp_path_factory.mktemp("wiki") / "wiki"
    result = run_cli("wiki", "--format", "mdx", "--data", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, labels


def test_hostile_label_count():
    assert len(HOSTILE) == 17


def test_front_matter_round_trips_hostile_labels_exactly(hostile_wiki):
    out, labels = hostile_wiki
    assert len(labels) == 17
    for slug, label in labels.items():
        fields = _front_matter((out / "instruments" / f"{slug}.mdx").read_text(encoding="utf-8"))
        assert fields["title"] == label
        assert all(isinstance(v, (str, list)) for v in fields.values())
        assert fields["slug"] == slug


def test_every_page_compiles_with_the_real_mdx_compiler(hostile_wiki):
    out, _labels = hostile_wiki
    files = sorted(str(p) for p in out.rglob("*.mdx"))
    assert len(files) == 77
    result = subprocess.run([*_node_compiler(), *files], capture_output=True, text=True, timeout=300)
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert not failures and result.returncode == 0, failures[:5]
    assert result.stdout.count("ok ") == 77


def test_hostile_text_stays_text(hostile_wiki):
    out, _labels = hostile_wiki
    index = (out / "index.mdx").read_text(encoding="utf-8")
    assert "<script>" not in index and "{process.exit(1)}" not in index
    assert "\\<script\\>" in index and "\\{process.exit(1)\\}" in index


@pytest.mark.reliability("A NUL (`\\u0000`) in an instrument's label through `aigovkg wiki` (it was written raw "
                         "into the MDX)", "the front matter reads it back exactly (`\"\\u0000\"`); the body shows "
                         "U+FFFD; no page holds a NUL byte; every page compiles")
def test_a_nul_in_a_label_shows_as_the_replacement_character(hostile_wiki):
    out, labels = hostile_wiki
    slug = next(slug for slug, label in labels.items() if "\x00" in label)
    page = (out / "instruments" / f"{slug}.mdx").read_text(encoding="utf-8")
    assert _front_matter(page)["title"] == "nul\x00inside"
    assert "nul\ufffdinside" in page.split("\n---\n", 1)[1]
    pages = sorted(out.rglob("*.mdx"))
    assert len(pages) == 77
    assert not [p for p in pages if b"\x00" in p.read_bytes()]


def test_relative_links_resolve(tmp_path):
    out = tmp_path / "wiki"
    result = run_cli("wiki", "--format", "markdown", "--out", str(out))
    assert result.returncode == 0, result.stderr
    pages = sorted(out.rglob("*.md"))
    assert len(pages) == 77
    links = 0
    for page in pages:
        for target in re.findall(r"\]\((?!https?:)([^)]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).resolve().exists(), (page, target)
            assert not target.startswith(("/", "http"))
            links += 1
    assert links > 500


def test_topic_page_includes_the_approach_evaluation(tmp_path):
    out = tmp_path / "wiki"
    assert run_cli("wiki", "--out", str(out)).returncode == 0
    text = (out / "topics" / "international-coordination.mdx").read_text(encoding="utf-8")
    assert "## Approach evaluation" in text and "### Crux 2: What Form of Coordination?" in text
    assert _front_matter(text)["title"] == "International Coordination"

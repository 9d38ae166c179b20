"""The README lists every topic and instrument with its counts as the graph gives them
(regenerate with ``python -m tests.readme_topics --write``)."""

from __future__ import annotations

from aigovkg import resources

from .readme_topics import README, readme_tables, tables


def test_the_readme_lists_every_topic_and_instrument_as_the_graph_has_them(kg):
    text = README.read_text(encoding="utf-8")
    assert readme_tables(text) == tables(kg), "stale tables: run python -m tests.readme_topics --write"
    slugs = {p.stem for p in (resources.graph_dir() / "instruments").glob("*.ttl")}
    assert len(slugs) == 33 and all(f"| `{s}` |" in text for s in slugs)

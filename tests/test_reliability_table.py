"""The README's Reliability table is the one generated from the tests'
``reliability`` markers (regenerate it with ``python -m tests.reliability --write``)."""

from __future__ import annotations

from collections import Counter

from .reliability import README, readme_table, rows, table


def test_readme_table_is_generated_from_the_tests():
    current = readme_table(README.read_text(encoding="utf-8"))
    assert current is not None, "README.md has no Reliability table markers"
    assert current == table(), "the Reliability table is stale: run python -m tests.reliability --write"


def test_every_hardening_area_has_rows():
    per_file = Counter(row.module for row in rows())
    assert per_file == {"test_bad_data": 16, "test_hostile_queries": 7, "test_queries": 3, "test_server": 2,
                        "test_misbehaving_endpoints": 6, "test_files": 11, "test_fuzz": 12, "test_validate_cli": 2,
                        "test_w3c_shacl": 1, "test_remote_stores": 10, "test_virtuoso": 3, "test_mcp": 3,
                        "test_wiki": 1, "test_literals_as_written": 2, "test_beside": 2}


def test_each_row_names_one_test_and_says_what_happens():
    found = rows()
    assert len({(r.module, r.test) for r in found}) == len(found) == 81
    assert all(r.tried.strip() and r.result.strip() for r in found)

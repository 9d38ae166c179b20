"""The shapes and checks, driven by data files: each case in tests/shapes/ is
added to base.ttl and must raise exactly the violations its header expects."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from aigovkg.loader import load_graph
from aigovkg.namespaces import curie
from aigovkg.validate import validate

CASES = Path(__file__).parent / "shapes"
CASE_FILES = sorted(p for p in CASES.glob("*.ttl") if p.name != "base.ttl")
EXPECTED_CASES = 26  # an impossible date is refused by the loader: see tests/test_bad_data.py


def _expected(path: Path) -> set[tuple[str, str]]:
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"# expect: (\S+)(?: <?([^>\s]+)>?)?$", line)
        if match and match.group(1) != "nothing":
            found.add((match.group(1), curie(match.group(2))))
    return found


def test_case_count():
    # Guard against a glob that silently collects nothing.
    assert len(CASE_FILES) == EXPECTED_CASES
    assert sum(1 for p in CASE_FILES if p.name.startswith("invalid-")) == 21


@pytest.mark.parametrize("case", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_shape_case(case: Path, tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(CASES / "base.ttl", data / "base.ttl")
    shutil.copy(case, data / case.name)
    report = validate(load_graph(data))
    got = {(v.rule, curie(v.focus)) for v in report.violations}
    expected = _expected(case)
    if case.name.startswith("valid-"):
        assert expected == set()
    else:
        assert expected, f"{case.name} declares no expected violation"
    assert got == expected, report.to_text()
    for violation in report.violations:
        assert violation.message and violation.files, violation

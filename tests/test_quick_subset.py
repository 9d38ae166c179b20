"""The quick subset (`python -m pytest -m "not slow"`): every name in the slow
list of conftest.py is a test that exists, the subset still touches every
stage, and a plain `python -m pytest` (CI, the README) still runs everything."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from .conftest import ALL, ROOT, SLOW, is_slow

TESTS = Path(__file__).resolve().parent
# A test of each stage that the quick run keeps: (file, at least one of its test functions).
STAGES = {
    "loading": "test_bad_data.py",
    "validation": "test_validate_cli.py",
    "the named queries": "test_queries.py",
    "the command line's errors": "test_researcher_cli.py",
    "the site in a browser": "test_site.py",
    "the Oxigraph server": "test_server.py",
}


def _test_functions(file_name: str) -> set[str]:
    tree = ast.parse((TESTS / file_name).read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")}


def test_every_slow_name_is_a_test_that_exists():
    listed = 0
    for file_name, names in SLOW.items():
        assert (TESTS / file_name).is_file(), file_name
        if names == ALL:
            continue
        missing = set(names) - _test_functions(file_name)
        assert not missing, f"{file_name}: no such test {sorted(missing)} (renamed? update conftest.SLOW)"
        listed += len(names)
    assert listed == 191 and sum(names == ALL for names in SLOW.values()) == 5


def test_the_quick_run_keeps_a_test_of_every_stage():
    for stage, file_name in STAGES.items():
        kept = sorted(name for name in _test_functions(file_name) if not is_slow(file_name, name))
        assert kept, f"the quick run has no test of {stage} ({file_name})"
    assert not is_slow("test_site.py", "test_screenshot_of_the_topic_page_is_not_blank")  # it uses the browser
    assert not is_slow("test_server.py", "test_cli_query_against_the_endpoint")  # a real Oxigraph server
    assert not is_slow("test_validate_cli.py", "test_shipped_graph_is_valid")
    assert len(STAGES) == 6


def test_a_plain_run_selects_every_test():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "-m" not in options["addopts"].split() and "not slow" not in options["addopts"]
    assert any(marker.startswith("slow:") for marker in options["markers"])

"""The README's example commands run as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Indented example lines; servers (serve, push, --endpoint) are exercised in test_server.py, the MCP
# server (mcp) in test_mcp.py.
EXAMPLES = [
    line.strip()
    for line in README.splitlines()
    if re.match(r"^    (echo .*\| )?aigovkg ", line)
    and not re.search(r"\b(serve|push|mcp)\b|--endpoint|&\s*$", line)
]


def test_example_count():
    assert len(EXAMPLES) == 31


@pytest.mark.parametrize("line", EXAMPLES)
def test_readme_example_runs(line: str, tmp_path: Path):
    command = line.split("#")[0].strip()
    stdin = None
    if command.startswith("echo "):
        echo, command = command.split("|", 1)
        stdin = shlex.split(echo)[1] + "\n"
    args = shlex.split(command)
    assert args[0] == "aigovkg"
    result = subprocess.run([sys.executable, "-m", "aigovkg", *args[1:]], cwd=tmp_path, input=stdin,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"

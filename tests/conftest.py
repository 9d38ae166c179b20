from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

import aigovkg
from aigovkg import resources

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def kg() -> aigovkg.KnowledgeGraph:
    """The shipped knowledge graph, loaded once."""
    return aigovkg.load()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped graph/ to break."""
    target = tmp_path / "graph"
    shutil.copytree(resources.graph_dir(), target)
    return target


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "aigovkg", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        env=env,
        timeout=300,
    )


def seed_file(prefix: str) -> Path:
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"the shared seeds are not beside this checkout ({SEEDS})")
    return matches[0]

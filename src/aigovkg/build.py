"""The main job: validate, then write pages and dumps into one folder.

The output is built in a temporary folder beside the target and swapped in
only when complete, so a failed build leaves the previous output untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aigovkg.api import KnowledgeGraph, load
from aigovkg.errors import AigovkgError


class ValidationFailed(AigovkgError):
    exit_code = 1


@dataclass(frozen=True)
class BuildSummary:
    out: Path
    files: tuple[str, ...]
    triples: int
    topics: int


def build(
    out: Path,
    *,
    data: Path | None = None,
    base_url: str = "https://w3id.org/aigovkg/",
    progress: Callable[[str], None] = lambda _m: None,
) -> BuildSummary:
    """Validate the graph and write topic pages (Markdown, HTML, JSON) and dumps."""
    from aigovkg.describe import describe_turtle
    from aigovkg.export import SUFFIX, ExportFormat, context, dump
    from aigovkg.model import topic_page
    from aigovkg.render import render_topic

    progress("loading")
    kg: KnowledgeGraph = load(data)
    assert kg.loaded is not None
    progress("validating")
    report = kg.validate()
    if not report.conforms:
        raise ValidationFailed("the graph does not validate; nothing was written\n" + report.to_text().rstrip())
    out = Path(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    written: list[str] = []
    try:

        def put(rel: str, data: str | bytes) -> None:
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
            written.append(rel)

        topics = kg.results("topics").records()
        for t in topics:
            progress(f"topic {t['slug']}")
            page = topic_page(kg, t["slug"])
            put(f"topics/{t['slug']}.md", render_topic(page, "markdown"))
            put(f"topics/{t['slug']}.html", render_topic(page, "html"))
            put(f"topics/{t['slug']}.json", render_topic(page, "json"))
        progress("dumps")
        for fmt in ExportFormat:
            put(f"dumps/aigovkg.{SUFFIX[fmt]}", dump(kg.loaded.store, fmt))
        put("dumps/void.ttl", describe_turtle(kg, base_url=base_url))
        put("dumps/context.jsonld", json.dumps({"@context": context()}, indent=2, sort_keys=True) + "\n")
        put("validation.txt", report.to_text())
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildSummary(out, tuple(sorted(written)), kg.loaded.triples, len(topics))


def _swap(staging: Path, out: Path) -> None:
    """Put the finished build in place of the old one with renames only."""
    if out.exists() and not out.is_dir():
        raise AigovkgError(f"{out} exists and is not a folder")
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

"""Synthetic graphs: valid by construction, deterministic, and with planted
violations that both validation engines find exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from aigovkg.loader import load_graph
from aigovkg.synth import PLANTS, synthesize
from aigovkg.validate import validate

from .conftest import ROOT, run_cli


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_synthetic_graph_validates(tmp_path: Path):
    out = tmp_path / "g"
    made = run_cli("synth", "--instruments", "40", "--topics", "6", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert "40 instruments, 6 topics" in made.stdout
    checked = run_cli("validate", "--data", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    queried = run_cli("query", "topic-coverage", "-p", "topic=synthetic-topic-1", "--data", str(out),
                      "--format", "csv")
    assert queried.returncode == 0, queried.stderr
    assert len(queried.stdout.strip().splitlines()) == 41  # header + one preferred claim per instrument


def test_same_seed_same_bytes(tmp_path: Path):
    synthesize(tmp_path / "a", instruments=12, topics=3, seed=7)
    synthesize(tmp_path / "b", instruments=12, topics=3, seed=7)
    synthesize(tmp_path / "c", instruments=12, topics=3, seed=8)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


def test_planted_violations_are_found_by_both_engines(tmp_path: Path):
    out = tmp_path / "g"
    report = synthesize(out, instruments=30, topics=8, violations=2 * len(PLANTS))
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    assert {p["kind"] for p in planted} == set(PLANTS)
    expected = {(p["rule"], p["focus"]) for p in planted}
    assert len(report.planted) == len(planted) == 22  # two of each kind; some kinds break two rules
    loaded = load_graph(out)
    fast = validate(loaded, engine="fast")
    reference = validate(loaded, engine="pyshacl")
    assert {(v.rule, v.focus) for v in fast.violations} == expected
    assert fast.to_text() == reference.to_text()
    # The CLI says the same, with exit 1, from memory and from an on-disk store.
    result = run_cli("validate", "--data", str(out))
    assert result.returncode == 1
    assert result.stdout.count("\n") == len(fast.violations) + 1
    on_disk = run_cli("validate", "--data", str(out), "--on-disk")
    assert (on_disk.returncode, on_disk.stdout) == (1, result.stdout)


def test_synth_refuses_a_folder_in_use(tmp_path: Path):
    (tmp_path / "keep.ttl").write_text("# mine\n", encoding="utf-8")
    result = run_cli("synth", "--instruments", "3", "--topics", "1", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "not empty" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "keep.ttl").read_text(encoding="utf-8") == "# mine\n"
    too_many = run_cli("synth", "--instruments", "3", "--topics", "1", "--violations", "5",
                       "--out", str(tmp_path / "new"))
    assert too_many.returncode == 2 and "Traceback" not in too_many.stderr


def test_the_benchmark_runs_on_the_small_graph(tmp_path: Path):
    # Not a timing test: the script runs end to end and writes its JSON.
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "small", "--runs", "1",
         "--plain-runs", "0", "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    stages = report["sizes"]["small"]["aigovkg"]["median_seconds"]
    assert set(stages) == {"load", "shapes", "checks", "validate", "queries", "analyses", "pages", "build",
                           "load (on disk)", "validate (on disk)", "dumps", "dumps (floor)"}
    small = report["sizes"]["small"]
    assert small["aigovkg"]["result"]["violations"] == small["aigovkg"]["result"]["shape_violations"] == 0
    assert small["aigovkg"]["disk"]["violations"] == 0
    # pyrudof validated the same files against the same shapes, and agrees.
    assert set(small["pyrudof"]["median_seconds"]) == {"load", "shapes"}
    assert small["pyrudof"]["result"] == {"violations": 0, "conforms": True}
    assert f"| small ({small['triples']:,} triples) | shapes |" in result.stdout
    # The dumps beside their floor, Oxigraph's own serializers writing the same graph, as a ratio.
    dumps = small["aigovkg"]["dumps"]["dump_times"]
    assert set(dumps["floor"]) == {f"dumps/aigovkg.{ext}" for ext in ("ttl", "nt", "nq", "trig", "jsonld", "rdf")}
    assert set(dumps["files"]) >= set(dumps["floor"]) | {"dumps/void.ttl", "dumps/context.jsonld"}
    ratio = stages["dumps"] / stages["dumps (floor)"]
    assert f"| small ({small['triples']:,} triples) | dumps | {stages['dumps']:.2f} | {stages['dumps (floor)']:.2f} " \
           f"| {ratio:.1f}× |" in result.stdout


def _bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_the_benchmark_takes_named_sizes_and_instruments_by_topics():
    bench = _bench()
    assert bench._size("medium") == (1000, 200) and bench._size("400x50") == (400, 50)
    assert [bench._size(name) for name in ("1x50", "400x0", "400x", "x50", "huge", "4e2x50")] == [None] * 6


def test_the_benchmark_table_says_when_pyrudof_failed():
    # A pyrudof run killed at its memory limit shows as failed, with the signal and the limit.
    bench = _bench()
    ours = {"median_seconds": {"load": 1.0, "shapes": 2.0}, "result": {}, "timed_out": False, "failed": False}
    rudof = {"median_seconds": {"load": 3.0}, "result": {}, "timed_out": False, "failed": True, "exits": [-6],
             "memory_limit_gib": 16.0, "peak_mb": 15000.0}
    text = bench.table({"timeout": 60, "sizes": {"medium": {"triples": 10, "aigovkg": ours, "pyrudof": rudof}}})
    assert "| medium (10 triples) | load | 1.00 | — | — | 3.00 | 3.0× |" in text
    assert "| medium (10 triples) | shapes | 2.00 | — | — | failed (killed by signal 6) under its 16 GiB limit | — |" in text
    # Run a part of the shapes at a time, it shows its sum, its parts and its ratio; failed, it says so.
    parts = {"median_seconds": {"load": 3.0, "shapes": 50.0}, "result": {"violations": 0, "parts": 13},
             "timed_out": False, "failed": False, "peak_mb": 5000.0}
    entry = {"triples": 10, "aigovkg": ours, "pyrudof": rudof, "pyrudof_parts": parts}
    text = bench.table({"timeout": 60, "sizes": {"medium": entry}})
    assert "| medium (10 triples) | shapes (pyrudof in 13 parts, 0 results) | 2.00 | | | 50.00 | 25.0× |" in text
    assert "| medium (10 triples) | peak memory, pyrudof in parts (MB) | | | | 5000 | |" in text
    entry["pyrudof_parts"] = {**rudof, "median_seconds": {"load": 3.0}}
    text = bench.table({"timeout": 60, "sizes": {"medium": entry}})
    assert ("| medium (10 triples) | shapes (pyrudof in parts) | 2.00 | | | "
            "failed (killed by signal 6) under its 16 GiB limit | — |") in text


def test_pyrudof_by_parts_finds_what_pyrudof_finds_whole(tmp_path: Path):
    """The benchmark validates with pyrudof a part of the shapes at a time when
    the whole does not fit in memory: on a graph with planted violations of
    every kind, the parts find each of the whole's results exactly once."""
    import pyrudof

    from aigovkg import resources

    bench = _bench()
    synthesize(tmp_path / "g", instruments=30, topics=6, violations=12)
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    for path in [resources.ontology_file(), *sorted((tmp_path / "g").rglob("*.ttl"))]:
        rudof.read_data(str(path), merge=True)

    def results(shapes: str) -> list[tuple[str, str, str]]:
        rudof.reset_shacl()
        rudof.read_shacl(shapes)
        found = [(str(e.focus_node), str(e.constraint_component), str(e.source_shape))
                 for e in rudof.validate_shacl()]
        rudof.reset_shacl_validation()
        return found

    whole = results(resources.shapes_file().read_text(encoding="utf-8"))
    parts = bench.shape_parts(resources.shapes_file())
    by_part = [results(text) for _name, text in parts]
    assert len(set(whole)) >= 10 and len(parts) >= 10  # violations of the claim shape, split by property
    assert sorted(r for found in by_part for r in found) == sorted(whole)


def test_the_build_stage_table_says_whether_the_dumps_were_written_beside_the_pages():
    # The build says whether its worker wrote the dumps; the table names the stage by it
    # (a build without the memory or the second core for its worker writes the dumps after the pages).
    bench = _bench()
    seconds = {"build: load": 1.0, "build: dumps": 4.0, "build: after the pages": 5.0, "build: total": 10.0}
    floors = {"median_seconds": {"floor: load": 0.5, "floor: dumps": 2.0}}
    for beside, name, rest in ((True, "dumps, beside the loading and the pages", "the dumps' rest"),
                               (False, "dumps, after the pages (the build did not fork)", "the dumps")):
        stages = {"median_seconds": seconds, "result": {"dumps_beside": beside}}
        text = bench.build_stage_table({"sizes": {"large": {"triples": 10, "build_stages": stages,
                                                            "build_floors": floors}}})
        assert f"| large (10 triples) | {name} | 4.00 | 2.00 | 2.0× |" in text
        assert f"| large (10 triples) | after the pages: {rest}, the ontology's pages, the swap | 5.00 |" in text

"""Every named query on a real Virtuoso beside the embedded engine (issue #22, item 4).

Starts Debian's Virtuoso 7.2 (`virtuoso-t`) on 127.0.0.1 in a folder of its own, loads a
synthetic graph (`aigovkg synth`, the sizes of `run.py`) with Virtuoso's own bulk loader
(`ld_dir` and `rdf_loader_run`, through `isql-vt`), then runs each named SELECT query with
the parameters `run.py` uses, once embedded and once on Virtuoso, and reports both times,
their ratio, and whether the rows are the same (in the same order where the query orders
them). A query that Virtuoso refuses or that passes the time limit is reported as such, not
retried. Nothing is started on another interface and nothing reaches the network.

    python benchmarks/virtuoso.py --size medium --out benchmarks/results/medium-virtuoso.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import SIZES, _sample_params, _size, machine  # noqa: E402

GRAPH = "urn:aigovkg:benchmark"
PASSWORD = "dba"  # a database of its own, on 127.0.0.1 only, removed afterwards
# The one virtuoso.ini of the benchmark and of tests/test_virtuoso.py (which fills in its own
# sizes: the 10,000-row limit, 10,000 buffers).
INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
ServerThreads = {threads}
CheckpointInterval = {checkpoint}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}
; Readers must see a push whole: at Virtuoso's default READ COMMITTED (2) a count that runs
; while the swap commits can see part of each version (1 in 24 pushes here); at REPEATABLE
; READ (4) none of 84 did. README: "Remote stores".
DefaultIsolation = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = {threads}
MaxClientConnections = {threads}
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {limit}
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _isql(sql_port: int, statement: str, timeout: float) -> None:
    subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", PASSWORD, f"EXEC={statement}"],
                   check=True, capture_output=True, timeout=timeout)


def _start(folder: Path, *, limit: int, max_rows: int, buffers: int) -> tuple[subprocess.Popen, int, str]:
    sql, http = _port(), _port()
    # No checkpoints while it runs: the database is thrown away afterwards.
    (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql=sql, http=http, threads=4, checkpoint=0,
                                                    limit=limit, max_rows=max_rows, buffers=buffers,
                                                    dirty=buffers * 3 // 4))
    process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                               cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{http}/sparql"
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if process.poll() is not None:
            raise SystemExit(f"Virtuoso exited with {process.returncode}: see {folder / 'virtuoso.log'}")
        try:
            with urllib.request.urlopen(endpoint + "?query=ASK%7B%7D", timeout=5):
                return process, sql, endpoint
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    process.kill()
    raise SystemExit("Virtuoso did not answer within 120 s")


def _rows(table) -> list[tuple[str, ...]]:
    return [tuple("" if t is None else str(t) for t in row) for row in table.rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium", help="small, medium, large, or INSTRUMENTSxTOPICS")
    parser.add_argument("--limit", type=int, default=60,
                        help="seconds: Virtuoso's MaxQueryExecutionTime, and the client's deadline plus 30")
    parser.add_argument("--max-rows", type=int, default=1_000_000, help="Virtuoso's ResultSetMaxRows")
    parser.add_argument("--buffers", type=int, default=340_000,
                        help="Virtuoso's NumberOfBuffers (8 KB each; its advice for 4 GB given to it)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "aigovkg-bench")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "virtuoso.json")
    args = parser.parse_args(argv)
    dimensions = _size(args.size)
    if dimensions is None:
        parser.error(f"unknown size {args.size!r}")
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        parser.error("Virtuoso is not installed (apt-get install virtuoso-opensource-7-bin)")

    from aigovkg import export
    from aigovkg import queries as registry
    from aigovkg._io import write_atomic
    from aigovkg.api import KnowledgeGraph
    from aigovkg.errors import QueryError
    from aigovkg.loader import load_graph
    from aigovkg.remote import RemoteEngine
    from aigovkg.store import EmbeddedEngine
    from aigovkg.synth import synthesize

    instruments, topics = dimensions
    data = args.workdir / (f"{args.size}-{instruments}x{topics}" if args.size in SIZES else args.size)
    if not (data / "dataset.ttl").exists():
        synthesize(data, instruments=instruments, topics=topics, seed=42, overwrite=True)
    loaded = load_graph(data)
    kg = KnowledgeGraph(EmbeddedEngine(loaded.store), loaded)
    selects = {name: q for name, q in sorted(registry.named_queries().items()) if q.form == "SELECT"}
    params = {name: _sample_params(kg, q) for name, q in selects.items()}
    report: dict[str, Any] = {"machine": machine(), "size": args.size, "triples": loaded.triples,
                              "virtuoso": {"limit_seconds": args.limit, "max_rows": args.max_rows,
                                           "buffers": args.buffers}, "queries": {}}
    with tempfile.TemporaryDirectory(prefix="aigovkg-virtuoso-") as tmp:
        folder = Path(tmp)
        with (folder / "graph.nt").open("wb") as out:
            export.dump_to(loaded, "ntriples", out)
        process, sql, endpoint = _start(folder, limit=args.limit, max_rows=args.max_rows, buffers=args.buffers)
        try:
            start = time.perf_counter()
            _isql(sql, f"ld_dir('{folder}', 'graph.nt', '{GRAPH}')", 60)
            _isql(sql, "rdf_loader_run()", 3600)
            _isql(sql, "checkpoint", 600)
            report["virtuoso"]["load_seconds"] = round(time.perf_counter() - start, 2)
            remote = KnowledgeGraph(RemoteEngine(endpoint, default_graph=GRAPH, timeout=args.limit + 30, retries=0,
                                                  max_bytes=2_000_000_000), None)
            count = remote.sparql_results("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").records()[0]["n"]
            report["virtuoso"]["triples"] = int(count)
            print(f"{args.size}: {loaded.triples:,} triples; Virtuoso loaded {int(count):,} in "
                  f"{report['virtuoso']['load_seconds']} s", file=sys.stderr, flush=True)
            for name, named in selects.items():
                start = time.perf_counter()
                local = kg.results(name, **params[name])
                embedded = time.perf_counter() - start
                entry: dict[str, Any] = {"params": params[name], "rows": len(local.rows),
                                         "embedded_seconds": round(embedded, 3)}
                start = time.perf_counter()
                try:
                    far = remote.results(name, **params[name])
                except QueryError as error:
                    entry["virtuoso_seconds"] = round(time.perf_counter() - start, 3)
                    entry["outcome"] = "error: " + str(error).split(": ", 1)[-1][:200]
                else:
                    entry["virtuoso_seconds"] = round(time.perf_counter() - start, 3)
                    ordered = "ORDER BY" in named.text.upper()
                    a, b = _rows(local), _rows(far)
                    same = far.columns == local.columns and (a if ordered else sorted(a)) == (b if ordered else sorted(b))
                    entry["outcome"] = "same rows" if same else f"different rows ({len(b)} on Virtuoso)"
                report["queries"][name] = entry
                print(f"{name}: {entry['rows']} rows, embedded {entry['embedded_seconds']:.2f} s, Virtuoso "
                      f"{entry['virtuoso_seconds']:.2f} s, {entry['outcome']}", file=sys.stderr, flush=True)
        finally:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
    write_atomic(args.out, json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"\nresults: {args.out}")
    return 0


def table(report: dict[str, Any]) -> str:
    lines = ["| query | rows | embedded (s) | Virtuoso (s) | Virtuoso / embedded | outcome on Virtuoso |",
             "|---|---|---|---|---|---|"]
    for name, q in report["queries"].items():
        ratio = f"{q['virtuoso_seconds'] / q['embedded_seconds']:.1f}×" if q["embedded_seconds"] else "—"
        lines.append(f"| `{name}` | {q['rows']:,} | {q['embedded_seconds']:.2f} | {q['virtuoso_seconds']:.2f} | "
                     f"{ratio} | {q['outcome']} |")
    slow = [n for n, q in report["queries"].items() if q["virtuoso_seconds"] >= 10]
    lines.append(f"\n{len(report['queries'])} queries on {report['triples']:,} triples; "
                 f"{len(slow)} took 10 s or more on Virtuoso" + (f": {', '.join(slow)}" if slow else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

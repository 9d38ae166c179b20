"""Work done beside the caller in a forked child (the build's dumps): its
value, its errors, its death, and its end when the caller fails; and the
build's files, the same whether the dumps are written beside or after."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

import aigovkg
from aigovkg._beside import Beside, Later, WorkerDied
from aigovkg.build import build
from aigovkg.errors import AigovkgError, InputError


class _Unpicklable(AigovkgError):
    """An error whose class cannot be rebuilt from its pickle (a required argument)."""

    exit_code = 1

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"{what} at {where}")


@pytest.mark.parametrize("parallel", [True, False])
def test_the_value_comes_back_from_the_child_or_the_caller(parallel: bool):
    with Beside(lambda: (os.getpid(), {"files": ["a", "b"]}), parallel=parallel) as job:
        pid, value = job.result()
    assert value == {"files": ["a", "b"]}
    assert (pid != os.getpid()) is parallel


@pytest.mark.parametrize("parallel", [True, False])
def test_a_value_given_later_is_worked_on_in_the_child_or_the_caller(parallel: bool):
    """The child is forked on entering the block and waits for the value the
    caller gives it later (pickled); without a child, the caller does the work."""
    with Later(lambda value: (os.getpid(), sorted(value)), parallel=parallel) as job:
        job.give({"b", "a"})
        with pytest.raises(RuntimeError, match="already given"):
            job.give({"c"})
        pid, value = job.result()
    assert value == ["a", "b"]
    assert (pid != os.getpid()) is parallel


def test_a_child_never_given_its_value_is_stopped_with_the_block():
    """The caller fails before it gives the value: asking for the result says
    so, and leaving the block stops the child, which was waiting."""
    with Later(lambda value: value, parallel=True) as job:
        with pytest.raises(RuntimeError, match="never given"):
            job.result()
        process = job._process
        assert process is not None and process.is_alive()
    assert not process.is_alive()


def test_a_users_error_in_the_child_is_raised_again_as_it_was():
    def fail() -> None:
        raise InputError("data/x.ttl: RDF/XML cannot carry U+0000")

    with Beside(fail, parallel=True) as job, pytest.raises(InputError, match=r"cannot carry U\+0000"):
        job.result()
    with pytest.raises(TypeError):  # what the next check stands for: this class does not rebuild
        pickle.loads(pickle.dumps(_Unpicklable("a", "b")))

    def odd() -> None:
        raise _Unpicklable("a NUL", "data/x.ttl")

    with Beside(odd, parallel=True) as job, pytest.raises(AigovkgError) as raised:
        job.result()
    assert str(raised.value) == "a NUL at data/x.ttl" and raised.value.exit_code == 1


def test_a_bug_in_the_child_comes_back_with_its_traceback():
    def bug() -> None:
        {}["missing"]

    with Beside(bug, parallel=True) as job, pytest.raises(RuntimeError) as raised:
        job.result()
    assert "KeyError: 'missing'" in str(raised.value) and "in bug" in str(raised.value)


def test_a_child_that_dies_is_reported_not_waited_for():
    with Beside(lambda: os.kill(os.getpid(), signal.SIGKILL), parallel=True) as job, \
            pytest.raises(WorkerDied, match=r"exit -9"):
        job.result()


def test_a_failing_caller_stops_the_child_before_its_clean_up(tmp_path: Path):
    late = tmp_path / "late"

    def slow() -> None:
        (tmp_path / "started").write_text("")
        time.sleep(30)
        late.write_text("written after the caller had failed")

    with pytest.raises(ZeroDivisionError), Beside(slow, parallel=True) as job:
        for _ in range(500):  # bounded: the child must have started
            if (tmp_path / "started").exists():
                break
            time.sleep(0.01)
        process = job._process
        assert process is not None and process.is_alive()
        1 / 0  # noqa: B018
    assert not process.is_alive() and process.exitcode == -signal.SIGKILL
    assert not late.exists()


def test_a_child_queries_the_store_though_it_was_forked_through_the_gate():
    # The gate is shut while the child is forked; the child's copy must start
    # open, or its first query waits forever (a build hung this way once).
    kg = aigovkg.load()
    gate = kg.engine.gate
    def hung(_signum: int, _frame: object) -> None:
        raise TimeoutError("the child's query never answered")

    previous = signal.signal(signal.SIGALRM, hung)  # a hang fails the test instead of stalling the suite
    signal.alarm(120)
    try:
        with Beside(lambda: len(kg.results("topics")), parallel=True, hold=gate.fork) as job:
            assert job.result() == 23
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert len(kg.results("topics")) == 23  # and the caller's gate is open again


def test_dumps_written_beside_the_pages_or_after_them_are_the_same_files(tmp_path: Path, monkeypatch):
    """The same files either way; and the build takes every answer it asks for ahead."""
    from aigovkg import store

    given_up: list[list[str]] = []
    close = store._Ahead.close
    monkeypatch.setattr(store._Ahead, "close", lambda self: (given_up.append(list(self._answers)), close(self))[1])
    beside = build(tmp_path / "beside", parallel=True)
    assert given_up == [[]]  # one thread ran ahead, and every answer was taken
    after = build(tmp_path / "after", parallel=False)
    assert beside.files == after.files and "dumps/aigovkg.trig" in beside.files
    assert beside.dumps_seconds > 0 and after.dumps_seconds > 0
    assert beside.dumps_beside and not after.dumps_beside
    for rel in beside.files:
        assert (tmp_path / "beside" / rel).read_bytes() == (tmp_path / "after" / rel).read_bytes(), rel


def _same_files(files: tuple[str, ...], out: Path, other: Path) -> None:
    """``out`` holds exactly ``files`` (what its build says it wrote), each as ``other`` holds it."""
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == sorted(files)
    for rel in files:
        assert (out / rel).read_bytes() == (other / rel).read_bytes(), rel


@pytest.mark.reliability("The build's dumps worker killed with SIGKILL part way through the dumps (as the "
                         "out-of-memory killer would)",
                         "the build removes what the worker wrote, says so and writes the dumps itself: the same "
                         "files as a build without a worker, and no scratch files")
def test_a_dumps_worker_killed_part_way_leaves_the_dumps_to_the_build(tmp_path: Path, monkeypatch):
    """The dumps worker is killed with SIGKILL (as the kernel's out-of-memory
    killer would) after its first dump: the build removes what the worker
    wrote, says so, and writes the dumps itself. Its output is the files of a
    build without a worker, and nothing of the worker's scratch is left."""
    from aigovkg import export

    real = export.write
    parent = os.getpid()

    def write(canonical, fmt, output, **kwargs):
        if os.getpid() != parent and fmt is export.ExportFormat.NTRIPLES:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(canonical, fmt, output, **kwargs)

    monkeypatch.setattr(export, "write", write)
    said: list[str] = []
    killed = build(tmp_path / "killed", parallel=True, progress=said.append)
    assert [m for m in said if "without an answer (exit -9)" in m and "writing the dumps in this process" in m]
    after = build(tmp_path / "after", parallel=False)
    assert not killed.dumps_beside
    assert killed.files == after.files and "dumps/aigovkg.nt" in killed.files
    _same_files(killed.files, tmp_path / "killed", tmp_path / "after")


_KILLED_PARENT = """
import sys, time
from pathlib import Path
from aigovkg._beside import Beside

late = Path(sys.argv[1])
def slow():
    time.sleep(1)
    late.write_text("the child outlived its parent")
with Beside(slow, parallel=True) as job:
    print("started", flush=True)
    job.result()
"""


@pytest.mark.reliability("A build killed with SIGKILL while its worker writes the dumps beside the pages",
                         "the worker ends with it (Linux's parent-death signal) and writes nothing after; the "
                         "build's own kill test checks the output folder")
def test_a_child_dies_with_its_killed_parent(tmp_path: Path):
    late = tmp_path / "late"
    parent = subprocess.Popen([sys.executable, "-c", _KILLED_PARENT, str(late)], stdout=subprocess.PIPE)
    assert parent.stdout is not None and parent.stdout.readline() == b"started\n"
    children = [int(pid) for pid in Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()]
    assert len(children) == 1
    parent.kill()
    parent.wait()
    for _ in range(500):  # bounded: the child must be gone, well before it would write
        if not Path(f"/proc/{children[0]}").exists():
            break
        time.sleep(0.01)
    assert not Path(f"/proc/{children[0]}").exists()
    time.sleep(1.5)
    assert not late.exists()


def test_without_the_memory_it_needs_the_work_runs_in_the_caller():
    from aigovkg._beside import available_memory, cores

    spare = available_memory()
    assert spare is not None and spare > 0 and cores() == len(os.sched_getaffinity(0))
    with Beside(os.getpid, needs=spare * 1000) as job:  # more than the machine has
        assert job.result() == os.getpid()
    if cores() > 1:
        with Beside(os.getpid, needs=0) as job:
            assert job.result() != os.getpid()


def test_queries_run_ahead_give_the_answers_the_caller_gets():
    """The build's slowest page queries run ahead, one after another in a
    thread (EmbeddedEngine.ahead): the rows taken from it are the rows the
    query gives here, in any order they are asked; a second call runs the
    query here; the answers not taken are given up when the block ends."""
    kg = aigovkg.load()
    engine = kg.engine
    names = ("claim-evidence", "disagreements", "jurisdiction-gaps")
    here = {name: kg.rows(name) for name in names}
    unused = kg.select_text("topics")
    with engine.ahead([kg.select_text(name) for name in names] + [unused], parallel=True):
        workers = set(engine._ahead.values())
        assert len(engine._ahead) == 4 and len(workers) == 1
        worker = workers.pop()
        assert worker._thread.name == "aigovkg-queries-ahead" and worker._thread.ident != threading.get_ident()
        for name in reversed(names):  # the last first: the answers before it are kept until asked
            assert kg.rows(name) == here[name], name
            assert kg.select_text(name) not in engine._ahead  # taken once
        assert kg.rows("claim-evidence") == here["claim-evidence"]  # asked again: run here
    assert not engine._ahead and not worker._answers
    worker._thread.join(60)
    assert not worker._thread.is_alive()
    with engine.ahead([kg.select_text("topics")], parallel=False):  # nothing runs ahead
        assert not engine._ahead
        assert kg.rows("topics") == kg.rows("topics")


def test_a_query_run_ahead_fails_as_it_would_here():
    """A query that fails in the thread raises the error it raises here, and
    the queries after it are still answered."""
    from aigovkg.errors import QueryError

    kg = aigovkg.load()
    engine = kg.engine
    bad = "SELECT ?x WHERE { ?x ?y }"
    with pytest.raises(QueryError) as here:
        engine.select_records(bad)
    texts = [kg.select_text(name) for name in ("claim-evidence", "disagreements")]
    rows = [kg.rows("claim-evidence"), kg.rows("disagreements")]
    with engine.ahead([bad, *texts], parallel=True):
        with pytest.raises(QueryError) as ahead:
            engine.select_records(bad)
        assert str(ahead.value) == str(here.value)
        assert kg.rows("claim-evidence") == rows[0] and kg.rows("disagreements") == rows[1]


def test_a_bug_in_the_thread_answering_ahead_comes_back_with_its_traceback(monkeypatch):
    kg = aigovkg.load()
    engine = kg.engine
    text = kg.select_text("topics")
    started = threading.Event()

    def broken(_text: str) -> bytes:
        started.wait(10)
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(engine, "select_tsv", broken)
    with engine.ahead([text], parallel=True):
        monkeypatch.undo()  # here the query works; the thread already holds the broken one
        started.set()
        with pytest.raises(ZeroDivisionError, match="a bug") as raised:
            kg.rows("topics")
        assert any(frame.name == "broken" for frame in traceback.extract_tb(raised.value.__traceback__))
    assert kg.rows("topics")


def test_a_process_forked_beside_queries_run_ahead_waits_for_them(monkeypatch):
    """A fork inside the block waits until the thread's query is done (the
    gate): a child forked while Oxigraph held its locks for a query would
    wait for them forever."""
    kg = aigovkg.load()
    engine = kg.engine
    text = kg.select_text("topics")
    inside, done = threading.Event(), threading.Event()
    real = engine.select_tsv

    def slow(query: str) -> bytes:
        with engine.gate.query():  # the query's hold on the gate, held a while
            inside.set()
            time.sleep(0.5)
            done.set()
        return real(query)

    monkeypatch.setattr(engine, "select_tsv", slow)
    with engine.ahead([text], parallel=True):
        assert inside.wait(10)
        with Beside(lambda: 6 * 7, parallel=True, hold=engine.gate.fork) as job:
            assert done.is_set()  # the fork waited for the query
            assert job.result() == 42
        assert kg.rows("topics")


def test_answers_given_up_before_they_started_are_never_asked(monkeypatch):
    """Leaving the block gives up the answers not taken: one not started yet
    is never asked (the build leaves the block early when it fails). The
    gate, held shut, keeps the thread waiting in its first query meanwhile,
    so the second has not started when the block ends, whatever the timing."""
    kg = aigovkg.load()
    engine = kg.engine
    first, second = kg.select_text("topics"), kg.select_text("jurisdictions")
    asked: list[str] = []
    real = engine.select_tsv

    def recording(text: str) -> bytes:
        asked.append(text)
        return real(text)  # waits at the gate while it is held shut

    monkeypatch.setattr(engine, "select_tsv", recording)
    with engine.gate.fork(), engine.ahead([first, second], parallel=True):
        worker = engine._ahead[first]
        for _ in range(1000):
            if asked:
                break
            time.sleep(0.01)
        assert asked == [first]  # the thread waits inside its first query
    worker._thread.join(60)  # the first is answered once the gate opens; the second was given up
    assert not worker._thread.is_alive()
    assert asked == [first]


def test_queries_kept_run_once_and_give_fresh_rows_each_time():
    """Inside EmbeddedEngine.kept, a query runs once and its answer is given
    again (the store must not change meanwhile: a triple added inside the
    block is not seen, which shows the answer is the one kept); each call to
    rows gets rows of its own; after the block the query runs again."""
    import pyoxigraph as ox

    kg = aigovkg.load()
    engine = kg.engine
    before = kg.rows("topics")
    label = ox.Quad(ox.NamedNode("https://w3id.org/aigovkg/id/topic/zz-kept"),
                    ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), ox.Literal("Kept"))
    with engine.kept([kg.select_text("topics"), kg.select_text("topics")]):
        table = kg.results("topics")
        assert kg.rows("topics") == before == table.records()
        engine.store.extend([label, ox.Quad(label.subject, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                            ox.NamedNode("https://w3id.org/aigovkg/ontology#Topic")),
                             ox.Quad(label.subject, ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"),
                                     ox.Literal("zz-kept"))])
        assert kg.results("topics") is table
        rows = kg.rows("topics")
        assert rows == before
        rows[0]["label"] = "changed"
        assert kg.rows("topics") == before  # the kept answer is not the caller's to change
        assert len(kg.rows("topics", curies=True)) == len(before)
    assert engine._kept == {}
    after = kg.rows("topics")
    assert len(after) == len(before) + 1 and "Kept" in {r["label"] for r in after}


_BLANK_NODE = ("@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
               '<https://w3id.org/aigovkg/id/instrument/anthropic-rsp> rdfs:seeAlso [ rdfs:label "a note" ] .\n')


def test_a_graph_with_blank_nodes_has_its_dumps_made_from_the_store_after_the_pages(data_copy: Path, tmp_path: Path):
    """The dumps worker reads the files, but a blank node's canonical label
    depends on the whole graph: it writes nothing, and the build writes the
    dumps from the store it loaded, after the pages, saying so. They are what
    `aigovkg export` writes of the same graph."""
    from aigovkg.api import load
    from aigovkg.export import SUFFIX, ExportFormat, dump

    (data_copy / "notes.ttl").write_text(_BLANK_NODE, encoding="utf-8")
    said: list[str] = []
    summary = build(tmp_path / "out", data=data_copy, parallel=True, progress=said.append)
    assert not summary.dumps_beside
    assert "the files have blank nodes: writing the dumps from the graph loaded" in said
    loaded = load(data_copy).loaded
    assert loaded is not None
    for fmt in ExportFormat:
        assert (tmp_path / "out" / "dumps" / f"aigovkg.{SUFFIX[fmt]}").read_bytes() == dump(loaded, fmt), fmt
    assert b"_:c14n" in (tmp_path / "out" / "dumps" / "aigovkg.nt").read_bytes()
    on_disk = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert on_disk == sorted(summary.files)


def test_dumps_of_other_files_than_those_loaded_are_made_again_from_the_graph_loaded(data_copy: Path, tmp_path: Path,
                                                                                      monkeypatch):
    """The worker lists the data folder's files before the build loads them:
    a file added in between (here: one the worker's list leaves out) would
    make dumps of another graph than the pages'. The build sees the lists
    differ, removes what the worker wrote and writes the dumps from the graph
    it loaded: the files of a build without a worker."""
    from aigovkg import build as building

    real = building.graph_paths
    monkeypatch.setattr(building, "graph_paths", lambda data: [p for p in real(data) if p.name != "memberships.ttl"])
    said: list[str] = []
    changed = build(tmp_path / "changed", data=data_copy, parallel=True, progress=said.append)
    assert "the data folder changed while the build read it; writing the dumps from the graph loaded" in said
    assert not changed.dumps_beside
    monkeypatch.setattr(building, "graph_paths", real)
    after = build(tmp_path / "after", data=data_copy, parallel=False)
    assert changed.files == after.files
    _same_files(changed.files, tmp_path / "changed", tmp_path / "after")


def test_a_pictures_worker_killed_part_way_leaves_the_pictures_to_the_build(tmp_path: Path, monkeypatch):
    """The pictures are drawn by a worker forked before the loading, which is
    given their data once the pages' rows are gathered. Killed with SIGKILL
    once it drew the first (as the out-of-memory killer would), it leaves the
    pictures to the build, which removes what it wrote, says so and draws them:
    the files of a build without workers."""
    from aigovkg.render import site

    real = site.draw_pictures
    parent = os.getpid()

    def draw_pictures(pictures, put):
        if os.getpid() != parent:
            put("pictures/coverage-heatmap.svg", b"part of a picture")
            os.kill(os.getpid(), signal.SIGKILL)
        return real(pictures, put)

    monkeypatch.setattr(site, "draw_pictures", draw_pictures)
    said: list[str] = []
    killed = build(tmp_path / "killed", parallel=True, progress=said.append)
    assert [m for m in said if "without an answer (exit -9)" in m and "drawing the pictures in this process" in m]
    monkeypatch.setattr(site, "draw_pictures", real)
    after = build(tmp_path / "after", parallel=False)
    assert killed.files == after.files and "pictures/coverage-heatmap.svg" in killed.files
    _same_files(killed.files, tmp_path / "killed", tmp_path / "after")

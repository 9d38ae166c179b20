"""Files: every output goes to a temporary file or folder and is renamed into
place, with normal permissions; two builds into the same folder at once leave
one complete build; a build killed with SIGKILL at any point leaves the
previous output byte-identical."""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigovkg import resources
from aigovkg._io import write_atomic
from aigovkg.build import staged
from aigovkg.errors import InputError

from .conftest import run_cli

SRC = Path(__file__).resolve().parent.parent / "src" / "aigovkg"
# Each direct write in the library, and why it is safe: it goes into a temporary place.
ALLOWED = {
    ("_io.py", "fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, \"O_CLOEXEC\", 0), 0o666)"),
    ("build.py", "self._path(rel).write_bytes(data.encode(\"utf-8\") if isinstance(data, str) else data)"),
    ("build.py", "with self._path(rel).open(\"wb\") as handle:"),
    ("server.py", "data.write_bytes(dump(loaded.store, \"ntriples\"))"),
    ("store.py", "devnull = os.open(os.devnull, os.O_WRONLY)"),
    # Scratch files of the sorting in bounded memory: new names ("x": never an existing file) in a
    # scratch folder, which is a temporary folder inside the staging folder or under TMPDIR.
    ("_sorted_lines.py", "with run.open(\"xb\") as handle:"),
    ("export.py", "return stack.enter_context(path.open(\"xb\")), lambda: Text(path)"),
    ("export.py", "with path.open(\"xb\") as handle:"),
}


def _writes(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in ("write_text", "write_bytes", "to_csv", "copy", "copyfile", "copy2", "copytree"):
        return True
    if name == "savefig":  # to a path; figures saved into a buffer are fine
        return not (call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == "buffer")
    if name == "open" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "os":
        return True
    if name == "open":
        # open(path, mode) or path.open(mode)
        position = slice(0, 1) if isinstance(func, ast.Attribute) else slice(1, 2)
        modes = [a for a in call.args[position] if isinstance(a, ast.Constant)]
        modes += [k.value for k in call.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
        return any(set(str(m.value)) & set("wax+") for m in modes)
    return False


def _direct_writes() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(SRC.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and _writes(node):
                found.add((str(path.relative_to(SRC)), lines[node.lineno - 1].strip()))
    return found


@pytest.mark.reliability("Audit of the library for writes into a final path (`write_text`, `write_bytes`, "
                         "`open(..., 'w')`, `savefig(path)`, `shutil.copy`)",
                         "eight, each into a temporary file or staging folder that is renamed into place, a new "
                         "file in a temporary scratch folder, or /dev/null")
def test_every_output_is_written_to_a_temporary_file_then_renamed():
    assert _direct_writes() == ALLOWED
    assert len(ALLOWED) == 8


@pytest.mark.reliability("Outputs written through a temporary file or staging folder",
                         "files get 0666 and folders 0777 less the umask, like a plain write (not tempfile's "
                         "owner-only 0600/0700, which a web server could not read)")
def test_outputs_keep_normal_permissions(tmp_path: Path):
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.txt", "x")
        staged(tmp_path / "site", lambda put: put("index.html", "<p>x</p>"))
        exported = run_cli("export", "--format", "ntriples", "--out", str(tmp_path / "graph.nt"))
    finally:
        os.umask(umask)
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "graph.nt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "site").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "site" / "index.html").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "graph.nt", "site"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(out: Path, data: Path | None = None) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "aigovkg", "build", "--progress", "--out", str(out)]
    if data is not None:
        args += ["--data", str(data)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """One build on its own: the files and bytes every build must produce."""
    out = tmp_path_factory.mktemp("reference") / "site"
    process = _build(out)
    _out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return _snapshot(out)


@pytest.mark.reliability("Two `aigovkg build --out SAME` at once (two processes)",
                         "both succeed; the folder holds one complete build, byte-identical to a single build; "
                         "no staging folder is left")
def test_two_builds_into_the_same_folder_leave_one_complete_build(tmp_path: Path, reference):
    out = tmp_path / "site"
    first, second = _build(out), _build(out)
    results = [p.communicate(timeout=600) for p in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), [err for _o, err in results]
    assert _snapshot(out) == reference
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


STAGES = ["loading", "validating", "topic pages", "site", "wiki", "dumps"]
DELAYS = [0.5, 1.0, 2.0, 3.0, 5.0, 8.0]
NEW = b"(international coordination is the operative ask, new)"


def _kill_and_check(out: Path, process: subprocess.Popen[bytes], before: dict[str, bytes],
                    new: dict[str, bytes]) -> bool:
    """SIGKILL the build if it still runs; the output must be the previous one
    or, if the build had already swapped its output in, the complete new one."""
    running = process.poll() is None
    if running:
        process.send_signal(signal.SIGKILL)
    process.wait(600)
    after = _snapshot(out)
    assert after in (before, new), "a killed build left a partial output"
    return running


@pytest.mark.reliability("`aigovkg build` killed with SIGKILL at each stage it reports (loading, validating, topic "
                         "pages, site, wiki, dumps) and after 0.5, 1, 2, 3, 5 and 8 s",
                         "the previous output is byte-identical after every kill that lands before the swap, "
                         "and the complete new build after one that lands later; never a mix")
def test_a_killed_build_leaves_the_previous_output_intact(tmp_path: Path, data_copy: Path, reference):
    out = tmp_path / "site"
    setup = _build(out)
    assert setup.wait(600) == 0
    assert _snapshot(out) == reference
    path = data_copy / "claims" / "policy-window" / "international-coordination.ttl"
    text = path.read_text(encoding="utf-8")
    assert text.count("(international coordination is the operative ask)") == 1
    path.write_text(text.replace("(international coordination is the operative ask)", NEW.decode()),
                    encoding="utf-8")
    fresh = _build(tmp_path / "new", data_copy)
    assert fresh.wait(600) == 0
    new = _snapshot(tmp_path / "new")
    assert new != reference and any(NEW in data for data in new.values())
    killed_at_stage = 0
    for stage in STAGES:
        before = _snapshot(out)
        process = _build(out, data_copy)
        assert process.stderr is not None
        for line in process.stderr:  # the build reports each stage on stderr as it starts it
            # progress lines read "  [  1.2s] stage"
            if line.decode().split("]", 1)[-1].strip() == stage:
                break
        killed_at_stage += _kill_and_check(out, process, before, new)
        assert _snapshot(out) == before
    assert killed_at_stage == len(STAGES) == 6
    for delay in DELAYS:  # whatever point these land on, the output is whole
        before = _snapshot(out)
        process = _build(out, data_copy)
        time.sleep(delay)
        _kill_and_check(out, process, before, new)
    assert len(DELAYS) == 6


# ------------------------------------------------------------ output folders

ESCAPES = {
    "instrument": ("instruments/eu-ai-act.ttl", 'skos:notation "eu-ai-act"', 'skos:notation "../../escaped"'),
    "jurisdiction": ("jurisdictions.ttl", "", "\n<https://w3id.org/aigovkg/id/jurisdiction/../../escaped> "
                     'a aigov:Jurisdiction ; rdfs:label "Escaped"@en ; skos:notation "ESC" ; '
                     "aigov:jurisdictionKind aigov:Country .\n"),
}


def _files_beside(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if "escaped" in p.name)


@pytest.mark.reliability("A slug with `../` (an instrument's skos:notation, a jurisdiction's IRI) through "
                         "`aigovkg site`, `wiki` and `build`",
                         "site and wiki refuse it naming the slug, node and file (exit 2), build fails "
                         "validation (exit 1); nothing is written outside --out, or at all")
def test_a_slug_cannot_write_outside_the_output_folder(tmp_path: Path, data_copy: Path):
    runs = 0
    for kind, (name, old, new) in ESCAPES.items():
        data = tmp_path / kind
        shutil.copytree(data_copy, data)
        path = data / name
        text = path.read_text(encoding="utf-8")
        assert not old or text.count(old) == 1
        path.write_text(text.replace(old, new) if old else text + new, encoding="utf-8")
        for command, code in (("site", 2), ("wiki", 2), ("build", 1)):
            work = tmp_path / f"{kind}-{command}"
            result = run_cli(command, "--data", str(data), "--out", str(work / "a" / "out"))
            assert result.returncode == code, result.stderr
            assert "Traceback" not in result.stderr
            if code == 2:
                assert "'../../escaped' cannot be a file name" in result.stderr
                assert ("inst:eu-ai-act" in result.stderr and name in result.stderr) if kind == "instrument" \
                    else "jurisdictions.ttl" in result.stderr
            assert _files_beside(tmp_path) == [], (kind, command)
            assert [p.name for p in work.rglob("*")] in ([], ["a"])  # no output, no staging folder
            runs += 1
    assert runs == 6


@pytest.mark.reliability("A writer asked to put `../x`, `a/../../x`, an absolute path or `.` into a staging folder",
                         "refused (exit 2 from the CLI); nothing is written, no output or staging folder is left")
def test_the_stage_refuses_a_path_outside_it(tmp_path: Path):
    bad = ["../x", "a/../../x", str(tmp_path / "abs"), ".", ""]
    for rel in bad:
        with pytest.raises(InputError, match="not a path inside the output folder"):
            staged(tmp_path / "site", lambda put, rel=rel: put(rel, "x"))
        assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert len(bad) == 5
    staged(tmp_path / "site", lambda put: put("a/../b.txt", "inside"))
    assert (tmp_path / "site" / "b.txt").read_text() == "inside"


@pytest.mark.reliability("`--out` at a folder aigovkg did not make: a Docusaurus `docs/` with its pages "
                         "(`wiki`, `site`), a folder of files (`synth --overwrite`, `diff --atom-dir`)",
                         "refused in one line (exit 2), nothing deleted; `wiki --out docs/aigovkg` writes a "
                         "folder of its own, with the marker, and replaces it on the next run")
def test_out_at_a_folder_aigovkg_did_not_make_is_refused(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "intro.md").write_text("# Mine\n", encoding="utf-8")
    refused = [
        run_cli("wiki", "--out", str(docs)),
        run_cli("site", "--out", str(docs)),
        run_cli("synth", "--instruments", "2", "--topics", "1", "--overwrite", "--out", str(docs)),
        run_cli("diff", str(resources.graph_dir()), str(resources.graph_dir()), "--atom-dir", str(docs)),
    ]
    for result in refused:
        assert result.returncode == 2, result.stderr
        assert result.stderr == (f"aigovkg: error: {docs}: not empty and not made by aigovkg "
                                 "(no .aigovkg-output in it); nothing was written: name a new or empty folder\n")
        assert sorted(p.name for p in docs.iterdir()) == ["intro.md"]
    assert len(refused) == 4
    for _ in range(2):  # the documented way, run twice: a folder of its own, replaced whole
        wrote = run_cli("wiki", "--out", str(docs / "aigovkg"))
        assert wrote.returncode == 0, wrote.stderr
        assert (docs / "intro.md").read_text(encoding="utf-8") == "# Mine\n"
        assert (docs / "aigovkg" / ".aigovkg-output").read_text(encoding="utf-8").startswith("aigovkg ")
        assert sorted(p.name for p in docs.iterdir()) == ["aigovkg", "intro.md"]


@pytest.mark.reliability("`--out` equal to the data folder, holding it or inside it (`build`, `site`, `wiki`, "
                         "`synth`)",
                         "refused before loading (exit 2), the data byte-identical")
def test_out_at_or_around_the_data_folder_is_refused(tmp_path: Path, data_copy: Path):
    before = _snapshot(data_copy)
    outs = [data_copy, data_copy / "site", tmp_path]
    for out in outs:
        for args in (["build"], ["site"], ["wiki"]):
            result = run_cli(*args, "--data", str(data_copy), "--out", str(out))
            assert result.returncode == 2, result.stderr
            assert "which aigovkg reads" in result.stderr and "Traceback" not in result.stderr
    shipped = run_cli("synth", "--instruments", "2", "--topics", "1", "--overwrite",
                      "--out", str(resources.graph_dir()))
    assert shipped.returncode == 2 and "which aigovkg reads" in shipped.stderr
    assert len(outs) == 3
    assert _snapshot(data_copy) == before
    assert not (data_copy / "site").exists()


@pytest.mark.reliability("`--out .` and `--out ..` (`build`, `site`, `wiki`, `synth`, `diff --atom-dir`)",
                         "a one-line error (exit 2), no traceback; nothing written")
def test_out_at_the_current_folder_is_a_clear_error(tmp_path: Path):
    here = tmp_path / "here"
    here.mkdir()
    commands = [["build"], ["site"], ["wiki"], ["synth", "--instruments", "2", "--topics", "1"]]
    for out in (".", ".."):
        for command in commands:
            result = run_cli(*command, "--out", out, cwd=here)
            assert result.returncode == 2, result.stderr
            assert result.stderr == (f"aigovkg: error: {out}: the output folder cannot be the current folder or "
                                     "one that holds it; name a folder of its own, e.g. site\n")
        feeds = run_cli("diff", str(resources.graph_dir()), str(resources.graph_dir()), "--atom-dir", out, cwd=here)
        assert feeds.returncode == 2 and "Traceback" not in feeds.stderr
    assert len(commands) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"] and not any(here.iterdir())


def _staging(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".site."))


@pytest.mark.reliability("`aigovkg site` killed with SIGKILL while it writes, then run again",
                         "the next run removes the killed run's staging folder; a staging folder of a live "
                         "process, or one without aigovkg's marker, is left alone")
def test_a_killed_run_s_staging_folder_is_removed_by_the_next(tmp_path: Path):
    out = tmp_path / "site"
    process = subprocess.Popen([sys.executable, "-m", "aigovkg", "site", "--progress", "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    for line in process.stderr:  # kill it while it writes the pages
        if line.decode().split("]", 1)[-1].strip() == "site":
            break
    process.send_signal(signal.SIGKILL)
    assert process.wait(600) == -signal.SIGKILL
    left = _staging(tmp_path)
    assert len(left) == 1 and not out.exists()
    live = tmp_path / f".site.aigovkg-{os.getpid()}-{'a' * 12}"  # this test's process: running
    live.mkdir()
    (live / ".aigovkg-output").write_text("aigovkg\n", encoding="utf-8")
    unmarked = tmp_path / f".site.aigovkg-{process.pid}-{'b' * 12}"  # a dead pid, but not aigovkg's marker
    unmarked.mkdir()
    (unmarked / "notes.txt").write_text("mine\n", encoding="utf-8")
    again = run_cli("site", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert _staging(tmp_path) == sorted([live.name, unmarked.name])
    assert (unmarked / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (out / "index.html").is_file()


@pytest.mark.reliability("An output path under a plain file (`export --out FILE/x.ttl`, `site --out FILE/site`)",
                         "exit 2 with one line naming the path; no traceback")
def test_an_output_path_under_a_file_is_one_line_not_a_traceback(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("mine\n", encoding="utf-8")
    for args in (("export", "--out", str(blocker / "x.ttl")), ("site", "--out", str(blocker / "site"))):
        result = run_cli(*args)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert str(blocker) in result.stderr
    assert blocker.read_text(encoding="utf-8") == "mine\n"

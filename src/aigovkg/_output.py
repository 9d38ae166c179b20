"""Output folders: which folder a command may replace, what it may name in
it, and the staging folders it leaves when killed.

A command that writes a folder (``build``, ``site``, ``wiki``, ``synth``,
``diff --atom-dir``) writes only into one that is absent, empty or made by
aigovkg (it holds :data:`MARKER`), and never into a folder it reads, around
one or inside one. A name taken from the data goes through :func:`file_name`,
which refuses any that would leave the folder. Staging folders are named
``.{name}.aigovkg-{pid}-{hex}`` and hold the marker from the start, so that a
later run can remove those of a process that no longer runs, and only those.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from aigovkg import __version__
from aigovkg.errors import InputError, UsageError

MARKER = ".aigovkg-output"
MAX_NAME_BYTES = 200  # a file name with its suffix stays under the usual 255-byte limit
_STAGING = re.compile(r"\.(?P<name>.+)\.aigovkg-(?P<pid>[0-9]{1,10})-[0-9a-f]{12}")
_IN_USE: set[Path] = set()  # this process's staging folders (a pid of a dead process can come back)


def file_name(value: str, *, what: str = "name") -> str:
    """``value`` (a slug from the data) as one file name inside an output folder.

    >>> file_name("eu-ai-act")
    'eu-ai-act'
    >>> file_name("../x", what="slug")
    Traceback (most recent call last):
    ...
    aigovkg.errors.InputError: slug '../x' cannot be a file name: it holds a path separator
    """
    if value in ("", ".", ".."):
        reason = "it names no file"
    elif "/" in value or "\\" in value:
        reason = "it holds a path separator"
    elif "\x00" in value:
        reason = "it holds a NUL character"
    elif len(os.fsencode(value)) > MAX_NAME_BYTES:
        reason = f"it is longer than {MAX_NAME_BYTES} bytes"
    else:
        return value
    raise InputError(f"{what} {value!r} cannot be a file name: {reason}")


def marker_text(command: str) -> str:
    """What the marker file says: the command and version that wrote the folder."""
    return (f"aigovkg {__version__} {command}\n"
            "This folder is aigovkg's output; aigovkg replaces it whole when it writes here again.\n")


def check_out(out: Path, *, reads: Iterable[Path] = ()) -> Path:
    """``out`` resolved, once it is known to be a folder aigovkg may replace:
    absent, empty or holding the marker; not the current folder or one that
    holds it; not one of ``reads`` (the folders the command reads), one that
    holds one of them, or one inside one."""
    target = Path(out).resolve()
    here = Path.cwd().resolve()
    if target == here or target in here.parents:
        raise UsageError(f"{out}: the output folder cannot be the current folder or one that holds it; "
                         "name a folder of its own, e.g. site")
    for folder in reads:
        data = Path(folder).resolve()
        if target == data or target in data.parents or data in target.parents:
            raise UsageError(f"{out}: the output folder cannot be, hold or sit inside {folder}, "
                             "which aigovkg reads")
    if target.is_symlink() or target.exists():
        if not target.is_dir():
            raise UsageError(f"{out}: exists and is not a folder")
        if not _made_by_aigovkg(target):
            raise UsageError(f"{out}: not empty and not made by aigovkg (no {MARKER} in it); "
                             "nothing was written: name a new or empty folder")
    return target


def _made_by_aigovkg(folder: Path) -> bool:
    """Whether ``folder`` is empty or holds the marker: one aigovkg may replace."""
    try:
        return (folder / MARKER).is_file() or not any(folder.iterdir())
    except OSError as exc:
        raise UsageError(f"{folder}: cannot read the folder: {exc.strerror or exc}") from None


def make_staging(folder: Path, name: str) -> Path:
    """A new, empty staging folder beside ``folder / name`` (0777 less the
    umask), named after this process, and remembered as in use."""
    for _ in range(100):
        path = staging_name(folder, name)
        try:
            os.mkdir(path, 0o777)
        except FileExistsError:
            continue
        _IN_USE.add(path)
        return path
    raise FileExistsError(f"{folder}: cannot create a staging folder")  # pragma: no cover


def staging_name(folder: Path, name: str) -> Path:
    """A fresh name for a staging folder (or an output being removed) beside ``folder / name``."""
    return folder / f".{name}.aigovkg-{os.getpid()}-{secrets.token_hex(6)}"


def remove(folder: Path) -> None:
    """Remove a staging folder or a replaced output, its marker last, so that
    one a killed process left half-removed is still recognised as aigovkg's."""
    _IN_USE.discard(folder)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name == MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.unlink(folder / MARKER)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def remove_stale(folder: Path, name: str) -> list[Path]:
    """Remove the staging folders of ``folder / name`` left by processes that
    no longer run; returns them."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:  # a folder we may write in but not list: nothing to tidy
        return []
    removed = [entry for entry in entries if _stale(entry, name)]
    for entry in removed:
        remove(entry)
    return removed


def _stale(entry: Path, name: str) -> bool:
    """Whether ``entry`` is a staging folder of ``name`` that aigovkg made (by
    its name, and the marker in it or nothing at all) and whose process is gone."""
    match = _STAGING.fullmatch(entry.name)
    if not match or match["name"] != name or entry in _IN_USE or _running(int(match["pid"])):
        return False
    try:
        return not entry.is_symlink() and entry.is_dir() and (
            (entry / MARKER).is_file() or not any(entry.iterdir()))
    except OSError:  # removed meanwhile by another run
        return False


def _running(pid: int) -> bool:
    """Whether a process ``pid`` runs; a staging folder of this very process
    not in use is a previous process's (containers reuse pids)."""
    if not 0 < pid < 2**31:
        return True  # not a pid a process could have: leave its folder alone
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True

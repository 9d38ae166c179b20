"""Output folders: which folder a command may replace, and what it may name in it.

A command that writes a folder (``build``, ``site``, ``wiki``, ``synth``,
``diff --atom-dir``) writes only into one that is absent, empty or made by
aigovkg (it holds :data:`MARKER`), and never into a folder it reads, around
one or inside one. A name taken from the data goes through :func:`file_name`,
which refuses any that would leave the folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from aigovkg import __version__
from aigovkg.errors import InputError, UsageError

MARKER = ".aigovkg-output"
MAX_NAME_BYTES = 200  # a file name with its suffix stays under the usual 255-byte limit


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

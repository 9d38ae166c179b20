"""Output folders: what a command may name in the folder it writes.

A name taken from the data goes through :func:`file_name`, which refuses any
that would leave the folder.
"""

from __future__ import annotations

import os

from aigovkg.errors import InputError

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

"""Indented JSON, written faster than the standard library's indented encoder.

``json.dumps(value, indent=2, ensure_ascii=False)`` takes the pure-Python
encoder whenever ``indent`` is set (CPython 3.11 has no C path for it): a
generator per nesting level and a call per token: 4.1 s for the medium
benchmark graph's 200 topic JSON pages, 2.2–2.7 s this way. :func:`dumps`
gives the same text for the values a page holds (dicts with string keys,
lists, tuples, strings, ints, floats, booleans, None), writing each string
with the standard library's C string encoder; a test checks it against
``json.dumps`` on generated values.

``default`` is ``json.dumps``'s: called with a value of another type, it
returns what to write in its place. A topic page is written from its
dataclasses this way (:func:`aigovkg.render.render_topic`), without first
copying every row into plain dicts and lists (``TopicPage.to_dict``): the
medium benchmark graph's 200 pages in 10.0 s instead of 12.4 s, measured one
after the other. Strings and nulls, most of a page's values, are written by
the loop over their object or list rather than by a call each: those pages
in about 7.2 s instead of 9.2 s (two runs each, alternating, in a process
holding the medium build's pages).

The topic pages are now written by :func:`dumps_floatless`, through orjson,
which gives the same text for a value without a float in about a third of
that time; :func:`dumps` writes what orjson refuses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

# The C string encoder json.dumps(ensure_ascii=False) uses (pure Python when
# the C accelerator is missing: the same text).
_string = json.encoder.encode_basestring
_float = json.encoder.JSONEncoder().iterencode  # the standard text of a float (nan, inf included)


def dumps(value: Any, indent: int = 2, *, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(value, indent=indent, ensure_ascii=False, default=default)``,
    faster; a value of another type than JSON's raises TypeError, as
    ``json.dumps`` does, unless ``default`` gives one in its place."""
    parts: list[str] = []
    _write(value, parts, "\n", " " * indent, default)
    return "".join(parts)


_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATACLASS \
    | orjson.OPT_PASSTHROUGH_DATETIME


def dumps_floatless(value: Any, *, default: Callable[[Any], Any]) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False, default=default) + "\\n"``
    for a value that holds no float (a topic page holds none: a test walks
    its fields' types), written by orjson (in Rust): the medium benchmark
    graph's 200 topic pages in 2.0–2.9 s instead of 7.1–7.9 s with
    :func:`dumps` (in one process, alternating), the same text.

    orjson gives json.dumps's text for every value but a float, which it
    writes its own way (``0.00001`` for ``1e-05``, ``null`` for NaN and the
    infinities); finding one in the text afterwards would cost about as much
    as the writing saves (226 MB of pages). What orjson refuses (a lone
    surrogate, an integer beyond 64 bits, a key that is not a string, a value
    ``default`` refuses) is written by :func:`dumps`: the same text, or the
    same TypeError. Dataclasses and dates go to ``default``, as json.dumps
    sends them (orjson would write them itself); subclasses of str and int
    are written as their values, as json.dumps writes them."""
    try:
        return orjson.dumps(value, default=default, option=_ORJSON).decode("utf-8")
    except orjson.JSONEncodeError:
        return dumps(value, default=default) + "\n"


def _write(value: Any, out: list[str], newline: str, step: str,
           default: Callable[[Any], Any] | None = None) -> None:
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append("".join(_float(value)))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + step
        opening, between = "{" + inner, "," + inner
        for key, item in value.items():
            if type(key) is not str and not isinstance(key, str):
                raise TypeError(f"keys must be str here, not {type(key).__name__}")
            # The commonest values, a string or null, without a call of their own.
            if type(item) is str:
                out.append(opening + _string(key) + ": " + _string(item))
            elif item is None:
                out.append(opening + _string(key) + ": null")
            else:
                out.append(opening + _string(key) + ": ")
                _write(item, out, inner, step, default)
            opening = between
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + step
        opening, between = "[" + inner, "," + inner
        for item in value:
            if type(item) is str:
                out.append(opening + _string(item))
            else:
                out.append(opening)
                _write(item, out, inner, step, default)
            opening = between
        out.append(newline + "]")
    elif default is not None:
        _write(default(value), out, newline, step, default)
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

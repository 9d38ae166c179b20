"""Errors that reach the user as a message and an exit code, never a traceback."""

from __future__ import annotations


class AigovkgError(Exception):
    """Base class: a problem the user can fix. ``exit_code`` follows the CLI
    convention: 1 validation failed, 2 usage or input error."""

    exit_code = 2


class InputError(AigovkgError):
    """Unreadable or malformed input: a file, a query, a parameter."""


class UsageError(AigovkgError):
    """A command was called in a way it does not support."""


class QueryError(AigovkgError):
    """A query could not be run: refused, malformed, timed out, or the endpoint failed."""

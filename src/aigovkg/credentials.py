"""Where the credentials for a remote store come from, never the command line.

In order: the ``user=``/``password=`` options of the Python API, the user
information of an endpoint URL given to the API, the environment variables
``AIGOVKG_USER`` and ``AIGOVKG_PASSWORD``, then the ``machine`` entry for the
endpoint's host in the netrc file (``$NETRC``, else ``~/.netrc``).
``AIGOVKG_AUTH`` (or ``auth=``) chooses ``basic`` (the default: sent with the
first request) or ``digest`` (sent only in answer to a Digest challenge, so
the password never travels). Credentials go to the endpoint's own scheme, host
and port only.
"""

from __future__ import annotations

import netrc
import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from aigovkg._http import Credentials, redact, split_userinfo
from aigovkg.errors import UsageError

ENV_USER = "AIGOVKG_USER"
ENV_PASSWORD = "AIGOVKG_PASSWORD"
ENV_AUTH = "AIGOVKG_AUTH"
AUTH_SCHEMES = ("basic", "digest")


def resolve(
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    auth: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, Credentials | None]:
    """The URL without user information, and the credentials to use with it."""
    env = os.environ if environ is None else environ
    clean, url_user, url_password = split_userinfo(url)
    scheme = _scheme(auth if auth is not None else env.get(ENV_AUTH))
    if user:
        return clean, Credentials(user, password or "", scheme)
    if url_user:
        return clean, Credentials(url_user, url_password or "", scheme)
    if env.get(ENV_USER):
        return clean, Credentials(env[ENV_USER], env.get(ENV_PASSWORD, ""), scheme)
    found = _from_netrc(clean, env)
    return clean, (Credentials(found[0], found[1], scheme) if found else None)


def refuse_userinfo(url: str) -> None:
    """Refuse a URL that carries a password on the command line, where the
    process list and the shell history would show it."""
    if split_userinfo(url)[2] is not None:
        raise UsageError(f"{redact(url)}: a password in the URL would show in the process list and the shell "
                         f"history; put it in ~/.netrc or in {ENV_USER} and {ENV_PASSWORD}")


def _scheme(value: str | None) -> str:
    scheme = (value or "basic").strip().lower()
    if scheme not in AUTH_SCHEMES:
        raise UsageError(f"authentication scheme must be one of {', '.join(AUTH_SCHEMES)}, got {value!r}")
    return scheme


def _from_netrc(url: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    path = Path(env["NETRC"]) if env.get("NETRC") else Path.home() / ".netrc"
    if not path.is_file():
        return None
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        # ~/.netrc read as the default, so that netrc refuses it when others may read it
        entry = netrc.netrc(str(path) if env.get("NETRC") else None).authenticators(host)
    except netrc.NetrcParseError as exc:
        # its message may quote a token (a password): say only the file and line, or the permission problem
        problem = exc.msg if "permissive" in exc.msg else "not a valid netrc file"
        raise UsageError(f"{path}: line {exc.lineno}: {problem}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    if entry is None or not entry[0]:
        return None
    return entry[0], entry[2] or ""

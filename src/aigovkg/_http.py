"""One HTTP exchange with a remote store, bounded and discreet.

Every exchange has an overall deadline (connecting, the headers and the whole
body: a server that trickles its answer is cut off when the deadline passes),
a cap on the size of the answer, and credentials that are sent only to the
origin (scheme, host and port) they were given for: a redirect to another
scheme, host or port is followed without them. Nothing here prints a
password: URLs are shown with their user information replaced by ``***``.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aigovkg.errors import QueryError

DEFAULT_MAX_BYTES = 100_000_000
"""The largest answer accepted by default (100 MB); ``max_bytes=`` / ``--max-bytes`` change it."""

_CHUNK = 65_536
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Timeout(QueryError):
    """No complete answer before the deadline."""


class TooLarge(QueryError):
    """The answer is larger than the cap."""


class Unreachable(QueryError):
    """The connection failed before any answer (refused, reset, DNS)."""

    def __init__(self, message: str, reason: object) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Credentials:
    """A user name and password for one origin; ``scheme`` is ``basic`` (sent
    with the first request) or ``digest`` (sent only in answer to a challenge,
    so the password itself never travels)."""

    user: str
    password: str = field(repr=False)
    scheme: str = "basic"


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer, whatever its status."""

    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "") or ""

    @property
    def media_type(self) -> str:
        return self.header("Content-Type").split(";")[0].strip().lower()


def redact(url: str) -> str:
    """The URL with any user name and password replaced by ``***``.

    >>> redact("https://alice:s3cret@example.org:8890/sparql?x=1")
    'https://***@example.org:8890/sparql?x=1'
    """
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """The URL without user information, and the user and password it held."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit(parts._replace(netloc=hostport))
    return clean, urllib.parse.unquote(user) or None, urllib.parse.unquote(password) if password else None


def origin(url: str) -> tuple[str, str, int]:
    """Scheme, host and port: what credentials are bound to."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port


def store_message(answer: Answer, limit: int = 300) -> str:
    """The store's own words from an error answer: its text without markup,
    on one line, printable characters only, at most ``limit`` characters."""
    text = answer.body[:20_000].decode("utf-8", errors="replace")
    if "html" in answer.media_type or text.lstrip().startswith("<"):
        text = re.sub(r"(?is)<(head|style|script)\b.*?</\1\s*>", " ", text)
        text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", text))
    text = "".join(c if c.isprintable() else " " for c in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ deadline


class _Watchdog:
    """Shuts the exchange's connections down when the deadline passes, so a
    read blocked on a server that trickles bytes returns at once."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: the TLS layer is left to
    # the reading thread, which then sees the end of the stream.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watched:
    """A connection whose socket the watchdog may shut when the deadline passes."""

    def __init__(self, *args: Any, watchdog: _Watchdog, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self._watchdog.watch(self.sock)  # type: ignore[attr-defined]


class _WatchedHTTP(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self._watchdog = watchdog

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_connection(_WatchedHTTP, self._watchdog), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self._watchdog = watchdog

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_connection(_WatchedHTTPS, self._watchdog), req)


def _connection(cls: type[_WatchedHTTP] | type[_WatchedHTTPS], watchdog: _Watchdog) -> Any:
    def make(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
        return cls(*args, watchdog=watchdog, **kwargs)

    return make


# --------------------------------------------------------------- credentials


class _OriginPasswords(urllib.request.HTTPPasswordMgrWithPriorAuth):
    """Hands the credentials out for their own origin only."""

    def __init__(self, url: str, credentials: Credentials) -> None:
        super().__init__()
        self._origin = origin(url)
        self._credentials = credentials

    def find_user_password(self, realm: str | None, authuri: str) -> tuple[str | None, str | None]:
        if origin(authuri) != self._origin:
            return None, None
        return self._credentials.user, self._credentials.password

    def is_authenticated(self, authuri: str) -> bool:
        return self._credentials.scheme == "basic" and origin(authuri) == self._origin

    def update_authenticated(self, uri: Any, is_authenticated: bool = False) -> None:
        pass


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only. Credentials are never copied
    onto the new request: the auth handlers add them again, for their own
    origin only."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: http.client.HTTPMessage, newurl: str) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl)).scheme not in _DEFAULT_PORTS:
            raise urllib.error.HTTPError(req.full_url, code, f"redirect to a non-HTTP URL: {redact(newurl)}",
                                         headers, fp)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            for name in ("Authorization", "Proxy-authorization", "Cookie"):
                new.remove_header(name)
                new.unredirected_hdrs.pop(name, None)
        return new


# The last Digest challenge of each origin and user, with the count of its uses:
# a request with a body answers it at once instead of sending the body for a
# 401 (Virtuoso answers 401 before reading an upload, then resets the connection).
_CHALLENGES: dict[tuple[tuple[str, str, int], str], tuple[dict[str, str], int]] = {}
_CHALLENGES_LOCK = threading.Lock()


class _Digest(urllib.request.HTTPDigestAuthHandler):
    """Answer Digest challenges, and answer the last one of this origin at once
    on later requests; leave the other schemes (Basic to its own handler,
    Bearer, Negotiate) unanswered rather than raising ValueError."""

    def __init__(self, passwords: _OriginPasswords, url: str, user: str) -> None:
        super().__init__(passwords)
        self._origin = origin(url)
        self._key = (self._origin, user)

    def http_error_auth_reqed(self, auth_header: str, host: str, req: urllib.request.Request,
                              headers: http.client.HTTPMessage) -> Any:
        challenge = headers.get(auth_header) or ""
        if challenge.split(" ", 1)[0].lower() != "digest" or origin(req.full_url) != self._origin:
            return None
        fields = urllib.request.parse_keqv_list([f for f in urllib.request.parse_http_list(challenge[7:]) if f])
        with _CHALLENGES_LOCK:
            _CHALLENGES[self._key] = (fields, 0)
        return super().http_error_auth_reqed(auth_header, host, req, headers)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if origin(req.full_url) != self._origin or req.has_header("Authorization"):
            return req
        with _CHALLENGES_LOCK:
            known = _CHALLENGES.get(self._key)
            if known is None:
                return req
            fields, uses = known
            self.last_nonce, self.nonce_count = fields.get("nonce"), uses
            answer = self.get_authorization(req, fields)
            _CHALLENGES[self._key] = (fields, self.nonce_count)
        if answer:
            req.add_unredirected_header("Authorization", f"Digest {answer}")
        return req

    https_request = http_request


def knows_challenge(url: str, credentials: Credentials) -> bool:
    with _CHALLENGES_LOCK:
        return (origin(url), credentials.user) in _CHALLENGES


def _opener(url: str, watchdog: _Watchdog, credentials: Credentials | None) -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    handlers: list[urllib.request.BaseHandler] = [
        _HTTPHandler(watchdog), _HTTPSHandler(watchdog), _Redirects(),
        urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ]
    if credentials is not None:
        passwords = _OriginPasswords(url, credentials)
        handlers.append(_Digest(passwords, url, credentials.user))
        if credentials.scheme == "basic":
            handlers.append(urllib.request.HTTPBasicAuthHandler(passwords))
    for handler in handlers:
        opener.add_handler(handler)
    return opener


# ------------------------------------------------------------------ exchange


def exchange(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    max_bytes: int = DEFAULT_MAX_BYTES,
    credentials: Credentials | None = None,
) -> Answer:
    """Send one request and read the whole answer within ``timeout`` seconds.

    Any HTTP status is returned as an :class:`Answer`; a deadline passed, an
    answer over ``max_bytes`` or a failed connection raise :class:`Timeout`,
    :class:`TooLarge` or :class:`Unreachable`, each naming the URL (redacted).
    """
    shown = redact(url)
    if timeout <= 0:
        raise Timeout(f"{shown}: no complete answer within the time limit")
    if body and credentials is not None and credentials.scheme == "digest" and not knows_challenge(url, credentials):
        # fetch the challenge with a request without a body (its answer does not matter)
        started = time.monotonic()
        exchange("HEAD", url, headers=headers, timeout=timeout, max_bytes=max_bytes, credentials=credentials)
        timeout -= time.monotonic() - started
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    late = f"{shown}: no complete answer within {timeout:g} s"
    with _Watchdog(timeout) as watchdog:
        try:
            answer = _send(_opener(url, watchdog, credentials), request, shown, timeout, max_bytes)
        except QueryError:
            if watchdog.expired:
                raise Timeout(late) from None
            raise
        except (OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            # The sockets' own timeout is the whole deadline, so a socket that
            # timed out means the deadline passed, even where the watchdog's
            # thread has not yet run (a busy machine): a timeout, not a failed connection.
            if watchdog.expired or isinstance(reason, TimeoutError):
                raise Timeout(late) from None
            raise Unreachable(f"{shown}: cannot reach the endpoint: {reason}", reason) from None
        except ValueError as exc:  # urllib's word for a URL or a Digest algorithm it cannot handle
            raise QueryError(f"{shown}: {exc}") from None
    if watchdog.expired:  # a body without a length ends silently when its connection is shut
        raise Timeout(late)
    return answer


def _send(opener: urllib.request.OpenerDirector, request: urllib.request.Request, shown: str,
          timeout: float, max_bytes: int) -> Answer:
    head = request.get_method() == "HEAD"  # an answer to HEAD has headers only, whatever its Content-Length
    try:
        with opener.open(request, timeout=timeout) as response:
            return Answer(response.status, response.headers, b"" if head else _read(response, shown, max_bytes))
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, exc.headers, b"" if head else _read_error(exc, shown, max_bytes))


def _read(response: http.client.HTTPResponse, shown: str, max_bytes: int) -> bytes:
    """The whole body, refused past ``max_bytes`` and checked against its
    Content-Length (a short read does not raise by itself)."""
    length = response.headers.get("Content-Length", "")
    declared = int(length) if length.strip().isdigit() else None
    if declared is not None and declared > max_bytes:
        raise TooLarge(_too_large(shown, max_bytes, f"{declared} bytes announced"))
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge(_too_large(shown, max_bytes, "more sent"))
        chunks.append(chunk)
    if declared is not None and total != declared:
        raise QueryError(f"{shown}: truncated answer ({total} of {declared} bytes)")
    return b"".join(chunks)


def _read_error(exc: urllib.error.HTTPError, shown: str, max_bytes: int) -> bytes:
    try:
        return _read(exc, shown, min(max_bytes, 1_000_000))  # type: ignore[arg-type]  # an HTTPError is a response
    except (QueryError, OSError, http.client.HTTPException):
        return b""


def _too_large(shown: str, max_bytes: int, seen: str) -> str:
    return (f"{shown}: answer larger than the limit of {max_bytes:,} bytes ({seen}); "
            "raise it with max_bytes= or --max-bytes, or narrow the query")


def sleep_within(seconds: float, deadline: float) -> bool:
    """Sleep ``seconds`` unless that would pass ``deadline`` (a monotonic time)."""
    if time.monotonic() + seconds >= deadline:
        return False
    time.sleep(seconds)
    return True

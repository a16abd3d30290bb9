"""The studio's guard: who may talk to it, and what they may send.

The studio serves files of the user's own folder on their own machine, so
the threats are other parties that can reach a local port: any web page
the user visits (cross-site requests, DNS rebinding), and other local
users. One ASGI middleware in front of every route answers them all, so no
route can forget a check:

- the secret token, printed with the URL, must come with the first request;
  it is then kept in an HttpOnly, SameSite=Strict cookie (a page cannot read
  it, and a cross-site request does not carry it);
- the ``Host`` header must name the address the studio listens on (a
  rebinding attack arrives with the attacker's host name);
- every request that changes something must carry the CSRF token in the
  ``X-CSRF-Token`` header (htmx sends it from the page), and an ``Origin``
  header, when present, must be the studio's own;
- a request body larger than the upload limit is refused, counted as it
  arrives, whatever ``Content-Length`` claims.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "appeal_gen_studio"
CSRF_HEADER = "x-csrf-token"
#: Request bodies above this are refused (a recipient list of some thousand rows is a few MiB).
MAX_BODY = 16 * 1024 * 1024
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Served with every response: nothing from elsewhere, no framing, no inline script.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def derive(token: str, purpose: str) -> str:
    """A value for one *purpose* (the cookie, the CSRF token) derived from the secret token."""
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


class Guard:
    """The ASGI middleware; *hosts* are the ``host:port`` values the studio answers to."""

    def __init__(self, app: ASGIApp, token: str, hosts: Iterable[str], *, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.token = token
        self.session = derive(token, "session")
        # Cookies are kept per host, not per port: each studio names its own, so two
        # studios open side by side on 127.0.0.1 do not log each other out.
        self.cookie = f"{COOKIE}_{derive(token, 'cookie name')[:12]}"
        self.csrf = derive(token, "csrf")
        self.hosts = {h.lower() for h in hosts}
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await _deny(send, 403, "not served")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "").lower()
        if host not in self.hosts:
            await _deny(send, 421, f"unknown Host {host!r}: open the studio by the URL it printed")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = query.get("token")
        if given is not None:
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                await _deny(send, 403, "wrong token: open the studio by the URL it printed")
                return
            # Trade the token in the URL for the cookie, and drop it from the address bar.
            rest = urlencode([(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode()) if k != "token"])
            location = scope.get("path", "/") + (f"?{rest}" if rest else "")
            cookie = f"{self.cookie}={self.session}; HttpOnly; SameSite=Strict; Path=/"
            await _respond(send, 303, b"", [(b"location", location.encode()), (b"set-cookie", cookie.encode())])
            return
        if not hmac.compare_digest(_cookie(headers.get("cookie", ""), self.cookie).encode(), self.session.encode()):
            await _deny(send, 403, "no session: open the studio by the URL with the token it printed")
            return
        if scope["method"] not in _SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and origin.lower() not in {f"http://{h}" for h in self.hosts}:
                await _deny(send, 403, f"refused a change sent from another site ({origin})")
                return
            if not hmac.compare_digest(headers.get(CSRF_HEADER, "").encode(), self.csrf.encode()):
                await _deny(send, 403, "missing or wrong CSRF token: reload the page")
                return
            length = headers.get("content-length")
            if length is None or not length.isdigit():
                await _deny(send, 411, "a change must say its length (Content-Length)")
                return
            if int(length) > self.max_body:
                await _deny(send, 413, f"the upload is larger than {_size(self.max_body)}")
                return
            receive = _limited(receive, int(length))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB" if n >= 1024 else f"{n} bytes"


def _cookie(header: str, wanted: str) -> str:
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == wanted:
            return value
    return ""


def _limited(receive: Receive, limit: int) -> Receive:
    """*receive* that ends the request (as a client disconnect) once more than *limit* bytes came."""
    seen = 0

    async def inner() -> Message:
        nonlocal seen
        if seen > limit:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                return {"type": "http.disconnect"}
        return message

    return inner


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


async def _deny(send: Send, status: int, message: str) -> None:
    body = (message + "\n").encode()
    await _respond(send, status, body, [(b"content-type", b"text/plain; charset=utf-8")])

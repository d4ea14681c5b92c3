"""Who may use the app: whoever holds the random key in its address; and which forms count.

The key is the first component of every path (``http://HOST:PORT/KEY/review``):
every link and form of the app carries it, and a request without it, static
files included, gets 403. No cookie is set: a browser sends cookies to every
port of a host, so a cookie would reach any other local web server the
instructor opens; the path of a page on this server goes nowhere else. Forms
carry a second secret (CSRF), derived from the key; a POST without it is
refused by ``form_ok``. The key is kept per output folder (``KEY_FILE``,
readable by its owner only), so a restarted server answers the tabs left open.
Every response also gets headers that keep pages out of caches, frames and
referrers, and a strict Content-Security-Policy unless the page set its own.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse

STRICT_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
DENIED = ("403: this page needs the key grader serve printed. Open the address it printed "
          "(http://HOST:PORT/KEY/) in this browser.\n")
KEY_FILE = ".serve-key"


class Guard:
    """The two secrets of one server: ``token`` (access, the first path component) and ``csrf`` (forms)."""

    def __init__(self, token: str | None = None):
        self.token = token or secrets.token_urlsafe(32)
        self.csrf = hmac.new(self.token.encode(), b"grader serve forms", hashlib.sha256).hexdigest()
        self.root = "/" + self.token

    @classmethod
    def for_folder(cls, out_dir: Path) -> "Guard":
        """The folder's key, made (readable by its owner only) on the first start."""
        path = Path(out_dir) / KEY_FILE
        try:
            token = path.read_text().strip()
            if len(token) >= 32 and os.stat(path).st_mode & 0o077 == 0:
                return cls(token)
        except OSError:
            pass
        guard = cls()
        temporary = path.with_name(f"{KEY_FILE}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(guard.token + "\n")
        os.replace(temporary, path)
        return guard

    def holds_token(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self.token.encode())

    def form_ok(self, form) -> bool:
        given = form.get("csrf")
        return isinstance(given, str) and secrets.compare_digest(given.encode(), self.csrf.encode())

    def __call__(self, app):
        """The ASGI middleware wrapping ``app``."""
        return _Middleware(app, self)


class _Middleware:
    def __init__(self, app, guard: Guard):
        self.app, self.guard = app, guard

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        first, slash, rest = path.lstrip("/").partition("/")
        if not path.startswith("/") or not self.guard.holds_token(first):
            return await PlainTextResponse(DENIED, status_code=403)(scope, receive, _with_headers(send))
        if not slash:  # /KEY: the app's pages are under /KEY/
            return await RedirectResponse(self.guard.root + "/", status_code=303)(scope, receive, _with_headers(send))
        # The app routes the path after the key; its pages write every link with the key in front.
        inner = dict(scope, path="/" + rest, raw_path=("/" + rest).encode(),
                     root_path=scope.get("root_path", ""))
        return await self.app(inner, receive, _with_headers(send))


def _with_headers(send):
    async def sending(message):
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers.setdefault("Content-Security-Policy", STRICT_POLICY)
            headers.setdefault("Cache-Control", "no-store")
            headers["X-Content-Type-Options"] = "nosniff"
            headers["Referrer-Policy"] = "no-referrer"
            headers["X-Frame-Options"] = "DENY"
        await send(message)
    return sending

"""Who may use the app: whoever holds the random token ``grader serve`` printed; and which forms count.

The token arrives once in the URL (``?token=...``); the guard answers with a
cookie holding it (HttpOnly, SameSite=Strict, named after the token so two
servers on one machine keep theirs apart) and a redirect to the same address
without it, so the token leaves the address bar and history. Every other
request, static files included, needs that cookie or gets 403. Forms carry a
second random token (CSRF); a POST without it is refused by ``form_ok``.
Every response also gets headers that keep pages out of caches, frames and
referrers, and a strict Content-Security-Policy unless the page set its own.
"""
from __future__ import annotations

import hashlib
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse

STRICT_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
DENIED = ("403: this page needs the token grader serve printed. Open the address it printed "
          "(http://HOST:PORT/?token=...) in this browser.\n")


class Guard:
    """The two secrets of one server: ``token`` (access) and ``csrf`` (forms)."""

    def __init__(self, token: str | None = None, csrf: str | None = None):
        self.token = token or secrets.token_urlsafe(32)
        self.csrf = csrf or secrets.token_urlsafe(32)
        self.cookie = "grader_serve_" + hashlib.sha256(self.token.encode()).hexdigest()[:12]

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
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = dict(query).get("token")
        if self.guard.holds_token(given):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            # One leading slash: "//host/..." would send the browser to another host.
            path = "/" + scope["path"].lstrip("/")
            response = RedirectResponse(path + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(self.guard.cookie, self.guard.token, httponly=True, samesite="strict", path="/")
            return await response(scope, receive, _with_headers(send))
        cookies = SimpleCookie()
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                try:
                    cookies.load(value.decode("latin-1"))
                except Exception:  # noqa: BLE001 - a malformed cookie header is no token
                    pass
        held = cookies.get(self.guard.cookie)
        if not self.guard.holds_token(held.value if held else None):
            return await PlainTextResponse(DENIED, status_code=403)(scope, receive, _with_headers(send))
        return await self.app(scope, receive, _with_headers(send))


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

"""The authorize page as a small ASGI app, mounted by the gateway at /oauth.

GET  /oauth/authorize   sign-in and consent page (or an error page, HTTP 400)
POST /oauth/authorize   allow or deny: 303 to redirect_uri with code&state or error=access_denied&state
GET  /oauth/callback    a landing page that shows a code (for the demo and manual tries)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

from ..protocol import params as wire
from ..protocol.errors import ProtocolError
from ..store import App, NotFoundError, Store, StoreUnavailableError
from . import forms, pages
from .attempts import SignInAttempts
from .codes import issue_code
from .passwords import authenticate

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

log = logging.getLogger("dsorders.oauth")

MAX_BODY: Final = 64 * 1024
_UNAVAILABLE: Final = "The service cannot answer now. Try again in a minute."
_FIX_LINK: Final = "Ask the app's developer to fix the link."
WRONG_PASSWORD: Final = "The login or the password is not right. Check both and try again."
_HEADERS: Final = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", pages.CSP),
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
)


class _Refused(Exception):
    """An answer that is an error page."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


async def _send(send: Send, status: int, body: bytes = b"", extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *_HEADERS, *extra]})
    await send({"type": "http.response.body", "body": body})


async def _read_form(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Refused(400, "Request interrupted", "The form did not arrive completely. Try again.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _Refused(413, "Form too large", "The form is larger than this page accepts.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


class AuthorizeApp:
    """Serves /oauth/*. `clock` gives epoch seconds, like the gateway's."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time,
                 attempts: SignInAttempts | None = None) -> None:  # fmt: skip
        self.store = store
        self.clock = clock
        self.attempts = attempts or SignInAttempts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        try:
            if path == "/oauth/authorize" and method == "GET":
                await self._show(scope, send)
            elif path == "/oauth/authorize" and method == "POST":
                await self._answer(scope, receive, send)
            elif path == "/oauth/callback" and method == "GET":
                await _send(send, 200, pages.callback_page(self._query(scope)))
            elif path in ("/oauth/authorize", "/oauth/callback"):
                await _send(send, 405, pages.error_page("Method not allowed", f"{method} is not answered here."),
                            ((b"allow", b"GET, POST" if path.endswith("authorize") else b"GET"),))  # fmt: skip
            else:
                await _send(send, 404, pages.error_page("Not found", "There is no page at this address."))
        except _Refused as refused:
            await _send(send, refused.status, pages.error_page(refused.title, refused.message))
        except StoreUnavailableError:
            log.exception("store unavailable on %s", path)
            await _send(send, 503, pages.error_page("Service unavailable", _UNAVAILABLE))

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    @staticmethod
    def _query(scope: Scope) -> dict[str, str]:
        try:
            return wire.merge(wire.parse_urlencoded(scope["query_string"]))
        except ProtocolError as error:
            raise _Refused(400, "Invalid request", error.message) from None

    async def _request(self, params: dict[str, str]) -> tuple[forms.AuthorizeRequest, App]:
        try:
            request = forms.parse_request(params)
        except forms.AuthorizeError as error:
            raise _Refused(400, "Invalid authorization request", f"{error} {_FIX_LINK}") from None
        try:
            app = await self.store.get_app(request.client_id)
        except NotFoundError:
            app = None
        except StoreUnavailableError:
            raise _Refused(503, "Service unavailable", _UNAVAILABLE) from None
        if app is None or not app.enabled:
            raise _Refused(400, "Unknown app", f"No enabled app has this client_id. {_FIX_LINK}")
        return request, app

    async def _show(self, scope: Scope, send: Send) -> None:
        request, app = await self._request(self._query(scope))
        await self._page(scope, send, request, app)

    async def _page(self, scope: Scope, send: Send, request: forms.AuthorizeRequest, app: App, *,
                    login: str = "", message: str | None = None, status: int = 200) -> None:  # fmt: skip
        nonce = forms.read_cookie(_header(scope, b"cookie"))
        if not forms.valid_nonce(nonce):
            nonce = forms.new_nonce()
        hidden = {**request.hidden_fields(), "csrf": forms.csrf_token(app, nonce, request, self._now_ms())}  # type: ignore[arg-type]
        body = pages.authorize_page(app, hidden, redirect_host=forms.redirect_host(request.redirect_uri),
                                    login=login, message=message)  # fmt: skip
        cookie = forms.cookie_header(nonce, secure=scope.get("scheme") == "https")  # type: ignore[arg-type]
        await _send(send, status, body, ((b"set-cookie", cookie),))

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            form = wire.merge(wire.parse_body(await _read_form(receive), _header(scope, b"content-type")))
        except ProtocolError as error:
            raise _Refused(400, "Invalid form", error.message) from None
        request, app = await self._request(form)
        nonce = forms.read_cookie(_header(scope, b"cookie"))
        if not forms.csrf_ok(app, nonce, request, form.get("csrf", ""), self._now_ms()):
            message = f"It has expired or did not come from this page. Go back to {app.name} and start again."
            raise _Refused(403, "This form cannot be accepted", message)
        action = form.get("action")
        if action == "deny":
            location = forms.redirect_location(request.redirect_uri, error="access_denied", state=request.state)
        elif action == "allow":
            login, address, now = form.get("login", ""), _client_address(scope), self.clock()
            wait = self.attempts.retry_after(login, address, now)
            if wait > 0:
                message = f"Too many sign-ins failed. Try again in {math.ceil(wait / 60)} minute(s)."
                await self._page(scope, send, request, app, login=login, message=message, status=429)
                return
            account = await authenticate(self.store, login, form.get("password", ""))
            if account is None:
                self.attempts.failed(login, address, now)
                await self._page(scope, send, request, app, login=login, message=WRONG_PASSWORD)
                return
            self.attempts.succeeded(login)
            code = await issue_code(self.store, app, account.user_id, redirect_uri=request.redirect_uri,
                                    now=self._now_ms())  # fmt: skip
            log.info("code issued to app %s for user %s", app.app_key, account.user_id)
            location = forms.redirect_location(request.redirect_uri, code=code, state=request.state)
        else:
            raise _Refused(400, "Invalid form", "Choose Allow or Deny.")
        await _send(send, 303, b"", ((b"location", location.encode()),))

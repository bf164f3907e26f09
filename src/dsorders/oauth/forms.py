"""The authorize request's parameters, the redirect back to the app, and the form's CSRF token.

CSRF: a signed double-submit token. The page sets a random cookie and puts in the form an
HMAC of that cookie, the request's parameters and the time, keyed by a key derived from the
app's secret, so every worker can check it without shared state. A form posted from another
site carries no cookie (SameSite=Lax) or a token that does not match it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Final, NamedTuple
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..store import App

COOKIE: Final = "dsorders_oauth"
FORM_TTL_MS: Final = 30 * 60 * 1000
MAX_URI: Final = 2048
MAX_STATE: Final = 1024
_NONCE: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AuthorizeError(ValueError):
    """An authorize request that is malformed: answered with an error page, never a redirect."""


class AuthorizeRequest(NamedTuple):
    client_id: str
    redirect_uri: str
    state: str
    force_auth: str | None

    def hidden_fields(self) -> dict[str, str]:
        fields = {"response_type": "code", "client_id": self.client_id,
                  "redirect_uri": self.redirect_uri, "state": self.state}  # fmt: skip
        if self.force_auth is not None:
            fields["force_auth"] = self.force_auth
        return fields


def check_redirect_uri(uri: str) -> str:
    """`uri` if it is an absolute http(s) URL with a host and no fragment; else `AuthorizeError`."""
    if len(uri) > MAX_URI or not uri.isascii() or any(c.isspace() or not c.isprintable() for c in uri):
        raise AuthorizeError(f"redirect_uri must be a URL of printable ASCII, at most {MAX_URI} characters.")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise AuthorizeError("redirect_uri is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuthorizeError("redirect_uri must be an absolute http:// or https:// URL.")
    if "#" in uri or parts.username is not None or parts.password is not None:
        raise AuthorizeError("redirect_uri must not carry a fragment (#...) or a user name.")
    return uri


def parse_request(params: Mapping[str, str]) -> AuthorizeRequest:
    if params.get("response_type") != "code":
        raise AuthorizeError("response_type must be code.")
    client_id = params.get("client_id", "")
    if not client_id:
        raise AuthorizeError("client_id is missing: it is the app key of the app that asks for access.")
    if "redirect_uri" not in params:
        raise AuthorizeError("redirect_uri is missing.")
    redirect_uri = check_redirect_uri(params["redirect_uri"])
    state = params.get("state", "")
    if not state or len(state) > MAX_STATE:
        raise AuthorizeError(f"state is missing or longer than {MAX_STATE} characters.")
    # There is no remembered sign-in to bypass: every request signs in, so force_auth changes nothing.
    return AuthorizeRequest(client_id, redirect_uri, state, params.get("force_auth"))


def redirect_location(uri: str, **params: str) -> str:
    """`uri` with `params` added to its query, keeping what it already has."""
    parts = urlsplit(uri)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit(parts._replace(query=query))


def redirect_host(uri: str) -> str:
    return urlsplit(uri).netloc


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def valid_nonce(value: str | None) -> bool:
    return value is not None and _NONCE.fullmatch(value) is not None


def _key(app: App) -> bytes:
    return hashlib.sha256(b"dsorders oauth form\0" + app.app_secret.encode()).digest()


def csrf_token(app: App, nonce: str, request: AuthorizeRequest, issued_ms: int) -> str:
    message = "\0".join((nonce, request.client_id, request.redirect_uri, request.state, str(issued_ms)))
    return f"{issued_ms}.{hmac.new(_key(app), message.encode(), hashlib.sha256).hexdigest()}"


def csrf_ok(app: App, nonce: str | None, request: AuthorizeRequest, token: str, now_ms: int) -> bool:
    """The token was made for this cookie, app and request, within the last 30 minutes."""
    issued, _, _ = token.partition(".")
    if not valid_nonce(nonce) or not issued.isdigit() or len(issued) > 15:
        return False
    if not now_ms - FORM_TTL_MS <= int(issued) <= now_ms + 60_000:
        return False
    return hmac.compare_digest(token.encode(), csrf_token(app, nonce, request, int(issued)).encode())  # type: ignore[arg-type]


def cookie_header(nonce: str, *, secure: bool) -> bytes:
    flags = "; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age=1800" + ("; Secure" if secure else "")
    return f"{COOKIE}={nonce}{flags}".encode()


def read_cookie(header: str, name: str = COOKIE) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None

"""What `dsorders demo` prints so that a person can try the OAuth flow in a browser."""

from __future__ import annotations

from urllib.parse import urlencode

import msgspec

from ..store import App, Store
from .passwords import new_password, set_password


class DemoSignIn(msgspec.Struct, frozen=True):
    login: str
    password: str
    authorize_url: str


def authorize_url(base_url: str, app: App, *, redirect_uri: str | None = None, state: str = "demo") -> str:
    """The authorize link for `app`; by default its redirect lands on this service's /oauth/callback page."""
    base = base_url.rstrip("/")
    query = {
        "response_type": "code",
        "client_id": app.app_key,
        "redirect_uri": redirect_uri or f"{base}/oauth/callback",
        "state": state,
    }
    return f"{base}/oauth/authorize?{urlencode(query)}"


async def demo_sign_in(store: Store, app: App, *, base_url: str, redirect_uri: str | None = None) -> DemoSignIn:
    """Give the first account a fresh random password; its login, that password and the authorize URL.

    The password is new on every call: only its hash is stored, so an old one cannot be shown again.
    """
    accounts = await store.list_accounts()
    if not accounts:
        raise ValueError("there is no account to sign in with: create one first")
    password = new_password()
    account = await set_password(store, accounts[0].login, password)
    return DemoSignIn(account.login, password, authorize_url(base_url, app, redirect_uri=redirect_uri))

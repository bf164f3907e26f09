"""The HTML of the authorize page, its error page and the demo callback page.

Every value is escaped where it is printed; the pages need no JavaScript and load nothing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from html import escape
from typing import Final

from ..store import App

_CSS: Final = (
    "body{font:16px/1.5 system-ui,sans-serif;background:#f4f4f5;color:#18181b;margin:0}"
    "main{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:.75rem;"
    "box-shadow:0 1px 3px #0002}h1{font-size:1.3rem;margin-top:0}label{display:block;margin-top:1rem}"
    "input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}"
    ".actions{display:flex;gap:1rem;margin-top:1.5rem}button{flex:1;padding:.6rem;font:inherit;cursor:pointer}"
    "button[value=allow]{background:#e43225;color:#fff;border:0;border-radius:.4rem}"
    ".error{background:#fee2e2;color:#991b1b;padding:.6rem;border-radius:.4rem}"
    "code{word-break:break-all}small{color:#52525b}"
)
_CSS_HASH: Final = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
CSP: Final = (f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; frame-ancestors 'none'; base-uri 'none'").encode()

# What each API lets an app read, in the words a buyer understands.
API_SCOPES: Final = {
    "aliexpress.trade.ds.order.get": "your orders: status, items, amounts, delivery and the stores they came from",
}


def _document(title: str, body: str) -> bytes:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    ).encode()


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def _scopes(apis: Iterable[str]) -> str:
    items = [API_SCOPES.get(api, api) for api in sorted(apis)]
    items.append("your account's nickname, login and language")
    return "".join(f"<li>{escape(item)}</li>" for item in items)


def authorize_page(app: App, hidden: Mapping[str, str], *, redirect_host: str, login: str = "",
                   message: str | None = None) -> bytes:  # fmt: skip
    """Sign-in and consent: which app asks, what it will read, where the answer goes."""
    notice = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    body = (
        f"<h1>Sign in to allow {escape(app.name)}</h1>{notice}"
        f"<p><strong>{escape(app.name)}</strong> <small>(app {escape(app.app_key)})</small>"
        f" asks to read:</p><ul>{_scopes(app.apis)}</ul>"
        f"<p><small>After you answer you will be sent to <strong>{escape(redirect_host)}</strong>.</small></p>"
        f'<form method="post" action="/oauth/authorize">{_hidden(hidden)}'
        f'<label>Login <input type="text" name="login" value="{escape(login)}" autocomplete="username" required'
        " autofocus></label>"
        '<label>Password <input type="password" name="password" autocomplete="current-password" required></label>'
        '<div class="actions"><button type="submit" name="action" value="deny" formnovalidate>Deny</button>'
        '<button type="submit" name="action" value="allow">Allow</button></div></form>'
    )
    return _document(f"Allow {app.name}", body)


def error_page(title: str, message: str) -> bytes:
    """An error that must not be sent back to the app (its redirect cannot be trusted)."""
    body = f"<h1>{escape(title)}</h1><p>{escape(message)}</p>"
    return _document(title, body)


def callback_page(params: Mapping[str, str]) -> bytes:
    """Where the demo's redirect lands: shows the code to exchange with /auth/token/create."""
    if "code" in params:
        body = (
            "<h1>Authorization code</h1>"
            f'<p><code id="code">{escape(params["code"])}</code></p>'
            f"<p>state: <code>{escape(params.get('state', ''))}</code></p>"
            "<p>Exchange it within 180 seconds with a signed call to <code>/auth/token/create</code>"
            " (parameter <code>code</code>).</p>"
        )
    else:
        body = (
            f"<h1>No code</h1><p>error: <code>{escape(params.get('error', 'none'))}</code>,"
            f" state: <code>{escape(params.get('state', ''))}</code></p>"
        )
    return _document("Authorization code", body)

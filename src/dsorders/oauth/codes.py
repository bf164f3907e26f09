"""Authorization codes: single-use, valid 180 s, bound to one app; stored only as hashes."""

from __future__ import annotations

import secrets
import string
from typing import Final

from ..store import App, AuthCode, Store, hash_secret

CODE_TTL_MS: Final = 180_000
_ALPHABET: Final = string.ascii_letters + string.digits


def new_code(app_key: str) -> str:
    """`3_<app key>_<24 random characters>`, the platform's form (`3_34567890_Xk29Qm7pLs0vZr4T`)."""
    return f"3_{app_key}_" + "".join(secrets.choice(_ALPHABET) for _ in range(24))


async def issue_code(
    store: Store, app: App, user_id: int, *, redirect_uri: str, now: int, code: str | None = None
) -> str:
    """Issue a code for `user_id` to `app`, valid until `now + CODE_TTL_MS`; `code` fixes its value (tests)."""
    code = code or new_code(app.app_key)
    await store.insert_code(
        code_hash=hash_secret(code),
        app_key=app.app_key,
        user_id=user_id,
        redirect_uri=redirect_uri,
        expires_at=now + CODE_TTL_MS,
        now=now,
    )
    return code


async def consume_code(store: Store, code: str, *, app_key: str, now: int) -> AuthCode:
    """The code's grant, marked used; `NotFoundError` if it is unknown, used, expired or another app's."""
    return await store.consume_code(hash_secret(code), app_key=app_key, now=now)

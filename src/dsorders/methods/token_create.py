"""/auth/token/create: trade an authorization code for a token pair (PROTOCOL.md section 7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .. import admin
from ..protocol.errors import ProtocolError, missing_parameter
from ..store import Account, NotFoundError, StoreUnavailableError, hash_secret
from .base import Call, Method

NAME: Final = "/auth/token/create"


def token_fields(
    *, access_token: str, refresh_token: str, expires_at: int, refresh_expires_at: int, account: Account, now_ms: int
) -> dict[str, object]:
    """The flat answer of both token methods, in the platform's order (`code`, `request_id` follow)."""
    return {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_in": max(0, (expires_at - now_ms) // 1000),
        "refresh_expires_in": max(0, (refresh_expires_at - now_ms) // 1000),
        "expire_time": expires_at,
        "refresh_token_valid_time": refresh_expires_at,
        "user_id": str(account.user_id),
        "account_id": str(account.user_id),
        "user_nick": account.nick,
        "account": account.login,
        "account_platform": "buyerApp",
        "sp": "ae",
        "locale": account.locale,
    }


def parse(params: Mapping[str, str]) -> str:
    # The platform refuses a code that comes with a `uuid` (the older, device-bound flow).
    if "uuid" in params:
        raise ProtocolError("InvalidCode")
    code = params.get("code")
    if not code:
        raise missing_parameter("code")
    return code


async def run(call: Call, code: str) -> dict[str, object]:
    try:
        grant = await call.store.consume_code(hash_secret(code), app_key=call.app.app_key, now=call.now_ms)
        account = await call.store.get_account(grant.user_id)
        issued = await admin.issue_token(call.store, call.app, account.user_id, now=call.now_ms)
    except NotFoundError:
        raise ProtocolError("InvalidCode") from None
    except StoreUnavailableError:
        raise ProtocolError("isp.service-unavailable") from None
    return token_fields(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_at=issued.expires_at,
        refresh_expires_at=issued.refresh_expires_at,
        account=account,
        now_ms=call.now_ms,
    )


# POST only: a code in a URL ends up in access logs and proxies.
METHOD: Final = Method(NAME, parse, run, needs_token=False, http_methods=frozenset({"POST"}))

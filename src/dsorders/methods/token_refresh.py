"""/auth/token/refresh: a new access token for a live refresh token (PROTOCOL.md section 7).

The token keeps its row, refresh token and refresh expiry; its access token is replaced, so
the one refreshed away stops working at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .. import admin
from ..protocol.errors import ProtocolError, missing_parameter
from ..store import NotFoundError, StoreUnavailableError, hash_secret
from .base import Call, Method
from .token_create import token_fields

NAME: Final = "/auth/token/refresh"


def parse(params: Mapping[str, str]) -> str:
    refresh_token = params.get("refresh_token")
    if not refresh_token:
        raise missing_parameter("refresh_token")
    return refresh_token


async def run(call: Call, refresh_token: str) -> dict[str, object]:
    access_token = admin.new_token("50000")
    access_ms, _ = admin.LIFETIMES_MS[call.app.status]
    try:
        token = await call.store.refresh_token(
            hash_secret(refresh_token),
            app_key=call.app.app_key,
            token_hash=hash_secret(access_token),
            hint=admin.token_hint(access_token),
            expires_at=call.now_ms + access_ms,
            now=call.now_ms,
        )
    except NotFoundError:
        raise ProtocolError("IllegalRefreshToken") from None
    except StoreUnavailableError:
        raise ProtocolError("isp.service-unavailable") from None
    try:
        account = await call.store.get_account(token.user_id)
    except (NotFoundError, StoreUnavailableError):
        raise ProtocolError("isp.service-unavailable") from None
    return token_fields(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=token.expires_at,
        refresh_expires_at=token.refresh_expires_at,
        account=account,
        now_ms=call.now_ms,
    )


METHOD: Final = Method(NAME, parse, run, needs_token=False)

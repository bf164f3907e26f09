"""Request signatures: the string to sign and the three sign methods (PROTOCOL.md section 3)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Final, Literal

SignMethod = Literal["sha256", "md5", "hmac"]
SIGN_METHODS: Final[tuple[SignMethod, ...]] = ("sha256", "md5", "hmac")
DEFAULT_SIGN_METHOD: Final[SignMethod] = "sha256"


def string_to_sign(params: Mapping[str, str], api_name: str = "") -> str:
    """The API name (only when it contains "/"), then every key and value but `sign`, sorted by key."""
    prefix = api_name if "/" in api_name else ""
    return prefix + "".join([key + params[key] for key in sorted(params) if key != "sign"])


def sign_string(text: str, secret: str, method: SignMethod = DEFAULT_SIGN_METHOD) -> str:
    """Sign an already-built string to sign; upper-case hex."""
    data = text.encode()
    key = secret.encode()
    if method == "sha256":
        return hmac.new(key, data, hashlib.sha256).hexdigest().upper()
    if method == "hmac":
        return hmac.new(key, data, hashlib.md5).hexdigest().upper()
    if method == "md5":
        return hashlib.md5(key + data + key).hexdigest().upper()
    raise ValueError(f"unsupported sign method {method!r}; use one of {', '.join(SIGN_METHODS)}")


def sign(
    params: Mapping[str, str],
    secret: str,
    method: SignMethod = DEFAULT_SIGN_METHOD,
    api_name: str = "",
) -> str:
    return sign_string(string_to_sign(params, api_name), secret, method)


def verify(
    params: Mapping[str, str],
    secret: str,
    signature: str,
    method: SignMethod = DEFAULT_SIGN_METHOD,
    api_name: str = "",
) -> bool:
    """Constant-time check of `signature` (hex, either case) against the expected one."""
    expected = sign(params, secret, method, api_name)
    given = signature.upper()
    if not given.isascii():
        return False
    return hmac.compare_digest(expected, given)

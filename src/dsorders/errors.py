"""The SDK's exceptions: one root, one class per kind of answer a caller handles differently.

    DsOrdersError
     ├── ApiError                      the service answered with an error
     │    ├── SignatureError           MissingSignature InvalidSignMethod IncompleteSignature
     │    ├── TimestampError           MissingTimestamp InvalidTimestamp
     │    ├── AppKeyError              MissingAppKey InvalidAppKey
     │    ├── AccessTokenError         MissingAccessToken IllegalAccessToken
     │    ├── TokenError               InvalidCode IllegalRefreshToken (token create / refresh)
     │    ├── RateLimitError           ApiCallLimit                                    (retried)
     │    ├── ParameterError           MissingParameter InvalidParameter InvalidFormat MissingMethod
     │    │                            InvalidMethod InvalidApiPath RequestTooLarge
     │    ├── PermissionDeniedError    isv.insufficient-permission AppWhiteIpLimit
     │    ├── AuthorizationError       isv.invalid-authorization
     │    ├── ServiceUnavailableError  isp.service-unavailable                         (retried)
     │    └── InternalServerError      InternalError
     ├── TransportError                the network: no answer, or not one from the service (retried)
     │    └── RequestTimeoutError
     └── InvalidResponseError          an answer that is not the protocol's JSON

A code no class claims (the real platform has many) raises `ApiError` itself.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar


class DsOrdersError(Exception):
    """The root of every exception the SDK raises."""


class ApiError(DsOrdersError):
    """An error answer. `code` is the error's own code: for a method error in the wrapped shape,
    whose envelope code is "15", that is its `sub_code`."""

    codes: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        message: str,
        *,
        code: str,
        type: str | None = None,
        sub_code: str | None = None,
        request_id: str | None = None,
        http_status: int = 200,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.type = type
        self.sub_code = sub_code
        self.request_id = request_id
        self.http_status = http_status
        self.body = body

    def __str__(self) -> str:
        return f"Request {self.request_id}: {self.message} ({self.code})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, request_id={self.request_id!r})"


class SignatureError(ApiError):
    """The signature is missing or wrong: check the app secret, and that no proxy rewrites parameters."""

    codes = frozenset({"MissingSignature", "InvalidSignMethod", "IncompleteSignature"})


class TimestampError(ApiError):
    """The timestamp is missing or more than 7200 s from the server's clock: check this machine's clock."""

    codes = frozenset({"MissingTimestamp", "InvalidTimestamp"})


class AppKeyError(ApiError):
    """The app key is missing, unknown or disabled."""

    codes = frozenset({"MissingAppKey", "InvalidAppKey"})


class AccessTokenError(ApiError):
    """The access token is missing, invalid, expired or revoked: refresh it or authorize again."""

    codes = frozenset({"MissingAccessToken", "IllegalAccessToken"})


class TokenError(ApiError):
    """A token call was refused: the authorization code or refresh token is invalid, used or expired."""

    codes = frozenset({"InvalidCode", "IllegalRefreshToken"})


class RateLimitError(ApiError):
    """The app called faster than its limit and is banned for a moment; retried after the ban."""

    codes = frozenset({"ApiCallLimit"})

    @property
    def retry_after(self) -> float:
        """Seconds of the ban, as the message states it (`this ban will last 1 seconds`), else 1."""
        match = re.search(r"last (\d+) second", self.message)
        return float(match.group(1)) if match else 1.0


class ParameterError(ApiError):
    """The request is malformed: a parameter is missing or invalid, or the method or endpoint is wrong."""

    codes = frozenset(
        {
            "MissingParameter",
            "InvalidParameter",
            "InvalidFormat",
            "MissingMethod",
            "InvalidMethod",
            "InvalidApiPath",
            "RequestTooLarge",
        }
    )


class PermissionDeniedError(ApiError):
    """The app may not call this API for this account, or not from this IP address."""

    codes = frozenset({"isv.insufficient-permission", "AppWhiteIpLimit"})


class AuthorizationError(ApiError):
    """The order does not belong to the token's account (or does not exist)."""

    codes = frozenset({"isv.invalid-authorization"})


class ServiceUnavailableError(ApiError):
    """The service could not answer in time; retried."""

    codes = frozenset({"isp.service-unavailable"})


class InternalServerError(ApiError):
    """The service failed unexpectedly; quote the request id to its operators."""

    codes = frozenset({"InternalError"})


class TransportError(DsOrdersError):
    """No answer from the service: connection refused or reset, DNS, TLS, or a proxy's 502/503/504."""


class RequestTimeoutError(TransportError):
    """The service did not answer within the client's timeout."""


class InvalidResponseError(DsOrdersError):
    """An answer that is not the protocol's JSON: check the URL points at the API endpoint."""

    def __init__(self, message: str, *, http_status: int, content: bytes = b"") -> None:
        super().__init__(message)
        self.http_status = http_status
        self.content = content


ERROR_CLASSES: tuple[type[ApiError], ...] = (
    SignatureError,
    TimestampError,
    AppKeyError,
    AccessTokenError,
    TokenError,
    RateLimitError,
    ParameterError,
    PermissionDeniedError,
    AuthorizationError,
    ServiceUnavailableError,
    InternalServerError,
)
_BY_CODE: dict[str, type[ApiError]] = {code: cls for cls in ERROR_CLASSES for code in cls.codes}


def error_class(code: str) -> type[ApiError]:
    """The class for an error code; `ApiError` for a code this SDK does not know."""
    return _BY_CODE.get(code, ApiError)

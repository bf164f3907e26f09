"""The platform's error catalogue, as data.

Every code the gateway or a method can answer, with its type and exact message.
The gateway renders these; the SDK maps them back to exception classes.

    ProtocolError
     ├── raised by the gateway checks (PROTOCOL.md section 4)
     └── raised by a method (section 5): rendered with code "15" in the wrapped shape
"""

from __future__ import annotations

from typing import Final, Literal

ErrorType = Literal["ISV", "ISP", "SYSTEM"]


class Entry:
    __slots__ = ("code", "message", "method_error", "type")

    def __init__(self, code: str, type: ErrorType, message: str, *, method_error: bool = False) -> None:
        self.code = code
        self.type = type
        self.message = message
        self.method_error = method_error

    def __repr__(self) -> str:
        return f"Entry({self.code!r}, {self.type!r}, {self.message!r})"


_ENTRIES: Final = (
    # Gateway checks, in the order they run (PROTOCOL.md section 4).
    Entry("InvalidFormat", "ISV", "Invalid format"),
    Entry("MissingMethod", "ISV", "Missing method"),
    Entry("InvalidMethod", "ISV", "Specified API is invalid, please check the API name"),
    Entry("InvalidApiPath", "ISV", "The API is not available on this endpoint"),
    Entry("MissingAppKey", "ISV", "Missing app key"),
    Entry("InvalidAppKey", "ISV", "The specified App Key is invalid"),
    Entry("AppWhiteIpLimit", "ISV", "The caller IP is not in the app's IP allow-list"),
    Entry("MissingTimestamp", "ISV", "Missing timestamp"),
    Entry("InvalidTimestamp", "ISV", "Invalid timestamp, it must be within 7200 seconds of the server time"),
    Entry("MissingSignature", "ISV", "Missing signature"),
    Entry("InvalidSignMethod", "ISV", "Invalid sign method"),
    Entry("IncompleteSignature", "ISV", "The request signature does not conform to platform standards"),
    Entry("ApiCallLimit", "ISV", "Api access frequency exceeds the limit. this ban will last 1 seconds"),
    Entry("MissingAccessToken", "ISV", "Missing access token"),
    Entry("IllegalAccessToken", "ISV", "The specified access token is invalid or expired"),
    Entry(
        "MissingParameter",
        "ISV",
        'The input parameter "{name}" that is mandatory for processing this request is not supplied',
    ),
    Entry("InvalidParameter", "ISV", 'The input parameter "{name}" is invalid: {reason}'),
    # Transport-level refusal: the body is not read past the limit.
    Entry("RequestTooLarge", "ISV", "The request body is larger than {limit} bytes"),
    # System methods (PROTOCOL.md section 7).
    Entry("InvalidCode", "ISV", "The authorization code is invalid, used or expired"),
    Entry("IllegalRefreshToken", "ISV", "The specified refresh token is invalid or expired"),
    # Method errors (section 5); the full-width commas are the platform's.
    Entry(
        "isv.insufficient-permission",
        "ISV",
        "Insufficient permissions，please check the parameters",
        method_error=True,
    ),
    Entry(
        "isv.invalid-authorization",
        "ISV",
        "Accessing data not belonging to you，please check the parameters",
        method_error=True,
    ),
    Entry("isp.service-unavailable", "ISP", "Service timed out, please try again", method_error=True),
    Entry("InternalError", "SYSTEM", "System error,Need to contact technical support", method_error=True),
)

CATALOGUE: Final[dict[str, Entry]] = {entry.code: entry for entry in _ENTRIES}

# The wrapped shape reports a method error under this code, with the real one in sub_code.
METHOD_ERROR_CODE: Final = "15"
METHOD_ERROR_MSG: Final = "Remote service error"


class ProtocolError(Exception):
    """A catalogued error answer: raised anywhere on a request's path, rendered once."""

    def __init__(self, code: str, **fields: object) -> None:
        entry = CATALOGUE[code]
        self.entry = entry
        self.code = code
        self.type: ErrorType = entry.type
        self.message = entry.message.format(**fields) if fields else entry.message
        super().__init__(self.message)

    @property
    def method_error(self) -> bool:
        return self.entry.method_error


def missing_parameter(name: str) -> ProtocolError:
    return ProtocolError("MissingParameter", name=name)


def invalid_parameter(name: str, reason: str) -> ProtocolError:
    return ProtocolError("InvalidParameter", name=name, reason=reason)

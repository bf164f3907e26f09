"""dsorders: the AliExpress dropshipping order API, as a service and an SDK.

The SDK is what this package exports; the service lives in its submodules and is
imported only by the server and the CLI.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .client import (
    AsyncClient,
    ChildOrder,
    Client,
    Logistics,
    LogisticsStatus,
    Money,
    Order,
    OrderStatus,
    Store,
    Token,
)
from .errors import (
    AccessTokenError,
    ApiError,
    AppKeyError,
    AuthorizationError,
    DsOrdersError,
    InternalServerError,
    InvalidResponseError,
    ParameterError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServiceUnavailableError,
    SignatureError,
    TimestampError,
    TokenError,
    TransportError,
)

__all__ = [
    "AccessTokenError",
    "ApiError",
    "AppKeyError",
    "AsyncClient",
    "AuthorizationError",
    "ChildOrder",
    "Client",
    "DsOrdersError",
    "InternalServerError",
    "InvalidResponseError",
    "Logistics",
    "LogisticsStatus",
    "Money",
    "Order",
    "OrderStatus",
    "ParameterError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServiceUnavailableError",
    "SignatureError",
    "Store",
    "TimestampError",
    "Token",
    "TokenError",
    "TransportError",
    "__version__",
]

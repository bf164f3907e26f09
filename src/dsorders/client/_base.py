"""What the sync and async clients share: signed parameters, reading answers, the retry policy.

No I/O here: the clients send what this builds and hand back what they receive.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import msgspec

from ..errors import (
    ApiError,
    DsOrdersError,
    InvalidResponseError,
    RateLimitError,
    RequestTimeoutError,
    ServiceUnavailableError,
    TransportError,
    error_class,
)
from ..protocol import signing
from ..protocol.shapes import response_key
from . import models

log = logging.getLogger("dsorders.client")

ORDER_GET: Final = "aliexpress.trade.ds.order.get"
TOKEN_CREATE: Final = "/auth/token/create"
TOKEN_REFRESH: Final = "/auth/token/refresh"
PARTNER_ID: Final = "dsorders-sdk-python"
DEFAULT_ZONE: Final = "America/Los_Angeles"
DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_RETRIES: Final = 2
FORM: Final = "application/x-www-form-urlencoded"
# The wrapped shape reports a method error as code "15", the real code in sub_code.
_METHOD_ERROR: Final = "15"
_PROXY_STATUSES: Final = frozenset({502, 503, 504})


def signed_params(
    api_name: str,
    app_key: str,
    app_secret: str,
    api_params: Mapping[str, str],
    *,
    timestamp_ms: int,
    access_token: str | None = None,
    simplify: bool = False,
    partner_id: str = PARTNER_ID,
    response_format: str = "json",
    debug: bool = False,
) -> dict[str, str]:
    """System parameters, then the API's, then `sign`: the official SDK's names and order."""
    params = {
        "app_key": app_key,
        "sign_method": "sha256",
        "timestamp": str(timestamp_ms),
        "partner_id": partner_id,
        "method": api_name,
        "simplify": "true" if simplify else "false",
        "format": response_format,
    }
    if debug:
        params["debug"] = "true"
    if access_token:
        params["session"] = access_token
    params.update(api_params)
    params["sign"] = signing.sign(params, app_secret, "sha256", api_name)
    return params


def encode_form(params: Mapping[str, str]) -> bytes:
    """`application/x-www-form-urlencoded`, as `requests` writes it (spaces as `+`, `/` escaped)."""
    return urlencode(params).encode("ascii")


def decode_answer(status: int, content: bytes) -> dict[str, Any]:
    """The answer's JSON, or the error it carries raised as its class."""
    try:
        doc = msgspec.json.decode(content)
    except msgspec.DecodeError:
        doc = None
    if not isinstance(doc, dict):
        if status in _PROXY_STATUSES:
            raise TransportError(f"HTTP {status} without an answer from the service (a proxy or load balancer)")
        raise InvalidResponseError(
            f"HTTP {status}: the answer is not a JSON object (starts {content[:60]!r}); "
            "check that the URL is the API's base URL",
            http_status=status,
            content=content,
        )
    error = error_in(doc, status)
    if error is not None:
        raise error
    if status != 200:
        raise InvalidResponseError(
            f"HTTP {status}: not a protocol answer ({content[:120]!r}); check that the URL is the API's base URL",
            http_status=status,
            content=content,
        )
    return doc


def error_in(doc: Mapping[str, Any], status: int = 200) -> ApiError | None:
    """The error of a wrapped `error_response` or of a flat `{type, code, message}` answer."""
    envelope = doc.get("error_response")
    if not isinstance(envelope, Mapping):
        if "code" not in doc or str(doc["code"]) == "0":
            return None
        envelope = doc
    code = str(envelope.get("code", ""))
    sub_code = envelope.get("sub_code")
    if sub_code and (code == _METHOD_ERROR or error_class(code) is ApiError):
        code = str(sub_code)
    message = envelope.get("sub_msg") or envelope.get("msg") or envelope.get("message") or ""
    return error_class(code)(
        str(message),
        code=code,
        type=envelope.get("type"),
        sub_code=sub_code,
        request_id=envelope.get("request_id") or doc.get("request_id"),
        http_status=status,
        body=dict(doc),
    )


def result_of(doc: Mapping[str, Any], api_name: str) -> Mapping[str, Any]:
    """The `result` of a streamlined answer or of a wrapped one (`<method>_response`)."""
    holder: Any = doc
    if "result" not in doc:
        holder = doc.get(response_key(api_name))
        if holder is None:
            wrapped = [value for key, value in doc.items() if key.endswith("_response")]
            holder = wrapped[0] if len(wrapped) == 1 else None
    result = holder.get("result") if isinstance(holder, Mapping) else None
    if not isinstance(result, Mapping):
        raise InvalidResponseError(f"the answer to {api_name} has no result object", http_status=200)
    return result


def translate(exc: httpx.TransportError, url: str) -> TransportError:
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(f"no answer from {url} within the timeout ({type(exc).__name__})")
    return TransportError(f"cannot reach {url}: {type(exc).__name__}: {exc}")


@dataclass(frozen=True, slots=True)
class Call:
    """One API call, re-signed on every attempt."""

    api_name: str
    params: Mapping[str, str]
    access_token: str | None
    simplify: bool
    # A call that must not run twice (a code is single-use) is retried only when it never left.
    idempotent: bool = True

    @property
    def system(self) -> bool:
        return self.api_name.startswith("/")


def should_retry(error: DsOrdersError, call: Call) -> bool:
    if isinstance(error, RateLimitError):
        return True  # refused before the method ran
    if isinstance(error, ServiceUnavailableError):
        return call.idempotent
    if isinstance(error, TransportError):
        never_sent = isinstance(error.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))
        return call.idempotent or never_sent
    return False


def retry_delay(attempt: int, error: DsOrdersError, backoff: float, max_backoff: float,
                rand: Callable[[], float] = random.random) -> float:  # fmt: skip
    """Exponential backoff with jitter: half to all of `backoff * 2**attempt`, capped; 0 disables."""
    if backoff <= 0:
        return 0.0
    delay: float = min(max_backoff, backoff * 2.0**attempt) * (0.5 + rand() / 2)
    if isinstance(error, RateLimitError):
        delay = max(delay, error.retry_after)
    return delay


class BaseClient:
    """Configuration and the request/answer halves that `Client` and `AsyncClient` share."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        *,
        base_url: str,
        access_token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        simplify: bool = True,
        display_zone: str | ZoneInfo = DEFAULT_ZONE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not app_key or not app_secret:
            raise ValueError("app_key and app_secret are required: find them in your app's console")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.app_key = app_key
        self._app_secret = app_secret
        self.base_url = _root(base_url)
        self.access_token = access_token
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.simplify = simplify
        self.zone = display_zone if isinstance(display_zone, ZoneInfo) else ZoneInfo(display_zone)
        self._clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_key={self.app_key!r}, base_url={self.base_url!r})"

    def _call(self, api_name: str, params: Mapping[str, str] | None, *, access_token: str | None,
              simplify: bool | None = None, idempotent: bool = True) -> Call:  # fmt: skip
        system = api_name.startswith("/")
        token = None if system else (access_token or self.access_token)
        chosen = self.simplify if simplify is None else simplify
        return Call(api_name, dict(params or {}), token, chosen, idempotent)

    def _request(self, http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
        params = signed_params(
            call.api_name,
            self.app_key,
            self._app_secret,
            call.params,
            timestamp_ms=int(self._clock() * 1000),
            access_token=call.access_token,
            simplify=call.simplify,
        )
        url = self.base_url + ("/rest" if call.system else "/sync")
        return http.build_request("POST", url, content=encode_form(params), headers={"content-type": FORM})

    def _delay(self, attempt: int, error: DsOrdersError, call: Call) -> float | None:
        """Seconds to wait before the next attempt, or None when `error` is final."""
        if attempt >= self.max_retries or not should_retry(error, call):
            return None
        delay = retry_delay(attempt, error, self.backoff, self.max_backoff)
        log.info("%s failed (%s); retry %d of %d in %.2fs", call.api_name, _brief(error), attempt + 1,
                 self.max_retries, delay)  # fmt: skip
        return delay

    def _order(self, doc: Mapping[str, Any], order_id: int) -> models.Order:
        return models.order_from_result(result_of(doc, ORDER_GET), order_id, self.zone)

    @staticmethod
    def _token(doc: Mapping[str, Any]) -> models.Token:
        return models.token_from_fields(doc)


def order_query(order_id: int | str) -> dict[str, str]:
    text = str(order_id)
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise ValueError(f"order_id must be a positive integer, got {order_id!r}")
    return {"single_order_query": msgspec.json.encode({"order_id": text}).decode()}


def _root(base_url: str) -> str:
    """`https://host/sync` or `https://host/` into `https://host`: the clients add /sync or /rest."""
    url = base_url.rstrip("/")
    for suffix in ("/sync", "/rest"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
    return url


def _brief(error: DsOrdersError) -> str:
    return error.code if isinstance(error, ApiError) else type(error).__name__

"""Drop-in replacement for the platform's official Python SDK module (`iop-sdk-python-20220609`).

```python
import iop

client = iop.IopClient("https://api-sg.aliexpress.com/sync", APP_KEY, APP_SECRET)
request = iop.IopRequest("aliexpress.trade.ds.order.get")
request.add_api_param("single_order_query", '{"order_id":"10000001"}')
response = client.execute(request, ACCESS_TOKEN)
print(response.type, response.code, response.body)
```

On the wire it sends what the official SDK sends, byte for byte: the same parameter names
and order, `session` for the token, sha256 signatures, millisecond timestamps. Unlike it:
nothing is written to disk, secrets and tokens are never logged, dict and list values are
sent as JSON, a wrapped `error_response` fills `type`/`code`/`message` too, and a timeout
or an answer that is not JSON raises a clear `dsorders` exception.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final

import httpx
import msgspec

from dsorders.client._base import FORM, encode_form, signed_params, translate
from dsorders.errors import InvalidResponseError, RequestTimeoutError, TransportError

__all__ = [
    "P_LOG_LEVEL_DEBUG",
    "P_LOG_LEVEL_ERROR",
    "P_LOG_LEVEL_INFO",
    "P_SDK_VERSION",
    "InvalidResponseError",
    "IopClient",
    "IopRequest",
    "IopResponse",
    "RequestTimeoutError",
    "TransportError",
]

P_SDK_VERSION: Final = "iop-sdk-python-20220609"
P_LOG_LEVEL_DEBUG: Final = "DEBUG"
P_LOG_LEVEL_INFO: Final = "INFO"
P_LOG_LEVEL_ERROR: Final = "ERROR"

log = logging.getLogger("iop")


def _text(value: Any) -> str:
    """A parameter value as sent: dicts, lists and booleans as JSON, anything else as `str()`."""
    if isinstance(value, (dict, list, tuple, bool)):
        return msgspec.json.encode(value).decode()
    return str(value)


class IopRequest:
    """One API call: its name, HTTP method, parameters and files."""

    def __init__(self, api_name: str, http_method: str = "POST") -> None:
        self.api_name = api_name
        self.http_method = http_method.upper()
        self.api_params: dict[str, str] = {}
        self.file_params: dict[str, Any] = {}
        self.simplify = "false"
        self.format = "json"

    def add_api_param(self, key: str, value: Any) -> None:
        self.api_params[key] = _text(value)

    def add_file_param(self, key: str, value: Any) -> None:
        """A file part (bytes, a file object or httpx's `(name, content, type)`); not signed."""
        self.file_params[key] = value

    def set_simplify(self) -> None:
        """Ask for the streamlined response shape."""
        self.simplify = "true"

    def set_format(self, value: str) -> None:
        self.format = value


class IopResponse:
    """The answer: `type` (None, ISV, ISP or SYSTEM), `code` ("0" when it succeeded), `message`,
    `request_id`, and `body`, the whole JSON document. A wrapped method error (code "15") also
    has `sub_code` and `sub_message`."""

    def __init__(self) -> None:
        self.type: str | None = None
        self.code: str | None = None
        self.message: str | None = None
        self.request_id: str | None = None
        self.sub_code: str | None = None
        self.sub_message: str | None = None
        self.body: Any = None

    def __str__(self) -> str:
        return f"type={self.type} code={self.code} message={self.message} requestId={self.request_id}"

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> IopResponse:
        response = cls()
        response.body = body
        envelope = body.get("error_response")
        fields: dict[str, Any] = envelope if isinstance(envelope, dict) else body
        if not isinstance(envelope, dict) and "code" not in body:
            wrapped = [value for key, value in body.items() if key.endswith("_response") and isinstance(value, dict)]
            fields = {"code": "0", **(wrapped[0] if len(wrapped) == 1 else {})}
        response.type = _opt(fields.get("type"))
        response.code = _opt(fields.get("code"))
        response.message = _opt(fields.get("message", fields.get("msg")))
        response.sub_code = _opt(fields.get("sub_code"))
        response.sub_message = _opt(fields.get("sub_msg"))
        response.request_id = _opt(fields.get("request_id", body.get("request_id")))
        return response


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


class IopClient:
    """The official SDK's client: `execute` signs and sends a request and returns an `IopResponse`.

    `server_url` is the endpoint itself: `.../sync` for business methods, `.../rest` for
    `/auth/token/create` and the other system methods. Set `log_level` to `P_LOG_LEVEL_DEBUG`
    to send `debug=true`, as the official SDK does.
    """

    log_level = P_LOG_LEVEL_ERROR

    def __init__(
        self,
        server_url: str,
        app_key: str,
        app_secret: str,
        timeout: float = 30,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._server_url = server_url
        self._app_key = app_key
        self._app_secret = app_secret
        self._timeout = timeout
        self._clock = clock
        self._http = httpx.Client(transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        return f"IopClient({self._server_url!r}, {self._app_key!r})"

    def close(self) -> None:
        self._http.close()

    def execute(self, request: IopRequest, access_token: str | None = None) -> IopResponse:
        """Send `request`; an error answer is a response with its `type` and `code`, not an exception.

        Raises `RequestTimeoutError`/`TransportError` when no answer arrives and
        `InvalidResponseError` when the answer is not JSON.
        """
        params = signed_params(
            request.api_name,
            self._app_key,
            self._app_secret,
            request.api_params,
            timestamp_ms=int(self._clock() * 1000),
            access_token=access_token,
            simplify=request.simplify == "true",
            response_format=request.format,
            partner_id=P_SDK_VERSION,
            debug=self.log_level == P_LOG_LEVEL_DEBUG,
        )
        http_request = self._build(request, params)
        try:
            answer = self._http.send(http_request)
        except httpx.TransportError as exc:
            log.error("%s: %s", request.api_name, type(exc).__name__)
            raise translate(exc, self._server_url) from exc
        response = IopResponse.from_body(_json(answer))
        self._log(request, response)
        return response

    def _build(self, request: IopRequest, params: dict[str, str]) -> httpx.Request:
        if request.file_params:
            return self._http.build_request("POST", self._server_url, data=params, files=request.file_params)
        if request.http_method == "POST":
            return self._http.build_request("POST", self._server_url, content=encode_form(params),
                                            headers={"content-type": FORM})  # fmt: skip
        query = encode_form(params).decode("ascii")
        separator = "&" if "?" in self._server_url else "?"
        return self._http.build_request(request.http_method, self._server_url + separator + query)

    def _log(self, request: IopRequest, response: IopResponse) -> None:
        if response.code not in (None, "0"):
            log.error("%s failed: %s", request.api_name, response)
        elif self.log_level in (P_LOG_LEVEL_DEBUG, P_LOG_LEVEL_INFO):
            log.info("%s: %s", request.api_name, response)


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = msgspec.json.decode(answer.content)
    except msgspec.DecodeError:
        body = None
    if not isinstance(body, dict):
        raise InvalidResponseError(
            f"HTTP {answer.status_code} from {answer.request.url.copy_with(query=None)}: the answer is not a JSON "
            f"object (starts {answer.content[:60]!r}); check the server URL (.../sync or .../rest)",
            http_status=answer.status_code,
            content=answer.content,
        )
    return body

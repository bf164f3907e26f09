"""Rendering answers in the platform's three shapes (PROTOCOL.md section 6).

- streamlined (`simplify=true`): `{"result": ..., "code": "0", "request_id": ...}`
- wrapped (the default): one root key named after the method
- flat: system methods on /rest, like streamlined but with the fields at the top level

Results arrive already encoded, so an answer is a few byte joins; request ids are the
service's own alphanumeric strings and need no escaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

import msgspec

from .errors import METHOD_ERROR_CODE, METHOD_ERROR_MSG, ProtocolError

Shape = Literal["streamlined", "wrapped", "flat"]
CONTENT_TYPE: Final = b"application/json;charset=UTF-8"

_encode = msgspec.json.Encoder().encode


def shape_for(params: Mapping[str, str], *, system: bool) -> Shape:
    if system:
        return "flat"
    return "streamlined" if params.get("simplify") == "true" else "wrapped"


def response_key(api_name: str) -> str:
    """`aliexpress.trade.ds.order.get` -> `aliexpress_trade_ds_order_get_response`."""
    return api_name.strip("/").replace(".", "_").replace("/", "_") + "_response"


def render_result(result: bytes, shape: Shape, request_id: str, api_name: str) -> bytes:
    rid = request_id.encode()
    if shape == "wrapped":
        key = response_key(api_name).encode()
        return b'{"' + key + b'":{"result":' + result + b',"request_id":"' + rid + b'"}}'
    return b'{"result":' + result + b',"code":"0","request_id":"' + rid + b'"}'


def render_flat(fields: Mapping[str, object], request_id: str) -> bytes:
    return _encode({**fields, "code": "0", "request_id": request_id})


def render_error(error: ProtocolError, shape: Shape, request_id: str) -> bytes:
    if shape != "wrapped":
        return _encode({"type": error.type, "code": error.code, "message": error.message, "request_id": request_id})
    if error.method_error:
        body: dict[str, str] = {
            "type": error.type,
            "code": METHOD_ERROR_CODE,
            "msg": METHOD_ERROR_MSG,
            "sub_code": error.code,
            "sub_msg": error.message,
            "request_id": request_id,
        }
    else:
        body = {"type": error.type, "code": error.code, "msg": error.message, "request_id": request_id}
    return _encode({"error_response": body})

"""aliexpress.trade.ds.order.get: one order of the token's account (PROTOCOL.md section 5)."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

import msgspec

from ..protocol import order_result
from ..protocol.errors import ProtocolError, invalid_parameter, missing_parameter
from ..protocol.shapes import Shape
from ..store import NotFoundError, StoreUnavailableError
from ..store.base import DocKind
from .base import Call, Method

NAME = "aliexpress.trade.ds.order.get"
PARAM = "single_order_query"
_decode = msgspec.json.decode


def parse(params: Mapping[str, str]) -> int:
    """The order id of `single_order_query`: `{"order_id": "10000001"}` or a JSON number."""
    raw = params.get(PARAM)
    if raw is None or raw == "":
        raise missing_parameter(PARAM)
    try:
        query = _decode(raw)
    except msgspec.DecodeError:
        raise invalid_parameter(PARAM, "it is not valid JSON") from None
    if not isinstance(query, dict):
        raise invalid_parameter(PARAM, 'it must be a JSON object such as {"order_id":"10000001"}')
    if any(isinstance(value, (dict, list)) for value in query.values()):
        raise invalid_parameter(PARAM, "it must not contain nested objects or lists")
    if "order_id" not in query:
        raise invalid_parameter(PARAM, "order_id is missing")
    value = query["order_id"]
    if isinstance(value, str) and value.isascii() and value.isdigit():
        order_id = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        order_id = value
    else:
        raise invalid_parameter(PARAM, "order_id must be a positive 64-bit integer")
    if not 0 < order_id <= order_result.MAX_ID:
        raise invalid_parameter(PARAM, "order_id must be a positive 64-bit integer")
    return order_id


async def run(call: Call, order_id: int) -> bytes:
    token = call.token
    assert token is not None  # the gateway checked it: this method needs a token
    if NAME not in call.app.apis or not token.dropshipper:
        raise ProtocolError("isv.insufficient-permission")
    kind = _kind(call.shape)
    order = call.order  # read with the token: `prefetch` below names it to the gateway
    # A missing order answers exactly as an order of another account, so ids cannot be probed.
    if order is None or order.user_id != token.user_id:
        raise ProtocolError("isv.invalid-authorization")
    if order.zone == call.settings.display_zone:
        return order.doc
    return await _rezoned(call, order_id, ZoneInfo(order.zone), kind)


def _kind(shape: Shape) -> DocKind:
    return "streamlined" if shape == "streamlined" else "wrapped"


def prefetch(order_id: int, shape: Shape) -> tuple[int, DocKind]:
    return order_id, _kind(shape)


async def _rezoned(call: Call, order_id: int, source: ZoneInfo, kind: DocKind) -> bytes:
    """An order stored under another display zone, shown in the service's zone (the slow path)."""
    try:
        stored = await call.store.get_order(order_id, "streamlined")
    except (NotFoundError, StoreUnavailableError):
        raise ProtocolError("isp.service-unavailable") from None
    moved = order_result.rezone(order_result.decode_result(stored.doc), source, call.settings.zone)
    if kind == "wrapped":
        return order_result.encode_wrapped(moved)
    return order_result.encode_streamlined(moved)


METHOD = Method(NAME, parse, run, prefetch=prefetch)

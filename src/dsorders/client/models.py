"""Typed answers: an order and a token, decoded from either response shape.

Field names are Python's; the wire's are given with `name=` where they differ
(`created_at` is `gmt_create`, `paid_at` is `order_paidtime_string`, ...). Money is a
`Decimal` with its currency; times are timezone-aware; enums keep values they do not know.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from ..protocol.order_result import GMT_FORMAT, parse_zoned

__all__ = ["ChildOrder", "Logistics", "LogisticsStatus", "Money", "Order", "OrderStatus", "Store", "Token"]


class _OpenEnum(enum.StrEnum):
    """A string enum that answers a value it does not know with a new member, not an error.

    The platform adds statuses now and then; an unknown one compares equal to its string.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member


class OrderStatus(_OpenEnum):
    PLACE_ORDER_SUCCESS = "PLACE_ORDER_SUCCESS"
    PAYMENT_PROCESSING = "PAYMENT_PROCESSING"
    WAIT_SELLER_EXAMINE_MONEY = "WAIT_SELLER_EXAMINE_MONEY"
    RISK_CONTROL = "RISK_CONTROL"
    RISK_CONTROL_HOLD = "RISK_CONTROL_HOLD"
    WAIT_GROUP = "WAIT_GROUP"
    WAIT_COMPLETE_ADDRESS = "WAIT_COMPLETE_ADDRESS"
    WAIT_SELLER_SEND_GOODS = "WAIT_SELLER_SEND_GOODS"
    SELLER_PART_SEND_GOODS = "SELLER_PART_SEND_GOODS"
    WAIT_BUYER_ACCEPT_GOODS = "WAIT_BUYER_ACCEPT_GOODS"
    FUND_PROCESSING = "FUND_PROCESSING"
    IN_ISSUE = "IN_ISSUE"
    IN_FROZEN = "IN_FROZEN"
    IN_CANCEL = "IN_CANCEL"
    FINISH = "FINISH"


class LogisticsStatus(_OpenEnum):
    DEFAULT = "DEFAULT"
    WAIT_SELLER_SEND_GOODS = "WAIT_SELLER_SEND_GOODS"
    SELLER_SEND_PART_GOODS = "SELLER_SEND_PART_GOODS"
    SELLER_SEND_GOODS = "SELLER_SEND_GOODS"
    BUYER_ACCEPT_GOODS = "BUYER_ACCEPT_GOODS"
    NO_LOGISTICS = "NO_LOGISTICS"


class Money(msgspec.Struct, frozen=True):
    amount: Decimal
    currency: str = msgspec.field(name="currency_code")


class Logistics(msgspec.Struct, frozen=True, kw_only=True):
    service: str | None = msgspec.field(default=None, name="logistics_service")
    tracking_number: str | None = msgspec.field(default=None, name="logistics_no")


class Store(msgspec.Struct, frozen=True, kw_only=True):
    id: int = msgspec.field(name="store_id")
    name: str | None = msgspec.field(default=None, name="store_name")
    url: str | None = msgspec.field(default=None, name="store_url")


class ChildOrder(msgspec.Struct, frozen=True, kw_only=True):
    product_id: int
    product_name: str | None = None
    product_count: int
    sku_id: str | None = None
    product_price: Money | None = None
    sale_fee: Money | None = None
    sale_discount_fee: Money | None = None
    shipping_fee: Money | None = None
    shipping_discount_fee: Money | None = None
    actual_fee: Money | None = None
    actual_shipping_fee: Money | None = None
    actual_tax_fee: Money | None = None
    price_include_tax: bool | None = None
    already_include_tax: bool | None = None
    end_reason: str | None = None


class Order(msgspec.Struct, frozen=True, kw_only=True):
    """One order, as `Client.get_order` returns it."""

    order_id: int
    status: OrderStatus = msgspec.field(name="order_status")
    created_at: datetime = msgspec.field(name="gmt_create")
    paid_at: datetime | None = msgspec.field(default=None, name="order_paidtime_string")
    pay_timeout_seconds: int | None = msgspec.field(default=None, name="pay_timeout_second")
    order_amount: Money | None = None
    user_order_amount: Money | None = None
    store: Store | None = msgspec.field(default=None, name="store_info")
    logistics_status: LogisticsStatus | None = None
    logistics: list[Logistics] = msgspec.field(default_factory=list, name="logistics_info_list")
    child_orders: list[ChildOrder] = msgspec.field(default_factory=list, name="child_order_list")


class Token(msgspec.Struct, frozen=True, kw_only=True):
    """An access token and its refresh token, as `create_token` and `refresh_token` return them."""

    access_token: str
    refresh_token: str | None = None
    expires_in: int
    refresh_expires_in: int = 0
    expires_at: datetime | None = msgspec.field(default=None, name="expire_time")
    refresh_expires_at: datetime | None = msgspec.field(default=None, name="refresh_token_valid_time")
    user_id: int | None = None
    account_id: int | str | None = None
    user_nick: str | None = None
    account: str | None = None
    account_platform: str | None = None
    sp: str | None = None
    locale: str | None = None
    request_id: str | None = None


def _unwrap_list(value: Any) -> Any:
    """The wrapped shape's `{"aeop_child_order_info": [...]}` into the list itself."""
    if isinstance(value, Mapping) and len(value) == 1:
        (inner,) = value.values()
        if isinstance(inner, list):
            return inner
    return value


def order_from_result(result: Mapping[str, Any], order_id: int, zone: ZoneInfo) -> Order:
    """An `Order` from a `result` object of either shape; `gmt_create` is read in `zone`."""
    doc = dict(result)
    doc["order_id"] = order_id
    for key in ("logistics_info_list", "child_order_list"):
        if key in doc:
            doc[key] = _unwrap_list(doc[key])
    if isinstance(doc.get("gmt_create"), str):
        doc["gmt_create"] = datetime.strptime(doc["gmt_create"], GMT_FORMAT).replace(tzinfo=zone)
    if isinstance(doc.get("order_paidtime_string"), str):
        doc["order_paidtime_string"] = _paid_time(doc["order_paidtime_string"], zone)
    return msgspec.convert(doc, Order, strict=False)


def _paid_time(value: str, zone: ZoneInfo) -> datetime:
    """`2019-06-03T18:05:47-07:00[America/Los_Angeles]`, or ISO-8601 alone, or the `gmt_create` form."""
    if "[" in value:
        return parse_zoned(value)
    if "T" in value:
        return datetime.fromisoformat(value)
    return datetime.strptime(value, GMT_FORMAT).replace(tzinfo=zone)


def token_from_fields(fields: Mapping[str, Any]) -> Token:
    doc = dict(fields)
    for key in ("expire_time", "refresh_token_valid_time"):
        value = doc.get(key)
        if isinstance(value, (int, str)) and str(value).isdigit():
            doc[key] = datetime.fromtimestamp(int(value) / 1000, UTC)
    return msgspec.convert(doc, Token, strict=False)

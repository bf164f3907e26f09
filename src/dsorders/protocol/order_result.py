"""The `result` of aliexpress.trade.ds.order.get: its fields, their validation and both shapes.

Field order is the seed example's, and so is the encoded order. Every scalar is a string
in the streamlined shape; the wrapped shape wraps lists in item objects and sends
`store_id`, `product_id` and `product_count` as numbers.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo

import msgspec
from msgspec.structs import replace

ORDER_STATUSES: Final = (
    "PLACE_ORDER_SUCCESS", "PAYMENT_PROCESSING", "WAIT_SELLER_EXAMINE_MONEY", "RISK_CONTROL",
    "RISK_CONTROL_HOLD", "WAIT_GROUP", "WAIT_COMPLETE_ADDRESS", "WAIT_SELLER_SEND_GOODS",
    "SELLER_PART_SEND_GOODS", "WAIT_BUYER_ACCEPT_GOODS", "FUND_PROCESSING", "IN_ISSUE",
    "IN_FROZEN", "IN_CANCEL", "FINISH",
)  # fmt: skip
LOGISTICS_STATUSES: Final = (
    "DEFAULT", "WAIT_SELLER_SEND_GOODS", "SELLER_SEND_PART_GOODS", "SELLER_SEND_GOODS",
    "BUYER_ACCEPT_GOODS", "NO_LOGISTICS",
)  # fmt: skip

OrderStatus = Literal[
    "PLACE_ORDER_SUCCESS", "PAYMENT_PROCESSING", "WAIT_SELLER_EXAMINE_MONEY", "RISK_CONTROL",
    "RISK_CONTROL_HOLD", "WAIT_GROUP", "WAIT_COMPLETE_ADDRESS", "WAIT_SELLER_SEND_GOODS",
    "SELLER_PART_SEND_GOODS", "WAIT_BUYER_ACCEPT_GOODS", "FUND_PROCESSING", "IN_ISSUE",
    "IN_FROZEN", "IN_CANCEL", "FINISH",
]  # fmt: skip
LogisticsStatus = Literal[
    "DEFAULT", "WAIT_SELLER_SEND_GOODS", "SELLER_SEND_PART_GOODS", "SELLER_SEND_GOODS",
    "BUYER_ACCEPT_GOODS", "NO_LOGISTICS",
]  # fmt: skip

MAX_ID: Final = 2**63 - 1
DEFAULT_ZONE: Final = "America/Los_Angeles"
GMT_FORMAT: Final = "%Y-%m-%d %H:%M:%S"

# ISO 4217 minor units where they are not 2.
_MINOR_UNITS: Final = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip

# Lengths are checked while decoding; formats (digits, times, money) by `check_result`, which
# costs a fraction of per-field regular expressions and names the field that fails.
Digits = Annotated[str, msgspec.Meta(min_length=1, max_length=19)]
Flag = Literal["true", "false"]
GmtTime = Annotated[str, msgspec.Meta(min_length=19, max_length=19)]
ZonedTime = Annotated[str, msgspec.Meta(min_length=26, max_length=90)]
CurrencyCode = Annotated[str, msgspec.Meta(min_length=3, max_length=3)]
Amount = Annotated[str, msgspec.Meta(min_length=1, max_length=24)]
Text = Annotated[str, msgspec.Meta(max_length=2048)]


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


class Money(msgspec.Struct, forbid_unknown_fields=True):
    amount: Amount
    currency_code: CurrencyCode


class LogisticsInfo(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    logistics_service: Text | None = None
    logistics_no: Text | None = None


class StoreInfo(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    store_id: Digits
    store_name: Text | None = None
    store_url: Text | None = None


class ChildOrder(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    shipping_discount_fee: Money | None = None
    sale_fee: Money | None = None
    end_reason: Text | None = None
    actual_fee: Money | None = None
    product_count: Digits
    sku_id: Text | None = None
    sale_discount_fee: Money | None = None
    product_price: Money | None = None
    price_include_tax: Flag | None = None
    product_name: Text | None = None
    shipping_fee: Money | None = None
    actual_shipping_fee: Money | None = None
    product_id: Digits
    already_include_tax: Flag | None = None
    actual_tax_fee: Money | None = None


class OrderResult(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    gmt_create: GmtTime
    order_status: OrderStatus
    logistics_info_list: list[LogisticsInfo] = msgspec.field(default_factory=list)
    pay_timeout_second: Digits | None = None
    store_info: StoreInfo | None = None
    user_order_amount: Money | None = None
    order_paidtime_string: ZonedTime | None = None
    order_amount: Money | None = None
    child_order_list: list[ChildOrder] = msgspec.field(default_factory=list)
    logistics_status: LogisticsStatus | None = None


class OrderRecord(OrderResult, kw_only=True):
    """One line of an import or export file: the result plus its order id and owner.

    Both ids are required (`decode_record` says so); they default to None so that, once read
    and cleared, the record encodes exactly as its result.
    """

    order_id: Digits | int | None = None
    buyer_user_id: Digits | int | None = None


RESULT_FIELDS: Final = OrderResult.__struct_fields__

_encoder = msgspec.json.Encoder()
_result_decoder = msgspec.json.Decoder(OrderResult)
_record_decoder = msgspec.json.Decoder(OrderRecord)


class InvalidRecordError(ValueError):
    """A record that does not validate; `path` names the field (`$.child_order_list[0].sku_id`)."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.path = path


_UNKNOWN_FIELD: Final = "Object contains unknown field `"


def _split_path(message: str) -> tuple[str, str]:
    head, sep, path = message.rpartition(" - at `")
    head, path = (head, path.rstrip("`")) if sep else (message, "$")
    if head.startswith(_UNKNOWN_FIELD):
        # Name the unknown field itself, not the object that holds it.
        return "unknown field", f"{path}.{head.removeprefix(_UNKNOWN_FIELD).rstrip('`')}"
    return head, path


def _check_id(value: str | int | None, name: str) -> int:
    if value is None:
        raise InvalidRecordError(f"Object missing required field `{name}`")
    path = "$." + name
    if isinstance(value, str):
        _check_digits(value, path)
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise InvalidRecordError(f"must be a positive 64-bit integer, got {value!r}", path)
    return number


def _check_digits(value: str, path: str) -> None:
    if not _is_digits(value):
        raise InvalidRecordError(f"must be a string of digits, got {value!r}", path)


_AMOUNTS: Final = {
    digits: re.compile(r"-?[0-9]{1,15}" + (rf"\.[0-9]{{{digits}}}" if digits else "")) for digits in (0, 2, 3)
}
_CURRENCY: Final = re.compile("[A-Z]{3}")


def _money_ok(money: Money) -> bool:
    currency = money.currency_code
    return bool(
        currency.isascii()
        and currency.isalpha()
        and currency.isupper()
        and _AMOUNTS[_MINOR_UNITS.get(currency, 2)].fullmatch(money.amount)
    )


def _check_money(money: Money, path: str) -> None:
    if _money_ok(money):
        return
    currency, amount = money.currency_code, money.amount
    digits = _MINOR_UNITS.get(currency, 2)
    if not _CURRENCY.fullmatch(currency):
        raise InvalidRecordError(f"must be an ISO 4217 code such as USD, got {currency!r}", path + ".currency_code")
    if not re.fullmatch(r"-?[0-9]{1,15}(\.[0-9]+)?", amount):
        raise InvalidRecordError(f"must be a decimal number such as 199.00, got {amount!r}", path + ".amount")
    raise InvalidRecordError(f"amount {amount!r} must have {digits} decimal places for {currency}", path)


_CHILD_MONEY: Final = (
    "shipping_discount_fee", "sale_fee", "actual_fee", "sale_discount_fee", "product_price", "shipping_fee",
    "actual_shipping_fee", "actual_tax_fee",
)  # fmt: skip


def _is_digits(value: str) -> bool:
    return value.isdigit() and value.isascii()


def check_result(result: OrderResult) -> None:
    """The formats the decoder leaves to us: digits, times, money; InvalidRecordError names the field.

    Field paths are built only for a field that fails: formatting them costs more than the checks.
    """
    created = result.gmt_create
    if not (created[4] == created[7] == "-" and created[10] == " " and created[13] == created[16] == ":"):
        raise InvalidRecordError(f"must read yyyy-MM-dd HH:mm:ss, got {created!r}", "$.gmt_create")
    try:
        datetime.fromisoformat(created)
    except ValueError:
        raise InvalidRecordError(f"not a valid date and time: {created!r}", "$.gmt_create") from None
    if result.order_paidtime_string is not None:
        try:
            parse_zoned(result.order_paidtime_string)
        except (ValueError, KeyError) as exc:
            raise InvalidRecordError(str(exc), "$.order_paidtime_string") from None
    if result.pay_timeout_second is not None:
        _check_digits(result.pay_timeout_second, "$.pay_timeout_second")
    if result.store_info is not None:
        _check_digits(result.store_info.store_id, "$.store_info.store_id")
    for name in ("user_order_amount", "order_amount"):
        money = getattr(result, name)
        if money is not None:
            _check_money(money, "$." + name)
    for index, child in enumerate(result.child_order_list):
        if not (_is_digits(child.product_id) and _is_digits(child.product_count)):
            _check_digits(child.product_id, f"$.child_order_list[{index}].product_id")
            _check_digits(child.product_count, f"$.child_order_list[{index}].product_count")
        for name in _CHILD_MONEY:
            money = getattr(child, name)
            if money is not None and not _money_ok(money):
                _check_money(money, f"$.child_order_list[{index}].{name}")


def decode_record(line: bytes | str, zone: ZoneInfo) -> tuple[int, int, OrderResult]:
    """Validate one import line: (order_id, buyer_user_id, result) or InvalidRecordError."""
    try:
        record = _record_decoder.decode(line)
    except msgspec.ValidationError as exc:
        raise InvalidRecordError(*_split_path(str(exc))) from None
    except msgspec.DecodeError as exc:
        raise InvalidRecordError(f"not a JSON object: {exc}") from None
    order_id = _check_id(record.order_id, "order_id")
    user_id = _check_id(record.buyer_user_id, "buyer_user_id")
    record.order_id = record.buyer_user_id = None
    check_result(record)
    return order_id, user_id, record


def decode_result(doc: bytes) -> OrderResult:
    return _result_decoder.decode(doc)


def encode_streamlined(result: OrderResult) -> bytes:
    return _encoder.encode(result)


def encode_wrapped(result: OrderResult) -> bytes:
    """The wrapped shape: lists inside item objects, store and product ids and counts as numbers.

    Encoded from shallow copies with those fields swapped: a third of the cost of going
    through builtins, and the result itself is left as it was.
    """
    changes: dict[str, object] = {}
    if result.logistics_info_list:
        changes["logistics_info_list"] = {"aeop_order_logistics_info": result.logistics_info_list}
    if result.store_info is not None:
        changes["store_info"] = replace(result.store_info, store_id=int(result.store_info.store_id))
    if result.child_order_list:
        children = [
            replace(child, product_id=int(child.product_id), product_count=int(child.product_count))
            for child in result.child_order_list
        ]
        changes["child_order_list"] = {"aeop_child_order_info": children}
    return _encoder.encode(replace(result, **changes))


def encode_record(order_id: int, user_id: int, streamlined: bytes) -> bytes:
    """An export line: the ids first, then the stored result's fields in their order."""
    head = b'{"order_id":"%d","buyer_user_id":"%d"' % (order_id, user_id)
    return head + (b"," + streamlined[1:] if len(streamlined) > 2 else b"}")


def parse_zoned(value: str) -> datetime:
    """`2019-06-03T18:05:47-07:00[America/Los_Angeles]` into an aware datetime in that zone."""
    stamp, _, zone_name = value.partition("[")
    moment = datetime.fromisoformat(stamp)
    zone = ZoneInfo(zone_name.rstrip("]"))
    local = moment.astimezone(zone)
    if local.utcoffset() != moment.utcoffset():
        raise ValueError(f"offset of {value!r} does not match its zone")
    return local


def format_zoned(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return local.isoformat(timespec="seconds") + f"[{zone.key}]"


def gmt_create_instant(result: OrderResult, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(result.gmt_create).replace(tzinfo=zone)


def rezone(result: OrderResult, source: ZoneInfo, target: ZoneInfo) -> OrderResult:
    """The same order with its times shown in another display zone."""
    created = gmt_create_instant(result, source).astimezone(target).strftime(GMT_FORMAT)
    paid = result.order_paidtime_string
    if paid is not None:
        paid = format_zoned(parse_zoned(paid), target)
    return msgspec.structs.replace(result, gmt_create=created, order_paidtime_string=paid)

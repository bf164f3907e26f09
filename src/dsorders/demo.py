"""Demo data: realistic orders generated deterministically from a seed, and a store seeded with them.

`orders()` yields import records (the export format, as dicts); `seed_store()` puts the demo
accounts, app, token and orders in a store and can run again on the same database: it reuses
what is there. The demo token is derived from the app secret (`demo_token`), so a second run
finds the same token by its hash instead of having to keep it in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any, Final
from zoneinfo import ZoneInfo

from . import admin
from .orders_io import import_lines
from .protocol import order_result
from .protocol.order_result import LOGISTICS_STATUSES, ORDER_STATUSES
from .store import Account, App, NotFoundError, Store, hash_secret

SEED_ORDER_ID: Final = 10000001
FIRST_ORDER_ID: Final = 8190000000000001
DEMO_APP_NAME: Final = "dsorders demo"
DEMO_RATE_LIMIT: Final = 100_000
ACCOUNTS: Final = (
    ("demo-alice", "alice", "en_US"),
    ("demo-bruno", "bruno", "pt_BR"),
)
_BASE62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# (currency, user currency, price range in minor units): prices as shops in that market set them.
_MARKETS: Final = (
    ("USD", "USD", (199, 9_999)),
    ("USD", "EUR", (199, 9_999)),
    ("EUR", "EUR", (199, 8_999)),
    ("GBP", "GBP", (199, 7_999)),
    ("BRL", "BRL", (999, 49_999)),
    ("JPY", "JPY", (300, 15_000)),
    ("KRW", "KRW", (3_000, 150_000)),
    ("KWD", "KWD", (500, 30_000)),
)
_STORES: Final = (
    ("1103800006", "Kedi Bottles Store"),
    ("1046007", "John's Shoes Shop"),
    ("912345", "Shenzhen Gadget Factory Store"),
    ("1102456789", "HomeLife Kitchen Official Store"),
    ("1100987654", "Outdoor Trail Gear Store"),
    ("2457813", "Little Stars Toys Store"),
)
_PRODUCTS: Final = (
    "Stainless Steel Vacuum Water Bottle 750ml",
    "Wireless Bluetooth 5.3 Earbuds with Charging Case",
    "USB-C Fast Charging Cable 2m (3 pack)",
    "Silicone Kitchen Utensil Set, 12 pieces",
    "Ultralight Camping Headlamp, Rechargeable",
    "Men's Breathable Running Shoes",
    "LED Strip Lights 5m RGB with Remote",
    "Magnetic Phone Holder for Car Vent",
    "Children's Wooden Building Blocks, 100 pieces",
    "Waterproof Hiking Backpack 40L",
)
_CARRIERS: Final = (
    ("CAINIAO_FULFILLMENT_STD", "LP00{n:012d}"),
    ("CAINIAO_STANDARD", "LP00{n:012d}"),
    ("AliExpress Selection Standard", "AEL{n:012d}"),
    ("EMS", "CP{n:09d}CN"),
    ("YANWEN_JYT", "UG{n:09d}YP"),
    ("DHL", "{n:010d}"),
)
_UNPAID: Final = frozenset({"PLACE_ORDER_SUCCESS", "PAYMENT_PROCESSING"})
_CLOSED: Final = frozenset({"IN_CANCEL", "FINISH"})
# Why an order ended, by how far its goods got.
_END_REASONS: Final = {
    "BUYER_ACCEPT_GOODS": ("buyer_accept_goods", "buyer_accept_goods_timeout"),
    "NO_LOGISTICS": ("buyer_cancel_order", "seller_send_goods_timeout", "CANCELED"),
    "WAIT_SELLER_SEND_GOODS": ("buyer_cancel_order", "CANCELED"),
}
# Which logistics states an order status can be in; the first is the usual one.
_LOGISTICS_BY_STATUS: Final = {
    "PLACE_ORDER_SUCCESS": ("DEFAULT",),
    "PAYMENT_PROCESSING": ("DEFAULT",),
    "WAIT_SELLER_EXAMINE_MONEY": ("WAIT_SELLER_SEND_GOODS",),
    "RISK_CONTROL": ("WAIT_SELLER_SEND_GOODS",),
    "RISK_CONTROL_HOLD": ("WAIT_SELLER_SEND_GOODS",),
    "WAIT_GROUP": ("WAIT_SELLER_SEND_GOODS",),
    "WAIT_COMPLETE_ADDRESS": ("WAIT_SELLER_SEND_GOODS",),
    "WAIT_SELLER_SEND_GOODS": ("WAIT_SELLER_SEND_GOODS",),
    "SELLER_PART_SEND_GOODS": ("SELLER_SEND_PART_GOODS",),
    "WAIT_BUYER_ACCEPT_GOODS": ("SELLER_SEND_GOODS",),
    "FUND_PROCESSING": ("BUYER_ACCEPT_GOODS", "SELLER_SEND_GOODS"),
    "IN_ISSUE": ("SELLER_SEND_GOODS", "BUYER_ACCEPT_GOODS"),
    "IN_FROZEN": ("SELLER_SEND_GOODS",),
    "IN_CANCEL": ("NO_LOGISTICS", "WAIT_SELLER_SEND_GOODS"),
    "FINISH": ("BUYER_ACCEPT_GOODS", "NO_LOGISTICS"),
}
assert set(_LOGISTICS_BY_STATUS) == set(ORDER_STATUSES)
assert {s for states in _LOGISTICS_BY_STATUS.values() for s in states} <= set(LOGISTICS_STATUSES)


def seed_order() -> dict[str, Any]:
    """The seed page's example result."""
    text = resources.files("dsorders.data").joinpath("seed_order.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _money(minor: int, currency: str) -> dict[str, str]:
    digits = order_result.minor_units(currency)
    amount = Decimal(minor).scaleb(-digits) if digits else Decimal(minor)
    return {"amount": f"{amount:.{digits}f}", "currency_code": currency}


def _child(rng: random.Random, currency: str, price_range: tuple[int, int], end_reason: str | None) -> dict[str, Any]:
    count = rng.choice((1, 1, 1, 2, 3, 5))
    price = rng.randint(*price_range)
    shipping = rng.choice((0, 0, price // 10))
    discount = rng.choice((0, 0, price * count // 20))
    tax = (price * count - discount) * rng.choice((0, 0, 10, 20)) // 100
    child: dict[str, Any] = {
        "shipping_discount_fee": _money(0, currency),
        "sale_fee": _money(price * count, currency),
    }
    if end_reason is not None:
        child["end_reason"] = end_reason
    child |= {
        "actual_fee": _money(price * count - discount + shipping + tax, currency),
        "product_count": str(count),
        "sku_id": str(rng.randint(10**13, 10**14 - 1)),
        "sale_discount_fee": _money(discount, currency),
        "product_price": _money(price, currency),
        "price_include_tax": "true" if tax else "false",
        "product_name": rng.choice(_PRODUCTS),
        "shipping_fee": _money(shipping, currency),
        "actual_shipping_fee": _money(shipping, currency),
        "product_id": str(rng.randint(1005001000000000, 1005009000000000)),
        "already_include_tax": "true" if tax else "false",
        "actual_tax_fee": _money(tax, currency),
    }
    return child


def _total(children: list[dict[str, Any]], currency: str) -> int:
    digits = order_result.minor_units(currency)
    return sum(int(Decimal(child["actual_fee"]["amount"]).scaleb(digits)) for child in children)


def make_order(rng: random.Random, order_id: int, user_id: int, status: str, created: datetime) -> dict[str, Any]:
    """One order record (export format) in `status`, created at `created` (an aware datetime)."""
    currency, user_currency, price_range = rng.choice(_MARKETS)
    logistics_status = rng.choice(_LOGISTICS_BY_STATUS[status])
    end_reason = rng.choice(_END_REASONS[logistics_status]) if status in _CLOSED else None
    children = [_child(rng, currency, price_range, end_reason) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
    store_id, store_name = rng.choice(_STORES)
    total = _total(children, currency)
    record: dict[str, Any] = {
        "order_id": str(order_id),
        "buyer_user_id": str(user_id),
        "gmt_create": created.strftime(order_result.GMT_FORMAT),
        "order_status": status,
    }
    if logistics_status in ("SELLER_SEND_PART_GOODS", "SELLER_SEND_GOODS", "BUYER_ACCEPT_GOODS"):
        service, pattern = rng.choice(_CARRIERS)
        record["logistics_info_list"] = [
            {"logistics_service": service, "logistics_no": pattern.format(n=rng.randint(10**8, 10**9 - 1))}
        ]
    if status in _UNPAID:
        record["pay_timeout_second"] = str(rng.choice((86400, 172800, 259200)))
    record["store_info"] = {
        "store_id": store_id,
        "store_name": store_name,
        "store_url": f"https://www.aliexpress.com/store/{store_id}",
    }
    if user_currency == currency:
        record["user_order_amount"] = _money(total, currency)
    else:
        # A buyer paying in another currency: converted at a rate, rounded to that currency's units.
        record["user_order_amount"] = _money(total * 92 // 100, user_currency)
    if status not in _UNPAID:
        # Added in UTC: wall-clock arithmetic could land in a daylight-saving gap.
        paid = (created.astimezone(UTC) + timedelta(minutes=rng.randint(1, 90))).astimezone(created.tzinfo)
        record["order_paidtime_string"] = order_result.format_zoned(paid, created.tzinfo)  # type: ignore[arg-type]
    record["order_amount"] = _money(total, currency)
    record["child_order_list"] = children
    record["logistics_status"] = logistics_status
    return record


def orders(user_ids: tuple[int, ...], *, count: int = 600, seed: int = 1, zone: str = order_result.DEFAULT_ZONE,
           first_id: int = FIRST_ORDER_ID) -> Iterator[dict[str, Any]]:  # fmt: skip
    """`count` order records owned in turn by `user_ids`, every status covered, the same for the same seed."""
    rng = random.Random(seed)
    tz = ZoneInfo(zone)
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    for index in range(count):
        status = ORDER_STATUSES[index % len(ORDER_STATUSES)]
        created = (start + timedelta(seconds=rng.randint(0, 700 * 86400))).astimezone(tz)
        order_id = first_id + index * 7919
        yield make_order(rng, order_id, user_ids[index % len(user_ids)], status, created)


def demo_token(app_secret: str, generation: int) -> str:
    """The demo access token of one generation: derived from the secret, so a rerun finds it again."""
    digest = int.from_bytes(hmac.new(app_secret.encode(), f"dsorders-demo-token:{generation}".encode(),
                                     hashlib.sha512).digest(), "big")  # fmt: skip
    chars = []
    for _ in range(55):
        digest, index = divmod(digest, 62)
        chars.append(_BASE62[index])
    return "50000" + "".join(chars)


@dataclass(frozen=True)
class Demo:
    accounts: tuple[Account, ...]
    app: App
    access_token: str
    token_reused: bool
    order_id: int
    foreign_order_id: int
    orders: int
    created: bool


async def _accounts(store: Store, now: int) -> tuple[tuple[Account, ...], bool]:
    found: list[Account] = []
    created = False
    for login, nick, locale in ACCOUNTS:
        try:
            found.append(await store.find_account(login))
        except NotFoundError:
            found.append(await store.create_account(login=login, nick=nick, locale=locale, dropshipper=True, now=now))
            created = True
    return tuple(found), created


async def _app(store: Store, now: int) -> App:
    for app in await store.list_apps():
        if app.name == DEMO_APP_NAME:
            if not app.enabled or admin.ORDER_GET not in app.apis:
                await store.update_app(app.app_key, enabled=True)
                return await store.set_grant(app.app_key, admin.ORDER_GET, True)
            return app
    return await admin.create_app(store, name=DEMO_APP_NAME, now=now, status="online", rate_limit=DEMO_RATE_LIMIT)


async def _token(store: Store, app: App, user_id: int, now: int) -> tuple[str, bool]:
    """The first generation of demo token that is live (reused) or unused (issued now)."""
    generation = 0
    while True:
        token = demo_token(app.app_secret, generation)
        try:
            auth = await store.get_token_auth(hash_secret(token))
        except NotFoundError:
            await admin.issue_token(store, app, user_id, now=now, access_token=token)
            return token, False
        if not auth.revoked and auth.expires_at > now + 3_600_000 and auth.user_id == user_id:
            return token, True
        generation += 1


async def seed_store(store: Store, *, now: int, zone: str = order_result.DEFAULT_ZONE, count: int = 600,
                     seed: int = 1) -> Demo:  # fmt: skip
    """Put the demo data in `store`, or reuse what an earlier run put there."""
    accounts, created = await _accounts(store, now)
    app = await _app(store, now)
    token, reused = await _token(store, app, accounts[0].user_id, now)
    user_ids = tuple(account.user_id for account in accounts)
    tz = ZoneInfo(zone)
    first = _rezoned({"order_id": str(SEED_ORDER_ID), "buyer_user_id": str(user_ids[0]), **seed_order()}, tz)
    lines = [json.dumps(record).encode() for record in (first, *orders(user_ids, count=count, seed=seed, zone=zone))]
    # Upserts of the same records: a second run leaves the orders as they were.
    await import_lines(store, lambda: lines, zone=tz, now=now)
    foreign = (await store.order_ids(user_id=user_ids[1], limit=1))[0]
    total = await store.count_orders()
    return Demo(accounts, app, token, reused, SEED_ORDER_ID, foreign, total, created)


def _rezoned(record: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    if zone.key == order_result.DEFAULT_ZONE:
        return record
    ids = {"order_id": record["order_id"], "buyer_user_id": record["buyer_user_id"]}
    result = {key: value for key, value in record.items() if key not in ids}
    source = ZoneInfo(order_result.DEFAULT_ZONE)
    moved = order_result.rezone(order_result.decode_result(json.dumps(result).encode()), source, zone)
    return {**ids, **json.loads(order_result.encode_streamlined(moved))}

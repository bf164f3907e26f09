"""`dsorders.Client` against the real gateway: typed orders, and each error class from a real answer."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import dsorders
from dsorders import admin
from dsorders.client.models import order_from_result
from dsorders.gateway import Gateway
from dsorders.methods import default_methods
from dsorders.methods.base import Call
from dsorders.settings import Settings

from ..conftest import APP_SECRET, OTHER_ORDER_ID, OWNER_ID, SEED_ORDER_ID, seed_result
from .conftest import Served

ORDER_GET = "aliexpress.trade.ds.order.get"
LA = ZoneInfo("America/Los_Angeles")


def test_get_order_returns_the_typed_seed_order(served: Served) -> None:
    with served.client() as client:
        order = client.get_order(SEED_ORDER_ID)
    assert order.order_id == SEED_ORDER_ID
    assert order.status is dsorders.OrderStatus.FUND_PROCESSING
    assert order.created_at == datetime(2018, 8, 28, 5, 39, 1, tzinfo=LA)
    assert order.created_at.utcoffset() is not None
    assert order.paid_at == datetime(2019, 6, 4, 1, 5, 47, tzinfo=UTC)
    assert order.pay_timeout_seconds == 86400
    assert order.order_amount == dsorders.Money(Decimal("199.00"), "USD")
    assert order.store == dsorders.Store(
        id=1046007, name="John's Shoes Shop", url="https://www.aliexpress.com/store/1046007"
    )
    assert order.logistics == [dsorders.Logistics(service="EMS", tracking_number="CP0_318495001")]
    assert order.logistics_status is dsorders.LogisticsStatus.SELLER_SEND_GOODS
    (child,) = order.child_orders
    assert (child.product_id, child.product_count, child.sku_id) == (2100000012, 3, "12345")
    assert child.actual_tax_fee == dsorders.Money(Decimal("199.00"), "USD")
    assert child.price_include_tax is True and child.end_reason == "CANCELED"


def test_wrapped_and_streamlined_answers_give_the_same_order(served: Served) -> None:
    with served.client(simplify=True) as streamlined, served.client(simplify=False) as wrapped:
        assert wrapped.get_order(SEED_ORDER_ID) == streamlined.get_order(SEED_ORDER_ID)


def test_created_at_is_the_same_instant_whatever_zone_the_service_shows(served: Served, settings: Settings) -> None:
    shanghai = Gateway(settings.with_changes(display_zone="Asia/Shanghai"), served.store, clock=served.clock)
    with served.client() as here, served.client(shanghai, display_zone="Asia/Shanghai") as there:
        local, remote = here.get_order(SEED_ORDER_ID), there.get_order(SEED_ORDER_ID)
    assert remote.created_at == local.created_at and remote.paid_at == local.paid_at
    assert remote.created_at.tzinfo == ZoneInfo("Asia/Shanghai")


def test_unknown_statuses_are_kept_not_refused() -> None:
    result = {**seed_result(), "order_status": "AWAITING_DRONE", "logistics_status": "IN_ORBIT"}
    order = order_from_result(result, 1, LA)
    assert order.status == "AWAITING_DRONE" and isinstance(order.status, dsorders.OrderStatus)
    assert order.logistics_status == "IN_ORBIT"


def test_call_returns_the_answer_as_sent(served: Served) -> None:
    with served.client() as client:
        answer = client.call(ORDER_GET, {"single_order_query": '{"order_id":"10000001"}'}, simplify=False)
    assert answer["aliexpress_trade_ds_order_get_response"]["result"]["store_info"]["store_id"] == 1046007


def test_order_id_must_be_a_positive_integer(served: Served) -> None:
    with served.client() as client, pytest.raises(ValueError, match="positive integer"):
        client.get_order("12; DROP")


# --- each error class, raised by a real answer of the gateway ---------------------------------


def _new_app(served: Served, **options: Any) -> tuple[str, str, str]:
    """A fresh app with a token for the owner of the seed order: (app key, secret, token)."""
    app = served.portal.call(partial(admin.create_app, served.store, name="extra", now=int(served.clock() * 1000),
                                     **options))  # fmt: skip
    token = served.portal.call(partial(admin.issue_token, served.store, app, OWNER_ID, now=int(served.clock() * 1000)))
    return app.app_key, app.app_secret, token.access_token


def _raises(
    client: dsorders.Client, error: type[dsorders.ApiError], order_id: int = SEED_ORDER_ID
) -> dsorders.ApiError:
    with client, pytest.raises(error) as caught:
        client.get_order(order_id)
    assert type(caught.value) is error
    assert caught.value.request_id and caught.value.message
    assert str(caught.value).startswith(f"Request {caught.value.request_id}: ")
    return caught.value


@pytest.mark.parametrize("simplify", [True, False], ids=["streamlined", "wrapped"])
def test_wrong_secret_is_signature_error(served: Served, simplify: bool) -> None:
    client = dsorders.Client("34567890", APP_SECRET + "x", base_url="http://testserver", access_token="t",
                             clock=served.clock, simplify=simplify, transport=served.transport())  # fmt: skip
    assert _raises(client, dsorders.SignatureError).code == "IncompleteSignature"


def test_clock_three_hours_off_is_timestamp_error(served: Served) -> None:
    client = served.client(clock=lambda: served.clock() - 3 * 3600)
    assert _raises(client, dsorders.TimestampError).code == "InvalidTimestamp"


def test_unknown_app_key_is_app_key_error(served: Served) -> None:
    client = dsorders.Client("11111111", APP_SECRET, base_url="http://testserver", access_token="t",
                             clock=served.clock, transport=served.transport())  # fmt: skip
    assert _raises(client, dsorders.AppKeyError).code == "InvalidAppKey"


@pytest.mark.parametrize(("token", "code"), [("50000wrong", "IllegalAccessToken"), (None, "MissingAccessToken")])
def test_bad_or_missing_token_is_access_token_error(served: Served, token: str | None, code: str) -> None:
    assert _raises(served.client(access_token=token), dsorders.AccessTokenError).code == code


def test_second_call_over_a_limit_of_one_is_rate_limit_error(served: Served) -> None:
    app_key, secret, token = _new_app(served, rate_limit=1)
    client = dsorders.Client(app_key, secret, base_url="http://testserver", access_token=token, clock=served.clock,
                             max_retries=0, transport=served.transport())  # fmt: skip
    client.get_order(SEED_ORDER_ID)
    error = _raises(client, dsorders.RateLimitError)
    assert error.code == "ApiCallLimit" and error.retry_after == 1.0


@pytest.mark.parametrize("simplify", [True, False], ids=["streamlined", "wrapped"])
def test_malformed_query_is_parameter_error(served: Served, simplify: bool) -> None:
    with served.client(simplify=simplify) as client, pytest.raises(dsorders.ParameterError) as caught:
        client.call(ORDER_GET, {"single_order_query": "{not json"})
    assert caught.value.code == "InvalidParameter"
    assert "single_order_query" in caught.value.message


def test_app_without_the_grant_is_permission_denied(served: Served) -> None:
    app_key, secret, token = _new_app(served, apis=())
    client = dsorders.Client(app_key, secret, base_url="http://testserver", access_token=token, clock=served.clock,
                             transport=served.transport())  # fmt: skip
    assert _raises(client, dsorders.PermissionDeniedError).code == "isv.insufficient-permission"


@pytest.mark.parametrize("simplify", [True, False], ids=["streamlined", "wrapped"])
@pytest.mark.parametrize("order_id", [OTHER_ORDER_ID, 99999999], ids=["another-account", "missing"])
def test_order_of_another_account_is_authorization_error(served: Served, simplify: bool, order_id: int) -> None:
    error = _raises(served.client(simplify=simplify), dsorders.AuthorizationError, order_id)
    assert error.code == "isv.invalid-authorization" and error.type == "ISV"
    assert error.sub_code == (None if simplify else "isv.invalid-authorization")


def test_unreachable_store_is_service_unavailable(served: Served) -> None:
    served.portal.call(served.store.close)
    error = _raises(served.client(max_retries=0), dsorders.ServiceUnavailableError)
    assert error.code == "isp.service-unavailable" and error.type == "ISP"


def test_failing_method_is_internal_server_error(served: Served, settings: Settings) -> None:
    async def broken(call: Call, order_id: int) -> bytes:
        raise RuntimeError("the disk is on fire")

    methods = default_methods()
    methods[ORDER_GET] = dataclasses.replace(methods[ORDER_GET], run=broken)
    gateway = Gateway(settings, served.store, clock=served.clock, methods=methods)
    error = _raises(served.client(gateway), dsorders.InternalServerError)
    assert error.code == "InternalError" and "fire" not in error.message

"""`dsorders.AsyncClient` has the surface of `Client` and answers the same against the real gateway."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest

import dsorders
from dsorders.gateway import Gateway

from ..conftest import ACCESS_TOKEN, APP_KEY, APP_SECRET, OTHER_ORDER_ID, SEED_ORDER_ID, Clock
from .conftest import FailingFirst, Served, TickingClock

pytestmark = pytest.mark.anyio

PUBLIC = ("get_order", "create_token", "refresh_token", "call")


def _async_client(app: Any, clock: Any, **options: Any) -> dsorders.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    options = {"access_token": ACCESS_TOKEN, "backoff": 0, **options}
    return dsorders.AsyncClient(APP_KEY, APP_SECRET, base_url="http://testserver", transport=transport, clock=clock,
                                **options)  # fmt: skip


def test_same_constructor_and_calls_as_client() -> None:
    sync_init = inspect.signature(dsorders.Client.__init__).parameters
    async_init = inspect.signature(dsorders.AsyncClient.__init__).parameters
    assert list(sync_init) == list(async_init)
    for name in PUBLIC:
        sync_method, async_method = getattr(dsorders.Client, name), getattr(dsorders.AsyncClient, name)
        assert inspect.iscoroutinefunction(async_method) and not inspect.iscoroutinefunction(sync_method)
        assert inspect.signature(sync_method).parameters.keys() == inspect.signature(async_method).parameters.keys()


@pytest.mark.parametrize("simplify", [True, False], ids=["streamlined", "wrapped"])
async def test_get_order_returns_the_typed_order_in_both_shapes(gateway: Gateway, clock: Clock, simplify: bool) -> None:
    async with _async_client(gateway, clock, simplify=simplify) as client:
        order = await client.get_order(SEED_ORDER_ID)
    assert order.order_id == SEED_ORDER_ID and order.status is dsorders.OrderStatus.FUND_PROCESSING
    assert order.store is not None and order.store.id == 1046007
    assert order.child_orders[0].product_count == 3


def test_blocking_and_async_clients_give_equal_orders(served: Served) -> None:
    with served.client() as client:
        blocking = client.get_order(SEED_ORDER_ID)

    async def fetch() -> dsorders.Order:
        async with _async_client(served.gateway, served.clock) as client:
            return await client.get_order(SEED_ORDER_ID)

    assert served.portal.call(fetch) == blocking


@pytest.mark.parametrize(
    ("options", "order_id", "error"),
    [({"access_token": "50000wrong"}, SEED_ORDER_ID, dsorders.AccessTokenError),
     ({}, OTHER_ORDER_ID, dsorders.AuthorizationError),
     ({"simplify": False}, OTHER_ORDER_ID, dsorders.AuthorizationError)],
)  # fmt: skip
async def test_errors_raise_the_same_classes(gateway: Gateway, clock: Clock, options: dict[str, Any], order_id: int,
                                             error: type[dsorders.ApiError]) -> None:  # fmt: skip
    async with _async_client(gateway, clock, **options) as client:
        with pytest.raises(error) as caught:
            await client.get_order(order_id)
    assert caught.value.request_id


async def test_wrong_secret_is_signature_error(gateway: Gateway, clock: Clock) -> None:
    transport = httpx.ASGITransport(app=gateway)
    async with dsorders.AsyncClient(APP_KEY, "wrong", base_url="http://testserver", transport=transport,
                                    access_token=ACCESS_TOKEN, clock=clock) as client:  # fmt: skip
        with pytest.raises(dsorders.SignatureError):
            await client.get_order(SEED_ORDER_ID)


async def test_retries_busy_answers_re_signed(gateway: Gateway, clock: Clock) -> None:
    failing = FailingFirst(gateway, failures=2)
    async with _async_client(failing, TickingClock(clock()), max_retries=2) as client:
        assert (await client.get_order(SEED_ORDER_ID)).order_id == SEED_ORDER_ID
    assert len(failing.calls) == 3 and len({call["sign"] for call in failing.calls}) == 3


async def test_gives_up_after_max_retries(gateway: Gateway, clock: Clock) -> None:
    failing = FailingFirst(gateway, failures=3, code="ApiCallLimit")
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    async with _async_client(failing, clock, max_retries=2, backoff=0.5) as client:
        client._sleep = record  # type: ignore[method-assign]
        with pytest.raises(dsorders.RateLimitError):
            await client.get_order(SEED_ORDER_ID)
    assert len(failing.calls) == 3
    assert len(waits) == 2 and all(wait >= 1.0 for wait in waits)  # never sooner than the one-second ban


async def test_not_found_errors_are_not_retried(gateway: Gateway, clock: Clock) -> None:
    failing = FailingFirst(gateway, failures=0)
    async with _async_client(failing, clock, max_retries=3) as client:
        with pytest.raises(dsorders.AuthorizationError):
            await client.get_order(99999999)
    assert len(failing.calls) == 1

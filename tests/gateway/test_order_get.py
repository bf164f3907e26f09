"""order.get's own errors, both shapes, and what the gateway does around the method."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from dsorders import admin
from dsorders.gateway import Gateway
from dsorders.settings import Settings
from dsorders.store import Store

from ..conftest import OTHER_ORDER_ID, VECTOR_NOW_MS, Clock, execute_sql, seed_result
from .test_checks import APP_KEY, ORDER_GET, assert_error, call, signed

pytestmark = pytest.mark.anyio


async def test_seed_order_in_streamlined_shape_equals_the_seed_example(client: httpx.AsyncClient) -> None:
    response = await client.post("/sync", data=signed())
    assert list(response.json()) == ["result", "code", "request_id"]
    assert response.json()["result"] == seed_result()
    assert list(response.json()["result"]) == list(seed_result())


async def test_wrapped_shape_is_the_platform_sample(client: httpx.AsyncClient) -> None:
    body = await call(client, signed({"simplify": "false"}))
    assert list(body) == ["aliexpress_trade_ds_order_get_response"]
    inner = body["aliexpress_trade_ds_order_get_response"]
    assert list(inner) == ["result", "request_id"]
    assert inner["result"]["order_amount"] == {"amount": "199.00", "currency_code": "USD"}


async def test_order_of_another_account_is_invalid_authorization(client: httpx.AsyncClient) -> None:
    body = await call(client, signed({"single_order_query": f'{{"order_id":"{OTHER_ORDER_ID}"}}'}))
    assert_error(body, "isv.invalid-authorization")


async def test_missing_order_answers_exactly_like_a_foreign_one(client: httpx.AsyncClient) -> None:
    foreign = await call(client, signed({"single_order_query": f'{{"order_id":"{OTHER_ORDER_ID}"}}'}))
    missing = await call(client, signed({"single_order_query": '{"order_id":"99999999"}'}))
    del foreign["request_id"], missing["request_id"]
    assert foreign == missing


async def test_method_error_in_wrapped_shape_has_code_15_and_sub_code(client: httpx.AsyncClient) -> None:
    body = await call(client, signed({"simplify": "false", "single_order_query": '{"order_id":"99999999"}'}))
    error = body["error_response"]
    assert list(error) == ["type", "code", "msg", "sub_code", "sub_msg", "request_id"]
    assert (error["code"], error["msg"], error["sub_code"]) == (
        "15",
        "Remote service error",
        "isv.invalid-authorization",
    )
    assert error["sub_msg"] == "Accessing data not belonging to you，please check the parameters"


async def test_gateway_error_in_wrapped_shape_is_flat_error_response(client: httpx.AsyncClient) -> None:
    body = await call(client, signed({"simplify": "false"}, secret="wrong"))
    assert list(body["error_response"]) == ["type", "code", "msg", "request_id"]


async def test_app_not_granted_the_api_is_insufficient_permission(
    client: httpx.AsyncClient, store: Store, gateway: Gateway
) -> None:
    await store.set_grant(APP_KEY, ORDER_GET, False)
    gateway.pipeline.apps.invalidate()
    assert_error(await call(client, signed()), "isv.insufficient-permission")


async def test_account_not_enrolled_as_dropshipper_is_insufficient_permission(
    client: httpx.AsyncClient, store: Store
) -> None:
    shopper = await store.create_account(
        login="shopper", nick="s", locale="en_US", dropshipper=False, now=VECTOR_NOW_MS
    )
    app = await store.get_app(APP_KEY)
    token = await admin.issue_token(store, app, shopper.user_id, now=VECTOR_NOW_MS)
    assert_error(await call(client, signed({"session": token.access_token})), "isv.insufficient-permission")


async def test_store_failure_is_service_unavailable(client: httpx.AsyncClient, settings: Settings) -> None:
    execute_sql(settings.db, "ALTER TABLE orders RENAME TO orders_gone")
    assert_error(await call(client, signed()), "isp.service-unavailable")


async def test_unexpected_failure_is_internal_error_without_details(
    client: httpx.AsyncClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    execute_sql(settings.db, "UPDATE orders SET zone = 'No/Such_Zone'")
    body = await call(client, signed())
    assert_error(body, "InternalError")
    assert "Zone" not in str(body)
    assert body["request_id"] in caplog.text


async def test_order_stored_under_another_zone_is_shown_in_the_service_zone(
    store: Store, world: object, clock: Clock, tmp_path: object
) -> None:
    settings = Settings(db=store.url, display_zone="Asia/Shanghai")
    gateway = Gateway(settings, store, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://t") as client:
        streamlined = (await call(client, signed()))["result"]
        wrapped = (await call(client, signed({"simplify": "false"})))["aliexpress_trade_ds_order_get_response"]
    assert streamlined["gmt_create"] == "2018-08-28 20:39:01"
    assert streamlined["order_paidtime_string"] == "2019-06-04T09:05:47+08:00[Asia/Shanghai]"
    assert wrapped["result"]["gmt_create"] == "2018-08-28 20:39:01"
    assert wrapped["result"]["store_info"]["store_id"] == 1046007


async def test_every_answer_has_a_fresh_request_id(client: httpx.AsyncClient) -> None:
    ids = set()
    for params in (signed(), signed(secret="bad"), signed({"simplify": "false"})):
        response = await client.post("/sync", data=params)
        body = response.json()
        rid = body.get("request_id") or next(iter(body.values()))["request_id"]
        assert rid == response.headers["x-request-id"]
        assert len(rid) == 25 and rid.isalnum()
        ids.add(rid)
    assert len(ids) == 3


async def test_get_with_everything_in_the_query_works(client: httpx.AsyncClient) -> None:
    response = await client.get("/sync?" + urlencode(signed()))
    assert response.json()["code"] == "0"


async def test_query_and_body_are_merged(client: httpx.AsyncClient) -> None:
    params = signed()
    query = {k: params.pop(k) for k in ("app_key", "timestamp", "sign", "method")}
    response = await client.post("/sync?" + urlencode(query), data=params)
    assert response.json()["code"] == "0"


async def test_multipart_file_parts_are_not_parameters(client: httpx.AsyncClient) -> None:
    params = signed()
    files = {"image": ("a.png", b"\x89PNG not signed", "image/png")}
    response = await client.post("/sync", data=params, files=files)
    assert response.json()["code"] == "0"


async def test_repeated_name_with_the_same_value_counts_once(client: httpx.AsyncClient) -> None:
    params = signed()
    query = urlencode(params) + "&method=" + ORDER_GET
    assert (await client.get("/sync?" + query)).json()["code"] == "0"


async def test_repeated_name_with_another_value_is_invalid_parameter(client: httpx.AsyncClient) -> None:
    query = urlencode(signed()) + "&simplify=false"
    body = (await client.get("/sync?" + query)).json()
    reason = "it is given more than once with different values"
    assert_error(body, "InvalidParameter", f'The input parameter "simplify" is invalid: {reason}')


async def test_body_charset_is_honoured(client: httpx.AsyncClient) -> None:
    params = signed({"note": "订单"})
    body = urlencode(params, encoding="gbk").encode()
    headers = {"content-type": "application/x-www-form-urlencoded; charset=GBK"}
    assert (await client.post("/sync", content=body, headers=headers)).json()["code"] == "0"


async def test_unknown_charset_is_invalid_parameter(client: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded; charset=klingon"}
    body = (await client.post("/sync", content=urlencode(signed()).encode(), headers=headers)).json()
    assert_error(body, "InvalidParameter", "The input parameter \"charset\" is invalid: unknown charset 'klingon'")


async def test_body_over_the_limit_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/sync?simplify=true", content=b"x" * (1024 * 1024 + 1),
                                 headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert response.status_code == 413
    assert response.json()["code"] == "RequestTooLarge"


async def test_streamed_body_over_the_limit_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    response = await client.post(
        "/sync", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


async def test_health_says_whether_the_store_answers(client: httpx.AsyncClient, store: Store) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "store": "ok"}
    await store.close()
    response = await client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


async def test_unknown_path_is_404_and_other_verbs_are_405(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nope")).status_code == 404
    response = await client.put("/sync")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"

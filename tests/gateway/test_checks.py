"""Every row of the check table (PROTOCOL.md section 4), each triggered alone, in order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dsorders import admin
from dsorders.gateway import Gateway
from dsorders.protocol import signing
from dsorders.protocol.errors import CATALOGUE
from dsorders.store import Store

from ..conftest import ACCESS_TOKEN, APP_KEY, APP_SECRET, VECTOR_NOW_MS, Clock, World

pytestmark = pytest.mark.anyio

ORDER_GET = "aliexpress.trade.ds.order.get"


def signed(overrides: dict[str, Any] | None = None, *, secret: str = APP_SECRET, drop: tuple[str, ...] = (),
           sign_method: str = "sha256", api_name: str = ORDER_GET) -> dict[str, str]:  # fmt: skip
    params = {
        "app_key": APP_KEY,
        "method": ORDER_GET,
        "timestamp": str(VECTOR_NOW_MS),
        "sign_method": sign_method,
        "simplify": "true",
        "session": ACCESS_TOKEN,
        "single_order_query": '{"order_id":"10000001"}',
    }
    params.update(overrides or {})
    for name in drop:
        params.pop(name, None)
    params = {k: v for k, v in params.items() if v is not None}
    params["sign"] = signing.sign(params, secret, sign_method, api_name)  # type: ignore[arg-type]
    return params


async def call(client: httpx.AsyncClient, params: dict[str, str], path: str = "/sync") -> dict[str, Any]:
    response = await client.post(path, data=params)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def assert_error(body: dict[str, Any], code: str, message: str | None = None) -> None:
    error = body.get("error_response", body)
    assert error["code"] == code, body
    assert error["type"] == CATALOGUE[code].type
    assert (error.get("message") or error.get("msg")) == (message or CATALOGUE[code].message)
    assert error["request_id"]


async def test_valid_call_answers_the_order(client: httpx.AsyncClient) -> None:
    body = await call(client, signed())
    assert body["code"] == "0" and body["result"]["order_status"] == "FUND_PROCESSING"


async def test_format_other_than_json_is_invalid_format(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed({"format": "xml", "method": None})), "InvalidFormat")


async def test_no_method_is_missing_method(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed(drop=("method",))), "MissingMethod")


async def test_unknown_method_is_invalid_method(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed({"method": "aliexpress.trade.ds.order.list"})), "InvalidMethod")


async def test_business_method_on_rest_is_invalid_api_path(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed(), path="/rest"), "InvalidApiPath")
    assert_error(await call(client, signed(), path="/rest/aliexpress.trade.ds.order.get"), "InvalidApiPath")


async def test_no_app_key_is_missing_app_key(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed(drop=("app_key",))), "MissingAppKey")


async def test_unknown_app_key_is_invalid_app_key(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed({"app_key": "99999999"})), "InvalidAppKey")


async def test_disabled_app_is_invalid_app_key(client: httpx.AsyncClient, store: Store, gateway: Gateway) -> None:
    await store.update_app(APP_KEY, enabled=False)
    gateway.pipeline.apps.invalidate(APP_KEY)
    assert_error(await call(client, signed()), "InvalidAppKey")


async def test_caller_outside_the_allow_list_is_app_white_ip_limit(
    client: httpx.AsyncClient, store: Store, gateway: Gateway
) -> None:
    await store.update_app(APP_KEY, ip_allowlist=["10.0.0.0/8"])
    gateway.pipeline.apps.invalidate()
    assert_error(await call(client, signed()), "AppWhiteIpLimit")
    await store.update_app(APP_KEY, ip_allowlist=["10.0.0.0/8", "127.0.0.1/32"])
    gateway.pipeline.apps.invalidate()
    assert (await call(client, signed()))["code"] == "0"


async def test_no_timestamp_is_missing_timestamp(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed(drop=("timestamp",))), "MissingTimestamp")


@pytest.mark.parametrize(
    "timestamp",
    [
        str(VECTOR_NOW_MS - 7_201_000),
        str(VECTOR_NOW_MS + 7_201_000),
        "yesterday",
        "2026-13-01 00:00:00",
        "2026-12-04T12:00:00",
    ],
)
async def test_bad_or_stale_timestamp_is_invalid_timestamp(client: httpx.AsyncClient, timestamp: str) -> None:
    assert_error(await call(client, signed({"timestamp": timestamp})), "InvalidTimestamp")


@pytest.mark.parametrize("offset_s", [-7200, 7200, 0])
async def test_timestamp_at_the_window_edge_is_accepted(client: httpx.AsyncClient, offset_s: int) -> None:
    body = await call(client, signed({"timestamp": str(VECTOR_NOW_MS + offset_s * 1000)}))
    assert body["code"] == "0"


async def test_top_and_iso_timestamp_forms_are_accepted(client: httpx.AsyncClient, clock: Clock) -> None:
    clock.now = 1_796_398_500  # 2026-12-04 23:35:00 GMT+8
    assert (await call(client, signed({"timestamp": "2026-12-04 23:35:00"})))["code"] == "0"
    assert (await call(client, signed({"timestamp": "2026-12-04T15:35:00Z"})))["code"] == "0"
    assert (await call(client, signed({"timestamp": "2026-12-04T16:35:00+01:00"})))["code"] == "0"


async def test_no_sign_is_missing_signature(client: httpx.AsyncClient) -> None:
    params = signed()
    del params["sign"]
    assert_error(await call(client, params), "MissingSignature")


async def test_unknown_sign_method_is_invalid_sign_method(client: httpx.AsyncClient) -> None:
    params = signed()
    params["sign_method"] = "sha1"
    assert_error(await call(client, params), "InvalidSignMethod")


@pytest.mark.parametrize("sign_method", ["sha256", "md5", "hmac"])
async def test_every_sign_method_is_accepted(client: httpx.AsyncClient, sign_method: str) -> None:
    assert (await call(client, signed(sign_method=sign_method)))["code"] == "0"


async def test_lower_case_signature_is_accepted(client: httpx.AsyncClient) -> None:
    params = signed()
    params["sign"] = params["sign"].lower()
    assert (await call(client, params))["code"] == "0"


async def test_wrong_secret_is_incomplete_signature(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed(secret="not-the-secret")), "IncompleteSignature")


async def test_over_the_rate_is_api_call_limit_with_a_one_second_ban(
    client: httpx.AsyncClient, store: Store, gateway: Gateway, clock: Clock
) -> None:
    await store.update_app(APP_KEY, rate_limit=3)
    gateway.pipeline.apps.invalidate()
    clock.now = VECTOR_NOW_MS / 1000 + 0.1
    for _ in range(3):
        assert (await call(client, signed()))["code"] == "0"
    assert_error(await call(client, signed()), "ApiCallLimit")
    clock.now += 0.95  # a new second, but still inside the one-second ban
    assert_error(await call(client, signed()), "ApiCallLimit")
    clock.now += 0.1
    assert (await call(client, signed()))["code"] == "0"


async def test_bad_signature_does_not_spend_the_apps_quota(
    client: httpx.AsyncClient, store: Store, gateway: Gateway
) -> None:
    await store.update_app(APP_KEY, rate_limit=2)
    gateway.pipeline.apps.invalidate()
    for _ in range(5):
        assert_error(await call(client, signed(secret="forged")), "IncompleteSignature")
    assert (await call(client, signed()))["code"] == "0"


async def test_no_token_is_missing_access_token(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed(drop=("session",))), "MissingAccessToken")


async def test_access_token_parameter_is_accepted(client: httpx.AsyncClient) -> None:
    body = await call(client, signed({"access_token": ACCESS_TOKEN}, drop=("session",)))
    assert body["code"] == "0"


async def test_session_and_access_token_that_differ_are_invalid_parameter(client: httpx.AsyncClient) -> None:
    body = await call(client, signed({"access_token": "something-else"}))
    assert_error(body, "InvalidParameter",
                 'The input parameter "access_token" is invalid: session and access_token are both given, '
                 "with different values")  # fmt: skip


async def test_unknown_token_is_illegal_access_token(client: httpx.AsyncClient) -> None:
    assert_error(await call(client, signed({"session": "50000601nope"})), "IllegalAccessToken")


async def test_expired_token_is_illegal_access_token(client: httpx.AsyncClient, clock: Clock) -> None:
    clock.now += admin.LIFETIMES_MS["testing"][0] / 1000 + 1
    body = await call(client, signed({"timestamp": str(int(clock.now * 1000))}))
    assert_error(body, "IllegalAccessToken")


async def test_revoked_token_is_illegal_access_token_at_once(client: httpx.AsyncClient, world: World) -> None:
    assert (await call(client, signed()))["code"] == "0"
    await world.store.revoke_token(world.token.id, now=VECTOR_NOW_MS)
    assert_error(await call(client, signed()), "IllegalAccessToken")


async def test_token_of_another_app_is_illegal_access_token(client: httpx.AsyncClient, store: Store) -> None:
    other = await admin.create_app(store, name="other", now=VECTOR_NOW_MS, app_key="11112222", app_secret="s")
    owner = (await store.list_accounts())[0]
    foreign = await admin.issue_token(store, other, owner.user_id, now=VECTOR_NOW_MS)
    assert_error(await call(client, signed({"session": foreign.access_token})), "IllegalAccessToken")


async def test_no_query_is_missing_parameter(client: httpx.AsyncClient) -> None:
    body = await call(client, signed(drop=("single_order_query",)))
    assert_error(body, "MissingParameter",
                 'The input parameter "single_order_query" that is mandatory for processing this request '
                 "is not supplied")  # fmt: skip


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("{not json", "it is not valid JSON"),
        ('["10000001"]', 'it must be a JSON object such as {"order_id":"10000001"}'),
        ('{"order": "10000001"}', "order_id is missing"),
        ('{"order_id": {"id": "10000001"}}', "it must not contain nested objects or lists"),
        ('{"order_id": "abc"}', "order_id must be a positive 64-bit integer"),
        ('{"order_id": 0}', "order_id must be a positive 64-bit integer"),
        ('{"order_id": -5}', "order_id must be a positive 64-bit integer"),
        ('{"order_id": 1.5}', "order_id must be a positive 64-bit integer"),
        ('{"order_id": true}', "order_id must be a positive 64-bit integer"),
        ('{"order_id": "9223372036854775808"}', "order_id must be a positive 64-bit integer"),
        ('{"order_id": " 10000001"}', "order_id must be a positive 64-bit integer"),
    ],
)
async def test_malformed_query_is_invalid_parameter(client: httpx.AsyncClient, query: str, reason: str) -> None:
    body = await call(client, signed({"single_order_query": query}))
    assert_error(body, "InvalidParameter", f'The input parameter "single_order_query" is invalid: {reason}')


async def test_checks_answer_in_table_order(client: httpx.AsyncClient) -> None:
    """With every check failing, the first one answers; fixing it exposes the next."""
    failures = [
        ("InvalidFormat", {"format": "xml"}),
        ("InvalidMethod", {"method": "no.such.method"}),
        ("InvalidAppKey", {"app_key": "00000000"}),
        ("InvalidTimestamp", {"timestamp": "0"}),
        ("InvalidSignMethod", {"sign_method": "sha512"}),
    ]
    for index, (code, _) in enumerate(failures):
        params: dict[str, str] = signed()
        for _, change in failures[index:]:
            params.update(change)
        assert_error(await call(client, params), code)


async def test_token_errors_answer_before_parameter_errors(client: httpx.AsyncClient) -> None:
    bad_query = {"single_order_query": "{broken"}
    assert_error(await call(client, signed({**bad_query, "session": "unknown"})), "IllegalAccessToken")
    assert_error(await call(client, signed(bad_query, drop=("session",))), "MissingAccessToken")
    assert_error(await call(client, signed(drop=("session", "single_order_query"))), "MissingAccessToken")
    assert_error(await call(client, signed(bad_query)), "InvalidParameter",
                 'The input parameter "single_order_query" is invalid: it is not valid JSON')  # fmt: skip

"""The captured requests of three SDKs this project did not write, replayed through the app."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from .conftest import VECTORS, Clock, replay, seed_result

pytestmark = pytest.mark.anyio

ORDER_VECTORS = [v for v in VECTORS if v["method"] == "aliexpress.trade.ds.order.get"]


def _simplified(vector: dict[str, Any]) -> bool:
    request = vector["request"]
    text = request["query_string"] + base64.b64decode(request["body_b64"]).decode()
    return "simplify=true" in text


@pytest.mark.parametrize("vector", ORDER_VECTORS, ids=lambda v: v["id"])
async def test_order_get_vector_succeeds_in_its_shape(
    client: httpx.AsyncClient, clock: Clock, vector: dict[str, Any]
) -> None:
    clock.now = vector["timestamp_ms"] / 1000
    response = await replay(client, vector)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    body = response.json()
    if _simplified(vector):
        assert body["code"] == "0"
        assert body["result"] == seed_result()
        assert body["request_id"] == response.headers["x-request-id"]
    else:
        wrapped = body["aliexpress_trade_ds_order_get_response"]
        assert wrapped["request_id"] == response.headers["x-request-id"]
        result = wrapped["result"]
        assert result["store_info"]["store_id"] == 1046007
        child = result["child_order_list"]["aeop_child_order_info"][0]
        assert child["product_id"] == 2100000012 and child["product_count"] == 3
        assert result["logistics_info_list"]["aeop_order_logistics_info"][0]["logistics_no"] == "CP0_318495001"


def _flip_one_byte(text: str, name: str) -> str:
    """The same text with one character of parameter `name`'s value changed."""
    marker = name + "="
    start = text.index(marker) + len(marker)
    if text.startswith("%", start):
        start += 3
    original = text[start]
    replacement = "1" if original != "1" else "2"
    return text[:start] + replacement + text[start + 1 :]


def _tamper_cases() -> list[tuple[dict[str, Any], str]]:
    cases = []
    for vector in ORDER_VECTORS:
        request = vector["request"]
        text = request["query_string"] + "&" + base64.b64decode(request["body_b64"]).decode("latin-1")
        # (a changed app_key names another app: InvalidAppKey, tested with the gateway)
        for name in ("timestamp", "single_order_query", "session"):
            if name + "=" in text:
                cases.append((vector, name))
    return cases


@pytest.mark.parametrize(("vector", "name"), _tamper_cases(), ids=lambda x: x["id"] if isinstance(x, dict) else x)
async def test_one_changed_byte_is_incomplete_signature(client: httpx.AsyncClient, clock: Clock,
                                                         vector: dict[str, Any], name: str) -> None:  # fmt: skip
    clock.now = vector["timestamp_ms"] / 1000
    request = vector["request"]
    body = base64.b64decode(request["body_b64"])
    query = request["query_string"]
    if name == "timestamp":
        # Change the last digit: still within the window, so the signature check is what fails.
        if name + "=" in query:
            query = query.replace(f"timestamp={vector['timestamp_ms']}", f"timestamp={vector['timestamp_ms'] + 1}")
        else:
            body = body.replace(
                f"timestamp={vector['timestamp_ms']}".encode(), f"timestamp={vector['timestamp_ms'] + 1}".encode()
            )
    elif name + "=" in query:
        query = _flip_one_byte(query, name)
    elif b'name="' + name.encode() + b'"' in body:
        body = body.replace(b'"order_id"', b'"order_iD"') if name == "single_order_query" else body
    else:
        body = _flip_one_byte(body.decode(), name).encode()
    response = await replay(client, vector, body=body, query=query)
    body_json = response.json()
    error = body_json.get("error_response", body_json)
    assert error["code"] == "IncompleteSignature", body_json

"""The drop-in `iop` module: byte-identical to the official SDK on the wire, and without its faults."""

from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import parse_qsl

import httpx
import msgspec
import pytest

import iop
from dsorders.protocol import signing

from ..conftest import ACCESS_TOKEN, APP_KEY, APP_SECRET, OTHER_ORDER_ID, VECTORS, seed_result
from .conftest import Served

PY_VECTORS = [vector for vector in VECTORS if vector["id"].startswith("py-")]
SYSTEM = {
    "app_key",
    "sign_method",
    "timestamp",
    "partner_id",
    "method",
    "simplify",
    "format",
    "debug",
    "session",
    "sign",
}
QUERY = '{"order_id":"10000001"}'


def _sent(vector: dict[str, Any]) -> list[tuple[str, str]]:
    request = vector["request"]
    text = base64.b64decode(request["body_b64"]).decode() or request["query_string"]
    return parse_qsl(text, keep_blank_values=True)


def _replay_with_iop(vector: dict[str, Any]) -> httpx.Request:
    """What `iop` sends for the call a vector captured: same clock, same parameters, same settings."""
    captured: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json={"code": "0", "request_id": "r"})

    request = vector["request"]
    url = "http://gw.test" + request["path"]
    client = iop.IopClient(url, vector["app_key"], vector["app_secret"], transport=httpx.MockTransport(capture),
                           clock=lambda: vector["timestamp_ms"] / 1000)  # fmt: skip
    sent = dict(_sent(vector))
    if "debug" in sent:
        client.log_level = iop.P_LOG_LEVEL_DEBUG
    call = iop.IopRequest(vector["method"], request["http_method"])
    for name, value in _sent(vector):
        if name not in SYSTEM:
            call.add_api_param(name, value)
    if sent["simplify"] == "true":
        call.set_simplify()
    client.execute(call, vector["access_token"])
    return captured[0]


@pytest.mark.parametrize("vector", PY_VECTORS, ids=lambda vector: vector["id"])
def test_request_is_byte_identical_to_the_official_sdks(vector: dict[str, Any]) -> None:
    sent = _replay_with_iop(vector)
    request = vector["request"]
    assert sent.method == request["http_method"]
    assert sent.url.path == request["path"]
    assert sent.url.query.decode() == request["query_string"]
    assert sent.content == base64.b64decode(request["body_b64"])
    if request["http_method"] == "POST":
        assert sent.headers["content-type"] == request["headers"]["content-type"]


def test_vectors_cover_get_post_tokens_and_debug() -> None:
    ids = {vector["id"] for vector in PY_VECTORS}
    assert {"py-get", "py-post", "py-token-create", "py-token-refresh", "py-debug-unicode"} <= ids


def _client(served: Served) -> iop.IopClient:
    return iop.IopClient(
        "http://testserver/sync", APP_KEY, APP_SECRET, transport=served.transport(), clock=served.clock
    )


def _order_request(order_id: int = 10000001, *, simplify: bool = False, http_method: str = "POST") -> iop.IopRequest:
    request = iop.IopRequest("aliexpress.trade.ds.order.get", http_method)
    request.add_api_param("single_order_query", {"order_id": str(order_id)})
    if simplify:
        request.set_simplify()
    return request


@pytest.mark.parametrize("http_method", ["POST", "GET"])
def test_streamlined_answer_fills_code_and_body(served: Served, http_method: str) -> None:
    response = _client(served).execute(_order_request(simplify=True, http_method=http_method), ACCESS_TOKEN)
    assert (response.type, response.code, response.message) == (None, "0", None)
    assert response.body["result"] == seed_result()
    assert response.request_id == response.body["request_id"]


def test_wrapped_answer_fills_code_and_request_id(served: Served) -> None:
    response = _client(served).execute(_order_request(), ACCESS_TOKEN)
    wrapped = response.body["aliexpress_trade_ds_order_get_response"]
    assert response.type is None and response.code == "0" and response.request_id == wrapped["request_id"]


def test_wrapped_method_error_fills_type_code_and_message(served: Served) -> None:
    response = _client(served).execute(_order_request(OTHER_ORDER_ID), ACCESS_TOKEN)
    assert (response.type, response.code, response.message) == ("ISV", "15", "Remote service error")
    assert response.sub_code == "isv.invalid-authorization"
    assert response.request_id == response.body["error_response"]["request_id"]


def test_streamlined_gateway_error_fills_type_code_and_message(served: Served) -> None:
    response = _client(served).execute(_order_request(simplify=True), "50000wrong")
    assert (response.type, response.code) == ("ISV", "IllegalAccessToken")
    assert response.message == "The specified access token is invalid or expired"
    assert "type=ISV code=IllegalAccessToken" in str(response)


def test_dict_values_are_sent_and_signed_as_json(served: Served) -> None:
    captured: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json={"code": "0"})

    client = iop.IopClient("http://gw.test/sync", APP_KEY, APP_SECRET, transport=httpx.MockTransport(capture))
    client.execute(_order_request(), ACCESS_TOKEN)
    params = dict(parse_qsl(captured[0].content.decode()))
    assert params["single_order_query"] == QUERY
    assert signing.verify(params, APP_SECRET, params["sign"], "sha256", params["method"])


def test_file_parts_go_multipart_unsigned_and_are_accepted(served: Served) -> None:
    request = _order_request(simplify=True)
    request.add_file_param("image", ("label.png", b"\x89PNG not really", "image/png"))
    response = _client(served).execute(request, ACCESS_TOKEN)
    assert response.code == "0" and response.body["result"] == seed_result()


def test_timeout_raises_request_timeout_error() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    client = iop.IopClient("http://gw.test/sync", APP_KEY, APP_SECRET, timeout=1, transport=httpx.MockTransport(slow))
    with pytest.raises(iop.RequestTimeoutError, match="timeout"):
        client.execute(_order_request(), ACCESS_TOKEN)


def test_non_json_answer_raises_invalid_response_error() -> None:
    html = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>login</html>"))
    client = iop.IopClient("http://gw.test/sync", APP_KEY, APP_SECRET, transport=html)
    with pytest.raises(iop.InvalidResponseError, match=r"\.\.\./sync or \.\.\./rest") as caught:
        client.execute(_order_request(), ACCESS_TOKEN)
    assert ACCESS_TOKEN not in str(caught.value) and "gw.test/sync" in str(caught.value)


@pytest.mark.parametrize("token", [ACCESS_TOKEN, "50000wrong"], ids=["success", "error"])
def test_no_secret_or_token_is_logged(served: Served, caplog: pytest.LogCaptureFixture, token: str) -> None:
    client = _client(served)
    client.log_level = iop.P_LOG_LEVEL_DEBUG
    with caplog.at_level(logging.DEBUG):
        client.execute(_order_request(), token)
    assert caplog.records, "expected the call to be logged"
    for record in caplog.records:
        text = record.getMessage()
        assert APP_SECRET not in text and token not in text


def test_answer_body_is_the_whole_json_document(served: Served) -> None:
    response = _client(served).execute(_order_request(simplify=True), ACCESS_TOKEN)
    assert msgspec.json.decode(msgspec.json.encode(response.body)) == response.body

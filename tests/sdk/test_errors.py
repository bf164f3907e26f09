"""Error classes: the catalogue's codes mapped to classes, and both error envelopes read."""

from __future__ import annotations

import msgspec
import pytest

import dsorders
from dsorders.client._base import decode_answer, error_in, retry_delay
from dsorders.errors import ERROR_CLASSES, ApiError, error_class
from dsorders.protocol.errors import CATALOGUE, ProtocolError
from dsorders.protocol.shapes import render_error


def test_every_catalogue_code_maps_to_exactly_one_class() -> None:
    for code in CATALOGUE:
        claimed = [cls.__name__ for cls in ERROR_CLASSES if code in cls.codes]
        assert len(claimed) == 1, (code, claimed)
        assert error_class(code).__name__ == claimed[0]


def test_no_class_claims_a_code_outside_the_catalogue() -> None:
    for cls in ERROR_CLASSES:
        assert cls.codes <= set(CATALOGUE), cls.__name__


def test_every_error_class_is_exported_under_the_root() -> None:
    for cls in ERROR_CLASSES:
        assert getattr(dsorders, cls.__name__) is cls
        assert issubclass(cls, dsorders.ApiError) and issubclass(cls, dsorders.DsOrdersError)
    assert issubclass(dsorders.TransportError, dsorders.DsOrdersError)
    assert issubclass(dsorders.RequestTimeoutError, dsorders.TransportError)


def test_unknown_code_is_a_plain_api_error() -> None:
    assert error_class("isv.some-future-error") is ApiError


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("IncompleteSignature", "SignatureError"),
        ("InvalidTimestamp", "TimestampError"),
        ("InvalidAppKey", "AppKeyError"),
        ("IllegalAccessToken", "AccessTokenError"),
        ("ApiCallLimit", "RateLimitError"),
        ("InvalidParameter", "ParameterError"),
        ("RequestTooLarge", "ParameterError"),
        ("AppWhiteIpLimit", "PermissionDeniedError"),
        ("isv.insufficient-permission", "PermissionDeniedError"),
        ("isv.invalid-authorization", "AuthorizationError"),
        ("isp.service-unavailable", "ServiceUnavailableError"),
        ("InternalError", "InternalServerError"),
        ("InvalidCode", "TokenError"),
        ("IllegalRefreshToken", "TokenError"),
    ],
)
def test_code_maps_to_the_documented_class(code: str, name: str) -> None:
    assert error_class(code).__name__ == name


def test_str_reads_request_message_code() -> None:
    error = dsorders.AuthorizationError("Accessing data not belonging to you", code="isv.invalid-authorization",
                                        request_id="0ba2887315178178017221014")  # fmt: skip
    assert str(error) == ("Request 0ba2887315178178017221014: Accessing data not belonging to you "
                          "(isv.invalid-authorization)")  # fmt: skip


@pytest.mark.parametrize("shape", ["streamlined", "wrapped", "flat"])
@pytest.mark.parametrize("code", list(CATALOGUE))
def test_each_rendered_error_reads_back_as_its_class(shape: str, code: str) -> None:
    fields = {"name": "single_order_query", "reason": "it is not valid JSON", "limit": 10}
    body = render_error(ProtocolError(code, **fields), shape, "rid42")  # type: ignore[arg-type]
    error = error_in(msgspec.json.decode(body))
    assert type(error) is error_class(code)
    assert error.code == code and error.request_id == "rid42"
    assert error.message == ProtocolError(code, **fields).message


def test_wrapped_method_error_keeps_envelope_sub_code() -> None:
    envelope = {"type": "ISV", "code": "15", "msg": "Remote service error", "sub_code": "isv.invalid-authorization"}
    body = {"error_response": {**envelope, "sub_msg": "Not yours", "request_id": "r"}}
    error = error_in(body)
    assert isinstance(error, dsorders.AuthorizationError)
    assert (error.code, error.sub_code) == ("isv.invalid-authorization", "isv.invalid-authorization")
    assert (error.message, error.type) == ("Not yours", "ISV")


def test_platform_error_with_unknown_code_and_sub_code_uses_the_sub_code() -> None:
    envelope = {"type": "ISP", "code": "27", "msg": "Busy", "sub_code": "isp.service-unavailable"}
    body = {"error_response": {**envelope, "request_id": "r"}}
    assert isinstance(error_in(body), dsorders.ServiceUnavailableError)


def test_request_too_large_413_with_json_body_is_a_parameter_error() -> None:
    body = render_error(ProtocolError("RequestTooLarge", limit=1024), "streamlined", "r9")
    with pytest.raises(dsorders.ParameterError) as caught:
        decode_answer(413, body)
    assert caught.value.http_status == 413


def test_html_from_a_proxy_502_is_a_transport_error() -> None:
    with pytest.raises(dsorders.TransportError):
        decode_answer(502, b"<html>Bad Gateway</html>")


def test_html_with_200_is_an_invalid_response_naming_the_url_check() -> None:
    with pytest.raises(dsorders.InvalidResponseError, match="base URL"):
        decode_answer(200, b"<html>welcome</html>")


def test_json_404_is_an_invalid_response() -> None:
    with pytest.raises(dsorders.InvalidResponseError, match="HTTP 404"):
        decode_answer(404, b'{"error":"not found"}')


def test_rate_limit_retry_after_reads_the_ban() -> None:
    error = dsorders.RateLimitError(CATALOGUE["ApiCallLimit"].message, code="ApiCallLimit")
    assert error.retry_after == 1.0
    assert dsorders.RateLimitError("ban will last 5 seconds", code="ApiCallLimit").retry_after == 5.0


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    busy = dsorders.ServiceUnavailableError("busy", code="isp.service-unavailable")
    assert [retry_delay(n, busy, 0.5, 8.0, rand=lambda: 1.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert [retry_delay(n, busy, 0.5, 8.0, rand=lambda: 0.0) for n in range(3)] == [0.25, 0.5, 1.0]


def test_rate_limit_waits_at_least_the_ban() -> None:
    limited = dsorders.RateLimitError("this ban will last 1 seconds", code="ApiCallLimit")
    assert retry_delay(0, limited, 0.5, 8.0, rand=lambda: 0.0) == 1.0


def test_zero_backoff_never_waits() -> None:
    limited = dsorders.RateLimitError("this ban will last 1 seconds", code="ApiCallLimit")
    assert retry_delay(3, limited, 0, 8.0) == 0.0

"""Retries of the blocking client: what is retried, how often, re-signed each time, and the waits."""

from __future__ import annotations

import httpx
import pytest

import dsorders

from ..conftest import OTHER_ORDER_ID, SEED_ORDER_ID
from .conftest import FailingFirst, PortalTransport, Served, TickingClock


def _client(served: Served, app: FailingFirst, **options: object) -> dsorders.Client:
    return served.client(app, clock=TickingClock(served.clock()), **options)


def test_service_unavailable_twice_then_success_with_two_retries(served: Served) -> None:
    failing = FailingFirst(served.gateway, failures=2)
    with _client(served, failing, max_retries=2) as client:
        order = client.get_order(SEED_ORDER_ID)
    assert order.order_id == SEED_ORDER_ID
    assert len(failing.calls) == 3


def test_each_retry_is_signed_again_with_a_fresh_timestamp(served: Served) -> None:
    failing = FailingFirst(served.gateway, failures=2)
    with _client(served, failing, max_retries=2) as client:
        client.get_order(SEED_ORDER_ID)
    timestamps = [int(call["timestamp"]) for call in failing.calls]
    assert timestamps == sorted(set(timestamps))
    assert len({call["sign"] for call in failing.calls}) == 3


def test_gives_up_after_max_retries_with_the_last_error(served: Served) -> None:
    failing = FailingFirst(served.gateway, failures=5)
    with _client(served, failing, max_retries=2) as client, pytest.raises(dsorders.ServiceUnavailableError) as caught:
        client.get_order(SEED_ORDER_ID)
    assert len(failing.calls) == 3
    assert caught.value.request_id == "failed3"


def test_no_retries_when_max_retries_is_zero(served: Served) -> None:
    failing = FailingFirst(served.gateway, failures=1)
    with _client(served, failing, max_retries=0) as client, pytest.raises(dsorders.ServiceUnavailableError):
        client.get_order(SEED_ORDER_ID)
    assert len(failing.calls) == 1


@pytest.mark.parametrize("simplify", [True, False], ids=["streamlined", "wrapped"])
def test_rate_limit_is_retried(served: Served, simplify: bool) -> None:
    failing = FailingFirst(served.gateway, failures=1, code="ApiCallLimit")
    with _client(served, failing, max_retries=1, simplify=simplify) as client:
        assert client.get_order(SEED_ORDER_ID).order_id == SEED_ORDER_ID
    assert len(failing.calls) == 2


@pytest.mark.parametrize(
    ("code", "error"),
    [("isv.invalid-authorization", dsorders.AuthorizationError), ("IllegalAccessToken", dsorders.AccessTokenError),
     ("InternalError", dsorders.InternalServerError), ("IncompleteSignature", dsorders.SignatureError)],
)  # fmt: skip
def test_other_errors_are_not_retried(served: Served, code: str, error: type[dsorders.ApiError]) -> None:
    failing = FailingFirst(served.gateway, failures=1, code=code)
    with _client(served, failing, max_retries=3) as client, pytest.raises(error):
        client.get_order(SEED_ORDER_ID)
    assert len(failing.calls) == 1


def test_a_real_authorization_error_is_answered_once(served: Served) -> None:
    failing = FailingFirst(served.gateway, failures=0)
    with _client(served, failing, max_retries=3) as client, pytest.raises(dsorders.AuthorizationError):
        client.get_order(OTHER_ORDER_ID)
    assert len(failing.calls) == 1


class Flaky(httpx.BaseTransport):
    """Raises `error` for the first `failures` requests, then sends through `inner`."""

    def __init__(self, inner: PortalTransport, failures: int, error: type[httpx.TransportError]) -> None:
        self.inner = inner
        self.failures = failures
        self.error = error
        self.attempts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise self.error("the network failed on purpose", request=request)
        return self.inner.handle_request(request)


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError])
def test_transport_errors_are_retried(served: Served, error: type[httpx.TransportError]) -> None:
    flaky = Flaky(served.transport(), failures=2, error=error)
    client = dsorders.Client("34567890", "c0nf0rmance-secret-1f2e3d", base_url="http://testserver", transport=flaky,
                             access_token=served.world.token.access_token, clock=served.clock, backoff=0)  # fmt: skip
    with client:
        assert client.get_order(SEED_ORDER_ID).order_id == SEED_ORDER_ID
    assert flaky.attempts == 3


def test_timeouts_past_max_retries_raise_request_timeout(served: Served) -> None:
    flaky = Flaky(served.transport(), failures=9, error=httpx.ReadTimeout)
    client = dsorders.Client("34567890", "c0nf0rmance-secret-1f2e3d", base_url="http://testserver", transport=flaky,
                             access_token="t", clock=served.clock, backoff=0, max_retries=1)  # fmt: skip
    with client, pytest.raises(dsorders.RequestTimeoutError, match="timeout"):
        client.get_order(SEED_ORDER_ID)
    assert flaky.attempts == 2


def test_waits_grow_exponentially_between_attempts(served: Served) -> None:
    failing = FailingFirst(served.gateway, failures=3)
    waits: list[float] = []
    with _client(served, failing, max_retries=3, backoff=0.5, max_backoff=8.0) as client:
        client._sleep = waits.append  # type: ignore[method-assign]
        client.get_order(SEED_ORDER_ID)
    assert len(waits) == 3
    for attempt, wait in enumerate(waits):
        assert 0.5 * 2**attempt / 2 <= wait <= 0.5 * 2**attempt

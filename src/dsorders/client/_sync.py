"""`Client`: the typed, blocking client."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from ..errors import DsOrdersError
from . import models
from ._base import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_ZONE,
    ORDER_GET,
    TOKEN_CREATE,
    TOKEN_REFRESH,
    BaseClient,
    Call,
    decode_answer,
    order_query,
    translate,
)


class Client(BaseClient):
    """A client of the order API, on httpx.

    ```python
    with dsorders.Client(APP_KEY, APP_SECRET, base_url="https://api-sg.aliexpress.com",
                         access_token=TOKEN) as client:
        order = client.get_order(10000001)
    ```

    Parameters:
    * **app_key**, **app_secret** - the app's credentials.
    * **base_url** - the service's root; `/sync` and `/rest` are added per call.
    * **access_token** - the user's token, sent with business calls.
    * **timeout** - seconds for each attempt.
    * **max_retries** - further attempts after a `ServiceUnavailableError`, `RateLimitError`
      or `TransportError`, each re-signed, with exponential backoff from **backoff** seconds
      (0: no waiting) up to **max_backoff**.
    * **simplify** - ask for the streamlined shape (both shapes are read either way).
    * **display_zone** - the zone the service shows `gmt_create` in (America/Los_Angeles).
    * **transport** - an httpx transport, such as `httpx.MockTransport`.
    * **clock** - epoch seconds for the timestamps (tests set it).
    """

    _sleep = staticmethod(time.sleep)

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        *,
        base_url: str,
        access_token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        simplify: bool = True,
        display_zone: str | ZoneInfo = DEFAULT_ZONE,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(app_key, app_secret, base_url=base_url, access_token=access_token, timeout=timeout,
                         max_retries=max_retries, backoff=backoff, max_backoff=max_backoff, simplify=simplify,
                         display_zone=display_zone, clock=clock)  # fmt: skip
        self._http = httpx.Client(transport=transport, timeout=timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get_order(self, order_id: int | str, *, access_token: str | None = None) -> models.Order:
        """The order, if it belongs to the token's account; raises `AuthorizationError` otherwise."""
        doc = self._send(self._call(ORDER_GET, order_query(order_id), access_token=access_token))
        return self._order(doc, int(order_id))

    def create_token(self, code: str) -> models.Token:
        """Exchange an authorization code (single-use, valid 180 s) for a token pair."""
        doc = self._send(self._call(TOKEN_CREATE, {"code": code}, access_token=None, idempotent=False))
        return self._token(doc)

    def refresh_token(self, refresh_token: str) -> models.Token:
        """A token with its lifetime started again."""
        return self._token(self._send(self._call(TOKEN_REFRESH, {"refresh_token": refresh_token}, access_token=None)))

    def call(self, api_name: str, params: Mapping[str, str] | None = None, *, access_token: str | None = None,
             simplify: bool | None = None) -> dict[str, Any]:  # fmt: skip
        """Any API method, signed; the answer's JSON as it came. Errors raise as for the typed calls."""
        return self._send(self._call(api_name, params, access_token=access_token, simplify=simplify))

    def _send(self, call: Call) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                return self._once(call)
            except DsOrdersError as error:
                delay = self._delay(attempt, error, call)
                if delay is None:
                    raise
            if delay:
                self._sleep(delay)
            attempt += 1

    def _once(self, call: Call) -> dict[str, Any]:
        request = self._request(self._http, call)
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise translate(exc, str(request.url)) from exc
        return decode_answer(response.status_code, response.content)

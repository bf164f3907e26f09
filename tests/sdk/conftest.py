"""Fixtures for the SDK's tests: the real gateway for the blocking clients, and over a real socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio
import anyio.from_thread
import httpx
import pytest

import dsorders
from dsorders.gateway import Gateway
from dsorders.protocol.errors import ProtocolError
from dsorders.protocol.shapes import render_error, shape_for
from dsorders.settings import Settings
from dsorders.store import Store, make_store
from dsorders.store.sqlite import SQLiteStore

from ..conftest import ACCESS_TOKEN, APP_KEY, APP_SECRET, Clock, World, build_world

SRC = Path(__file__).resolve().parents[2] / "src"
ASGIApp = Callable[..., Any]


class PortalTransport(httpx.BaseTransport):
    """A blocking transport into an ASGI app that runs on a portal's event loop."""

    def __init__(self, portal: anyio.from_thread.BlockingPortal, app: ASGIApp) -> None:
        self.portal = portal
        self.inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            request.stream = httpx.ByteStream(request.read())
            response = await self.inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self.portal.call(send)


@dataclass
class Served:
    """The conformance world behind a gateway, reachable from blocking code."""

    portal: anyio.from_thread.BlockingPortal
    store: Store
    world: World
    gateway: Gateway
    clock: Clock

    def transport(self, app: ASGIApp | None = None) -> PortalTransport:
        return PortalTransport(self.portal, app or self.gateway)

    def client(self, app: ASGIApp | None = None, **options: Any) -> dsorders.Client:
        options = {"access_token": ACCESS_TOKEN, "clock": self.clock, "backoff": 0, **options}
        return dsorders.Client(APP_KEY, APP_SECRET, base_url="http://testserver", transport=self.transport(app),
                               **options)  # fmt: skip


@pytest.fixture
def served(settings: Settings, clock: Clock) -> Iterator[Served]:
    with anyio.from_thread.start_blocking_portal() as portal:
        store = make_store(settings.db, deadline=settings.store_deadline)
        portal.call(store.open)
        world = portal.call(build_world, store)
        try:
            yield Served(portal, store, world, Gateway(settings, store, clock=clock), clock)
        finally:
            portal.call(store.close)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    db: str


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """granian serving the gateway over a seeded SQLite file, on a free loopback port; always stopped."""
    db = str(tmp_path_factory.mktemp("live") / "dsorders.db")

    async def seed() -> None:
        store = SQLiteStore(db)
        await store.open()
        await build_world(store, now_ms=int(time.time() * 1000))
        await store.close()

    anyio.run(seed)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "DSORDERS_DB": db}
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "dsorders.gateway.app:create_app"]  # fmt: skip
    log_path = Path(db).with_suffix(".log")
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(url, process, log_path)
            yield LiveServer(url, db)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"granian exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(url + "/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"granian did not answer on {url} within {limit} s")


class FailingFirst:
    """An ASGI app that answers `code` to the first `failures` calls, then hands calls to `app`.

    Every call's parameters are kept in `calls`, so tests see what each attempt sent.
    """

    def __init__(self, app: ASGIApp, failures: int, code: str = "isp.service-unavailable") -> None:
        self.app = app
        self.failures = failures
        self.code = code
        self.calls: list[dict[str, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        self.calls.append(params)
        if len(self.calls) > self.failures:

            async def replay() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            await self.app(scope, replay, send)
            return
        shape = "flat" if scope["path"] == "/rest" else shape_for(params, system=False)
        answer = render_error(ProtocolError(self.code), shape, f"failed{len(self.calls)}")
        headers = [(b"content-type", b"application/json;charset=UTF-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


class TickingClock:
    """A clock that moves on a second each time it is read, so every signature has its own timestamp."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now

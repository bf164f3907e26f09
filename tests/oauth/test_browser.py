"""The authorize page in a real browser: headless Chromium against the service on a real socket.

The service runs under granian with two workers (the page's GET and POST may land on different
ones), a tiny local server stands in for the app's callback, and the test then exchanges the code
and reads an order with the new token, as an integration would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx
import pytest

import dsorders
from dsorders.oauth import set_password
from dsorders.protocol import signing
from dsorders.store.sqlite import SQLiteStore

from ..conftest import APP_KEY, APP_SECRET, build_world

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PASSWORD = "browser test password"

MISSING = f"{CHROMIUM} is missing: apt-get install chromium chromium-driver (.ci/run does)"
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=MISSING)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(check: Any, what: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    """The service under granian on a free loopback port, over a world whose owner has a password."""
    db = str(tmp_path / "browser.db")

    async def build() -> None:
        store = SQLiteStore(db)
        await store.open()
        await build_world(store, now_ms=int(time.time() * 1000))
        await set_password(store, "ds-alice", PASSWORD)
        await store.close()

    anyio.run(build)
    port = _free_port()
    src = str(Path(dsorders.__file__).resolve().parents[1])
    env = {**os.environ, "DSORDERS_DB": db, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "2", "--no-log", "dsorders.gateway.app:create_app"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"granian exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            return httpx.get(base + "/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        _wait_until(ready, "the service to listen")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()  # type: ignore[union-attr]


@pytest.fixture
def callback() -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    """The app's redirect target: records the query of each request to /cb (not the browser's favicon)."""
    received: list[dict[str, list[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/cb":
                received.append(parse_qs(url.query))
            body = b"<!doctype html><title>callback</title><p id=done>received</p>"
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cb", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _signed_post(base: str, api: str, **params: str) -> dict[str, Any]:
    all_params = {"app_key": APP_KEY, "timestamp": str(int(time.time() * 1000)), "sign_method": "sha256", **params}
    if not api.startswith("/"):
        all_params["method"] = api
    all_params["sign"] = signing.sign(all_params, APP_SECRET, "sha256", api)
    path = "/rest" + api if api.startswith("/") else "/sync"
    body: dict[str, Any] = httpx.post(base + path, data=all_params, timeout=10).json()
    return body


def test_sign_in_allow_exchange_and_read_an_order(service: str, callback: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    redirect_uri, received = callback
    query = {"response_type": "code", "client_id": APP_KEY, "redirect_uri": redirect_uri, "state": "xyz 1"}
    browser.get(f"{service}/oauth/authorize?{urlencode(query)}")
    assert "conformance" in browser.find_element(By.TAG_NAME, "h1").text

    browser.find_element(By.NAME, "login").send_keys("ds-alice")
    browser.find_element(By.NAME, "password").send_keys("not the password")
    browser.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    _wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "p.error"), "the wrong-password message")
    assert received == []

    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    _wait_until(lambda: received, "the redirect to the callback")
    _wait_until(lambda: browser.find_elements(By.ID, "done"), "the callback page")
    assert browser.current_url.startswith(redirect_uri + "?code=")
    (answer,) = received
    assert answer["state"] == ["xyz 1"]

    token = _signed_post(service, "/auth/token/create", code=answer["code"][0])
    assert token["code"] == "0" and token["account"] == "ds-alice", token
    order = _signed_post(service, "aliexpress.trade.ds.order.get", session=token["access_token"],
                         single_order_query='{"order_id":"10000001"}', simplify="true")  # fmt: skip
    assert order["code"] == "0" and order["result"]["order_status"], order
    again = _signed_post(service, "/auth/token/create", code=answer["code"][0])
    assert again["code"] == "InvalidCode"


def test_deny_in_the_browser_sends_access_denied(service: str, callback: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    redirect_uri, received = callback
    query = {"response_type": "code", "client_id": APP_KEY, "redirect_uri": redirect_uri, "state": "s"}
    browser.get(f"{service}/oauth/authorize?{urlencode(query)}")
    browser.find_element(By.CSS_SELECTOR, "button[value=deny]").click()
    _wait_until(lambda: received, "the redirect to the callback")
    assert received[0]["error"] == ["access_denied"] and "code" not in received[0]

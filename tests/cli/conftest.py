"""Fixtures for the CLI tests: the command run in-process on a SQLite file in tmp_path."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

import dsorders
from dsorders.cli.app import app
from dsorders.protocol import signing

SRC = Path(dsorders.__file__).resolve().parents[1]
ORDER_GET = "aliexpress.trade.ds.order.get"
STARTUP_SECONDS = 20


@dataclass
class Cli:
    db: Path
    runner: CliRunner

    def __call__(self, *args: str, input: str | bytes | None = None, ok: bool = True) -> Result:
        """Run `dsorders ARGS` on this database; by default assert that it succeeded."""
        result = self.runner.invoke(app, list(args), input=input, env={"DSORDERS_DB": str(self.db)})
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        if ok:
            assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}{result.stderr}"
        else:
            assert result.exit_code != 0, result.output
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "cli.db", CliRunner())


@pytest.fixture
def people(cli: Cli) -> Cli:
    """Two dropshipper accounts, 2000001 (alice) and 2000002 (bob)."""
    cli("accounts", "create", "--login", "alice", "--user-id", "2000001")
    cli("accounts", "create", "--login", "bob", "--user-id", "2000002")
    return cli


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signed_get(creds: dict[str, Any], order_id: int | str, *, now_ms: int | None = None) -> httpx.Response:
    """order.get over the socket, signed with dsorders.protocol.signing."""
    params = {
        "app_key": creds["app_key"],
        "method": ORDER_GET,
        "access_token": creds["access_token"],
        "sign_method": "sha256",
        "simplify": "true",
        "single_order_query": json.dumps({"order_id": str(order_id)}),
        "timestamp": str(now_ms or int(time.time() * 1000)),
    }
    params["sign"] = signing.sign(params, creds["app_secret"], "sha256", ORDER_GET)
    return httpx.get(creds["sync_url"], params=params, timeout=10)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str


def start(args: list[str], *, env: dict[str, str] | None = None, port: int, health: int = 200) -> Server:
    """Start `dsorders ARGS` and wait for /healthz to answer `health`; the caller stops it with `stop`."""
    environ = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", "dsorders", *args], env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the server exited {process.returncode}: {out.decode()}{err.decode()}")
        try:
            if httpx.get(server.base_url + "/healthz", timeout=1).status_code == health:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(server)
    raise AssertionError(f"the server did not answer /healthz with {health} within {STARTUP_SECONDS} s")


def stop(server: Server) -> tuple[str, str]:
    """Interrupt the server as Ctrl+C does; kill it if it does not stop in time."""
    server.process.send_signal(signal.SIGINT)
    try:
        out, err = server.process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        out, err = server.process.communicate()
    return out.decode(), err.decode()


@pytest.fixture
def serving() -> Iterator[list[Server]]:
    """Servers started by a test, stopped when it ends whatever happens."""
    servers: list[Server] = []
    yield servers
    for server in servers:
        if server.process.poll() is None:
            stop(server)

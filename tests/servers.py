"""Servers the tests start and stop themselves: a PostgreSQL cluster, a redis-server, gateway workers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from dsorders.protocol import signing

SRC = Path(__file__).resolve().parents[1] / "src"
ORDER_GET = "aliexpress.trade.ds.order.get"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(ready: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {timeout} s")


def _pg_bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    return Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip())


class TempPostgres:
    """A PostgreSQL cluster in a temporary directory, on a free port, trust auth for `postgres`."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="dsorders-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        # initdb refuses to run as root: then the cluster belongs to the postgres user.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bindir / tool), *args], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def pids(self) -> list[int]:
        """The postmaster and every backend of the cluster."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        return [postmaster, *map(int, children)]

    def freeze(self, frozen: bool) -> None:
        for pid in self.pids():
            os.kill(pid, signal.SIGSTOP if frozen else signal.SIGCONT)

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class TempRedis:
    """A redis-server on a free port, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._process = subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL)
        _wait(self._answers, "redis-server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


class Worker:
    """One gateway process (granian, one worker) on a free port, configured by DSORDERS_* variables."""

    def __init__(self, env: Mapping[str, str], log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", "1", "dsorders.gateway.app:create_app"]  # fmt: skip
        environ = {**os.environ, **env, "PYTHONPATH": str(SRC)}
        self._log = log.open("wb")
        self._process = subprocess.Popen(command, env=environ, stdout=self._log, stderr=subprocess.STDOUT)
        _wait(self._healthy, f"the gateway on port {self.port} (log: {log})")

    def _healthy(self) -> bool:
        if self._process.poll() is not None:
            raise RuntimeError(f"the gateway exited with {self._process.returncode}")
        try:
            return httpx.get(self.base_url + "/healthz", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(10)
        self._log.close()


def order_get_params(app_key: str, secret: str, token: str, order_id: int, now_ms: int) -> dict[str, str]:
    """A signed order.get call, as the official SDK sends it."""
    params = {"app_key": app_key, "format": "json", "method": ORDER_GET, "session": token, "sign_method": "sha256",
              "timestamp": str(now_ms), "v": "2.0", "simplify": "true",
              "single_order_query": f'{{"order_id":"{order_id}"}}'}  # fmt: skip
    params["sign"] = signing.sign(params, secret, "sha256", ORDER_GET)
    return params


def wait_for_a_fresh_second() -> None:
    """Start a burst early in a second, so it most likely falls within one counting window."""
    fraction = time.time() % 1
    if fraction > 0.3:
        time.sleep(1.02 - fraction)


@dataclass
class Burst:
    """The answers to a burst of calls: (index of the URL called, the answering process, code) each."""

    answers: list[tuple[int, str, str]]
    windows: int

    def allowed(self) -> list[tuple[int, str, str]]:
        return [answer for answer in self.answers if answer[2] == "0"]

    def limited(self) -> list[tuple[int, str, str]]:
        return [answer for answer in self.answers if answer[2] == "ApiCallLimit"]


async def burst(urls: Sequence[str], app_key: str, secret: str, token: str, order_id: int, calls: int) -> Burst:
    """`calls` order.get calls, one after another, over a new connection each, in turn to each of `urls`.

    The answering process is the node part of the request id (its first 8 characters), so calls
    that one listening port hands to several workers can be told apart.
    """
    answers: list[tuple[int, str, str]] = []
    # No kept-alive connections: a server with several workers gives each new connection to one of them.
    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        wait_for_a_fresh_second()
        start = time.time()
        for n in range(calls):
            index = n % len(urls)
            params = order_get_params(app_key, secret, token, order_id, int(time.time() * 1000))
            answer = (await client.post(urls[index] + "/sync", data=params)).json()
            answers.append((index, answer["request_id"][:8], answer["code"]))
        end = time.time()
    return Burst(answers, int(end) - int(start) + 1)

"""The servers under load: both run by the same granian, with the same flags, on loopback ports.

Each server runs in its own session, so Ctrl-C in the terminal reaches only the bench,
which then stops every server it started (SIGTERM to the group, SIGKILL after a grace).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

HOST = "127.0.0.1"
READY_TIMEOUT = 120.0
STOP_GRACE = 10.0


class ServerError(RuntimeError):
    """A server did not start; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def pinned(cpus: str | None) -> list[str]:
    """A `taskset` prefix that keeps a process on `cpus` (e.g. "0"), or nothing."""
    return ["taskset", "-c", cpus] if cpus else []


def granian_command(target: str, port: int, workers: int, extra: Sequence[str] = (),
                    cpus: str | None = None) -> list[str]:  # fmt: skip
    """The one command line both servers share, but for the app they serve and the port."""
    return [
        *pinned(cpus),
        sys.executable, "-m", "granian", "--interface", "asgi", "--host", HOST, "--port", str(port),
        "--workers", str(workers), "--no-ws", "--log-level", "warning", *extra, target,
    ]  # fmt: skip


class Server:
    """One granian process group, started by `start` and always stopped by `stop`."""

    def __init__(self, name: str, command: list[str], env: Mapping[str, str], cwd: Path, log: Path,
                 ready_path: str) -> None:  # fmt: skip
        self.name = name
        self.command = command
        self.env = dict(env)
        self.cwd = cwd
        self.log = log
        self.ready_path = ready_path
        self.port = int(command[command.index("--port") + 1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(f"{self.name} exited with {self.process.returncode} at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answered: it is up
            except OSError:
                time.sleep(0.1)
        raise ServerError(f"{self.name} did not answer on {self.base} within {READY_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        workers = descendants(process.pid)
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        _signal_group(process.pid, signal.SIGKILL)  # any worker the main process left behind
        _wait_gone(workers, STOP_GRACE)

    def worker_pids(self) -> list[int]:
        """The granian worker processes (the main process's descendants), read from /proc."""
        if self.process is None:
            return []
        return descendants(self.process.pid)

    def worker_rss_mb(self) -> list[float]:
        return [rss for rss in (rss_mb(pid) for pid in self.worker_pids()) if rss is not None]


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed worker waits for init to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_gone(pids: list[int], seconds: float) -> None:
    """Until every process in `pids` has exited (a killed process takes a moment), at most `seconds`."""
    deadline = time.monotonic() + seconds
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(child) for child in task.read_text().split()]
            except OSError:
                continue
            found.extend(children)
            pending.extend(children)
    return found


def rss_mb(pid: int) -> float | None:
    """Resident set size of one process in MB (VmRSS), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None

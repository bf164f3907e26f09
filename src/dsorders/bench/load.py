"""The load: wrk, rotating over pre-signed GET calls, checking every reply's body.

A reply counts as good only if its status is 200 and its body starts with the shape's
success prefix (and holds `"code":"0"` where the shape has one): a protocol error
(`IncompleteSignature`, `isv.invalid-authorization`, ...) is an error, not a request served.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

INSTALL_HINT: Final = (
    "wrk is not installed. On Debian or Ubuntu: `sudo apt-get update && sudo apt-get install -y wrk`; "
    "on macOS: `brew install wrk`; or pass its path with --wrk."
)

LUA: Final = r"""
-- args: file of request paths (one a line), success prefix, text a success must contain ("" for none)
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  calls = {}
  for line in io.lines(args[1]) do
    calls[#calls + 1] = wrk.format("GET", line)
  end
  prefix, needle = args[2], args[3] or ""
  n = #calls
  i = (thread_no * 7919) % n
  bad = 0
  sample = ""
end

function request()
  i = i % n + 1
  return calls[i]
end

function response(status, headers, body)
  if status ~= 200 or string.sub(body, 1, #prefix) ~= prefix
     or (needle ~= "" and not string.find(body, needle, 1, true)) then
    bad = bad + 1
    if sample == "" then sample = status .. " " .. string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local bad, sample = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("bad")
    if sample == "" then sample = t:get("sample") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"bad":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout, bad))
  io.write("BENCH_SAMPLE " .. string.gsub(sample, "\n", " ") .. "\n")
end
"""


class LoadError(RuntimeError):
    pass


@dataclass(frozen=True)
class Check:
    """What a good reply looks like."""

    prefix: str
    needle: str = ""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    non_2xx: int
    bad_replies: int  # status not 200, or a body that is not a success (protocol errors included)
    sample_error: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.bad_replies


def find_wrk(explicit: str | None) -> str:
    path = explicit or shutil.which("wrk")
    if not path:
        raise LoadError(INSTALL_HINT)
    return path


def run_wrk(wrk: str, url: str, paths: Path, check: Check, *, script: Path, threads: int, connections: int,
            seconds: float, cpus: str | None = None) -> Result:  # fmt: skip
    command = [
        *(["taskset", "-c", cpus] if cpus else []),
        wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
        "--latency", "-s", str(script), url, "--", str(paths), check.prefix, check.needle,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout)


def parse(output: str) -> Result:
    figures: dict[str, int] | None = None
    sample = ""
    for line in output.splitlines():
        if line.startswith("BENCH "):
            figures = json.loads(line[len("BENCH ") :])
        elif line.startswith("BENCH_SAMPLE "):
            sample = line[len("BENCH_SAMPLE ") :].strip()
    if figures is None:
        raise LoadError(f"wrk printed no figures:\n{output}")
    return Result(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        socket_errors=figures["connect"] + figures["read"] + figures["write"] + figures["timeout"],
        non_2xx=figures["status"],
        bad_replies=figures["bad"],
        sample_error=sample,
    )

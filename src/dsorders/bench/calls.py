"""Pre-signed GET calls for both servers, written one request path a line for the wrk script.

dsorders' calls are what the official Python SDK sends (all parameters in the query, the
token in `session`), signed with `dsorders.protocol.signing`; their millisecond timestamp
stays inside the ±7200 s window for the whole run. The baseline's calls are signed by the
baseline's own code (`python baseline_app.py URL`), so neither side signs for the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlencode, urlsplit

from ..admin import ORDER_GET
from ..protocol import signing
from .load import Check
from .seed import World

Shape = Literal["streamlined", "wrapped"]
BASELINE_SECRET: Final = "bench-baseline-secret"
SDK_PARTNER_ID: Final = "iop-sdk-python-20220609"

CHECKS: Final = {
    "streamlined": Check('{"result":{', '"code":"0"'),
    "wrapped": Check('{"aliexpress_trade_ds_order_get_response":{"result":{'),
    "baseline": Check('{"result":{', '"code":"0"'),
}


def dsorders_path(world: World, order_id: int, shape: Shape, timestamp_ms: int) -> str:
    params = {
        "app_key": world.app_key,
        "sign_method": "sha256",
        "timestamp": str(timestamp_ms),
        "partner_id": SDK_PARTNER_ID,
        "method": ORDER_GET,
        "simplify": "true" if shape == "streamlined" else "false",
        "format": "json",
        "session": world.access_token,
        "single_order_query": json.dumps({"order_id": str(order_id)}, separators=(",", ":")),
    }
    params["sign"] = signing.sign(params, world.app_secret, "sha256", ORDER_GET)
    return "/sync?" + urlencode(params)


def write_dsorders_calls(path: Path, world: World, order_ids: Sequence[int], shape: Shape) -> None:
    now_ms = int(time.time() * 1000)
    path.write_text("".join(dsorders_path(world, order_id, shape, now_ms) + "\n" for order_id in order_ids))


def write_baseline_calls(path: Path, baseline: Path, order_ids: Sequence[int]) -> None:
    """Calls signed by the baseline's own `__main__`, reduced to their path and query."""
    done = subprocess.run(
        [sys.executable, str(baseline), "http://127.0.0.1/sync"],
        input="".join(f"{order_id}\n" for order_id in order_ids),
        capture_output=True, text=True, check=False, env=baseline_env(Path(os.devnull), 0),
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{baseline} could not sign its calls: {done.stderr.strip()}")
    lines = []
    for url in done.stdout.split():
        parts = urlsplit(url)
        lines.append(f"{parts.path}?{parts.query}\n")
    if len(lines) != len(order_ids):
        raise RuntimeError(f"{baseline} signed {len(lines)} calls for {len(order_ids)} order ids")
    path.write_text("".join(lines))


def baseline_env(db: Path, orders: int) -> dict[str, str]:
    return {**os.environ, "BASELINE_DB": str(db), "BASELINE_SECRET": BASELINE_SECRET, "BASELINE_ORDERS": str(orders)}

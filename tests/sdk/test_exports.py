"""The SDK's public surface, and that it imports without the server's dependencies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dsorders
import iop

from .conftest import SRC

EXPECTED = {
    "AccessTokenError", "ApiError", "AppKeyError", "AsyncClient", "AuthorizationError", "ChildOrder", "Client",
    "DsOrdersError", "InternalServerError", "InvalidResponseError", "Logistics", "LogisticsStatus", "Money",
    "Order", "OrderStatus", "ParameterError", "PermissionDeniedError", "RateLimitError", "RequestTimeoutError",
    "ServiceUnavailableError", "SignatureError", "Store", "TimestampError", "Token", "TokenError", "TransportError",
    "__version__",
}  # fmt: skip
SERVER_ONLY = ("granian", "asyncpg", "redis", "typer", "rich", "click", "sqlite3", "_sqlite3")
SERVER_PACKAGES = ("dsorders.gateway", "dsorders.store", "dsorders.cli", "dsorders.methods", "dsorders.settings",
                   "dsorders.admin", "dsorders.orders_io")  # fmt: skip


def test_all_is_sorted_and_exactly_the_public_sdk() -> None:
    assert dsorders.__all__ == sorted(dsorders.__all__)
    assert set(dsorders.__all__) == EXPECTED
    for name in dsorders.__all__:
        assert getattr(dsorders, name) is not None


def test_exported_classes_say_they_belong_to_dsorders() -> None:
    for name in dsorders.__all__:
        value = getattr(dsorders, name)
        if isinstance(value, type):
            assert value.__module__.startswith("dsorders."), name


def test_iop_exports_the_official_names() -> None:
    for name in ("IopClient", "IopRequest", "IopResponse", "P_LOG_LEVEL_DEBUG", "P_SDK_VERSION"):
        assert name in iop.__all__


def _imported_after(code: str, *, block: tuple[str, ...] = ()) -> list[str]:
    """Module names loaded by a fresh interpreter that runs `code`, with `block`ed top-level modules unimportable."""
    script = (
        "import sys, json\n"
        f"for name in {list(block)!r}: sys.modules[name] = None\n"
        f"{code}\n"
        "print(json.dumps(sorted(k for k, v in sys.modules.items() if v is not None)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": str(SRC)}, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(done.stdout.splitlines()[-1])


def _server_modules(modules: list[str]) -> list[str]:
    inside = tuple(package + "." for package in SERVER_PACKAGES)
    return [m for m in modules if m.split(".")[0] in SERVER_ONLY or m in SERVER_PACKAGES or m.startswith(inside)]


def test_importing_the_sdk_loads_no_server_module() -> None:
    modules = _imported_after("import iop, dsorders")
    assert "httpx" in modules and "dsorders.client" in modules
    leaked = _server_modules(modules)
    # httpx itself loads rich and click for its own command line when they are installed.
    assert [m for m in leaked if m.split(".")[0] not in ("rich", "click")] == []


def test_sdk_works_where_server_dependencies_are_missing(tmp_path: Path) -> None:
    code = (
        "import httpx, iop, dsorders\n"
        "reply = httpx.Response(200, json={'result': {'gmt_create': '2018-08-28 05:39:01', "
        "'order_status': 'FINISH'}, 'code': '0', 'request_id': 'r1'})\n"
        "transport = httpx.MockTransport(lambda request: reply)\n"
        "client = dsorders.Client('1', 's', base_url='http://x', access_token='t', transport=transport)\n"
        "assert client.get_order(5).status == 'FINISH'\n"
        "response = iop.IopClient('http://x/sync', '1', 's', transport=transport).execute(iop.IopRequest('m'))\n"
        "assert response.code == '0'\n"
    )
    assert _server_modules(_imported_after(code, block=SERVER_ONLY)) == []


def test_importing_iop_writes_nothing(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", "import iop; iop.IopClient('http://x/sync', '1', 's')"], cwd=tmp_path,
                   env={"PYTHONPATH": str(SRC), "HOME": str(tmp_path)}, timeout=60, check=True)  # fmt: skip
    assert list(tmp_path.iterdir()) == []

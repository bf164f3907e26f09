"""Over a real socket: the seed page's snippet verbatim, and `dsorders call`, against granian serving the gateway."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from dsorders.cli.app import app

from ..conftest import ACCESS_TOKEN, APP_KEY, APP_SECRET, seed_result
from .conftest import SRC, LiveServer

# The seed document's Python example, character for character.
SEED_SNIPPET = """\
client = iop.IopClient(url, appkey ,appSecret)
request = iop.IopRequest('aliexpress.trade.ds.order.get')
request.add_api_param('single_order_query', '{\\"order_id\\":\\"10000001\\"}')
response = client.execute(request, access_token)
print(response.type)
print(response.body)
"""


def test_seed_snippet_prints_the_order(live_server: LiveServer) -> None:
    setup = textwrap.dedent(f"""\
        import iop
        url = {live_server.url + "/sync"!r}
        appkey = {APP_KEY!r}
        appSecret = {APP_SECRET!r}
        access_token = {ACCESS_TOKEN!r}
    """)
    done = subprocess.run([sys.executable, "-c", setup + SEED_SNIPPET], env={"PYTHONPATH": str(SRC)},
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    type_line, body_line = done.stdout.splitlines()
    assert type_line == "None"
    result = ast.literal_eval(body_line)["aliexpress_trade_ds_order_get_response"]["result"]
    assert result["order_status"] == seed_result()["order_status"]
    assert result["store_info"]["store_id"] == 1046007
    assert result["child_order_list"]["aeop_child_order_info"][0]["product_id"] == 2100000012


def _env(live_server: LiveServer) -> dict[str, str]:
    return {"DSORDERS_URL": live_server.url, "DSORDERS_APP_KEY": APP_KEY, "DSORDERS_APP_SECRET": APP_SECRET,
            "DSORDERS_ACCESS_TOKEN": ACCESS_TOKEN}  # fmt: skip


def test_call_prints_the_reply_as_json(live_server: LiveServer) -> None:
    query = 'single_order_query={"order_id":"10000001"}'
    result = CliRunner().invoke(app, ["call", "aliexpress.trade.ds.order.get", "--param", query, "--json"],
                                env=_env(live_server))  # fmt: skip
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert reply["code"] == "0" and reply["result"] == seed_result()


def test_call_pretty_prints_by_default(live_server: LiveServer) -> None:
    query = 'single_order_query={"order_id":"10000001"}'
    result = CliRunner().invoke(app, ["call", "aliexpress.trade.ds.order.get", "-p", query, "--wrapped"],
                                env=_env(live_server))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"aliexpress_trade_ds_order_get_response"' in result.stdout
    assert "\n  " in result.stdout  # indented


def test_call_error_prints_the_reply_and_exits_one(live_server: LiveServer) -> None:
    query = 'single_order_query={"order_id":"10000002"}'
    result = CliRunner().invoke(app, ["call", "aliexpress.trade.ds.order.get", "-p", query, "--json"],
                                env=_env(live_server))  # fmt: skip
    assert result.exit_code == 1
    assert json.loads(result.stdout)["code"] == "isv.invalid-authorization"
    assert "isv.invalid-authorization" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(["-p", "nonsense"], "NAME=VALUE"), (["-p", "a=1", "-p", "a=2"], "twice")],
)
def test_call_refuses_malformed_params(live_server: LiveServer, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["call", "aliexpress.trade.ds.order.get", *args], env=_env(live_server))
    assert result.exit_code == 1 and message in result.stderr


def test_call_without_credentials_says_what_to_set() -> None:
    env = {"DSORDERS_URL": "http://127.0.0.1:9", "DSORDERS_APP_KEY": "", "DSORDERS_APP_SECRET": ""}
    result = CliRunner().invoke(app, ["call", "aliexpress.trade.ds.order.get"], env=env)
    assert result.exit_code == 1 and "DSORDERS_APP_SECRET" in result.stderr

"""`dsorders apps`, `accounts` and `tokens`, checked against the store and the gateway they configure."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from dsorders.gateway import Gateway
from dsorders.protocol import signing
from dsorders.settings import Settings
from dsorders.store import TokenAuth, hash_secret
from dsorders.store.sqlite import SQLiteStore

from .conftest import ORDER_GET, Cli


def app_with_token(cli: Cli) -> tuple[dict[str, object], dict[str, object]]:
    cli("accounts", "create", "--login", "alice")
    app = cli.json("apps", "create", "--name", "shop", "--app-key", "12345678", "--app-secret", "s3cret")
    token = cli.json("tokens", "issue", "--app-key", "12345678", "--account", "alice")
    return app, token


async def call(cli: Cli, token: str, order_id: str = "10000001") -> dict[str, object]:
    """order.get through the gateway over the CLI's database."""
    store = SQLiteStore(str(cli.db))
    gateway = Gateway(Settings(db=str(cli.db), app_cache_ttl=0.001), store)
    await gateway.startup()
    params = {
        "app_key": "12345678",
        "method": ORDER_GET,
        "session": token,
        "simplify": "true",
        "timestamp": str(int(time.time() * 1000)),
        "single_order_query": json.dumps({"order_id": order_id}),
    }
    params["sign"] = signing.sign(params, "s3cret", "sha256", ORDER_GET)
    try:
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get("/sync", params=params)).json()  # type: ignore[no-any-return]
    finally:
        await gateway.shutdown()


async def token_auth(cli: Cli, access: str) -> TokenAuth:
    store = SQLiteStore(str(cli.db))
    await store.open()
    try:
        return await store.get_token_auth(hash_secret(access))
    finally:
        await store.close()


def test_accounts_create_and_list(cli: Cli) -> None:
    cli("accounts", "create", "--login", "alice", "--nick", "Alice", "--locale", "fr_FR")
    cli("accounts", "create", "--login", "carol", "--not-dropshipper", "--user-id", "3000000")
    listed = cli.json("accounts", "list")
    assert [(a["login"], a["nick"], a["locale"], a["dropshipper"]) for a in listed] == [
        ("alice", "Alice", "fr_FR", True),
        ("carol", "carol", "en_US", False),
    ]
    assert listed[1]["user_id"] == 3000000
    assert "alice" in cli("accounts", "list").stdout


def test_duplicate_login_is_a_clear_error(cli: Cli) -> None:
    cli("accounts", "create", "--login", "alice")
    result = cli("accounts", "create", "--login", "alice", ok=False)
    assert "login 'alice' already exists" in result.stderr


def test_apps_create_prints_key_and_secret(cli: Cli) -> None:
    result = cli("apps", "create", "--name", "shop", "--status", "online", "--rate-limit", "50",
                 "--allow-ip", "10.0.0.0/8", "--allow-ip", "192.0.2.7")  # fmt: skip
    key = result.stdout.split("app key:")[1].split()[0]
    secret = result.stdout.split("app secret:")[1].split()[0]
    shown = cli.json("apps", "show", key)
    assert shown["app_secret"] == secret
    assert (shown["status"], shown["rate_limit"], shown["apis"]) == ("online", 50, [ORDER_GET])
    assert shown["ip_allowlist"] == ["10.0.0.0/8", "192.0.2.7/32"]


def test_apps_list_leaves_secrets_out(cli: Cli) -> None:
    cli("apps", "create", "--name", "shop", "--app-key", "12345678", "--app-secret", "s3cret")
    listed = cli.json("apps", "list")
    assert [item["app_key"] for item in listed] == ["12345678"]
    assert "app_secret" not in listed[0]
    assert "s3cret" not in cli("apps", "list").stdout


def test_duplicate_app_key_is_a_clear_error(cli: Cli) -> None:
    cli("apps", "create", "--name", "one", "--app-key", "12345678")
    result = cli("apps", "create", "--name", "two", "--app-key", "12345678", ok=False)
    assert "an app with key 12345678 already exists" in result.stderr


def test_bad_allow_ip_is_refused(cli: Cli) -> None:
    result = cli("apps", "create", "--name", "one", "--allow-ip", "10.0.0.300", ok=False)
    assert "--allow-ip '10.0.0.300' is not an IP address or CIDR network" in result.stderr


def test_grant_revoke_disable_enable(cli: Cli) -> None:
    cli("apps", "create", "--name", "shop", "--app-key", "12345678")
    assert cli.json("apps", "revoke", "12345678")["apis"] == []
    assert cli.json("apps", "grant", "12345678", ORDER_GET)["apis"] == [ORDER_GET]
    assert cli.json("apps", "disable", "12345678")["enabled"] is False
    assert cli.json("apps", "enable", "12345678")["enabled"] is True


def test_unknown_app_and_api_are_clear_errors(cli: Cli) -> None:
    cli("apps", "create", "--name", "shop", "--app-key", "12345678")
    assert "no app with key '999'" in cli("apps", "show", "999", ok=False).stderr
    assert "no app with key '999'" in cli("apps", "disable", "999", ok=False).stderr
    assert "unknown API 'order.get'" in cli("apps", "grant", "12345678", "order.get", ok=False).stderr


def test_an_issued_token_answers_order_get_and_is_stored_hashed(cli: Cli) -> None:
    _, token = app_with_token(cli)
    access = str(token["access_token"])
    answer = asyncio.run(call(cli, access))
    # No order 10000001: answered as not belonging to the caller, which proves the token was accepted.
    assert answer["code"] == "isv.invalid-authorization"
    auth = asyncio.run(token_auth(cli, access))
    assert auth.app_key == "12345678"
    assert access.encode() not in cli.db.read_bytes()


def test_a_disabled_app_is_invalid_app_key(cli: Cli) -> None:
    _, token = app_with_token(cli)
    cli("apps", "disable", "12345678")
    assert asyncio.run(call(cli, str(token["access_token"])))["code"] == "InvalidAppKey"


def test_revoked_tokens_are_illegal(cli: Cli) -> None:
    _, token = app_with_token(cli)
    cli("tokens", "revoke", str(token["id"]))
    assert asyncio.run(call(cli, str(token["access_token"])))["code"] == "IllegalAccessToken"


def test_tokens_list_shows_hints_only(cli: Cli) -> None:
    _, token = app_with_token(cli)
    listed = cli.json("tokens", "list", "--account", "alice")
    assert [(item["id"], item["state"]) for item in listed] == [(token["id"], "live")]
    assert listed[0]["hint"] == str(token["access_token"])[:8] + "…"
    table = cli("tokens", "list").stdout
    assert str(token["access_token"]) not in table
    assert str(token["refresh_token"]) not in table


def test_tokens_revoke_all_of_an_account(cli: Cli) -> None:
    app_with_token(cli)
    cli("tokens", "issue", "--app-key", "12345678", "--account", "alice")
    assert cli.json("tokens", "revoke", "--account", "alice") == {"user_id": 2000001, "revoked": 2}
    assert {item["state"] for item in cli.json("tokens", "list")} == {"revoked"}


def test_tokens_errors_name_what_is_unknown(cli: Cli) -> None:
    app_with_token(cli)
    assert "no account 'zed'" in cli("tokens", "issue", "--app-key", "12345678", "--account", "zed", ok=False).stderr
    assert "no app with key '1'" in cli("tokens", "issue", "--app-key", "1", "--account", "alice", ok=False).stderr
    assert "no token with id 99" in cli("tokens", "revoke", "99", ok=False).stderr
    assert "give a token id" in cli("tokens", "revoke", ok=False).stderr


def test_a_missing_database_is_not_created_by_a_listing(cli: Cli) -> None:
    result = cli("accounts", "list", ok=False)
    assert "there is no database at" in result.stderr
    assert not cli.db.exists()


def test_an_unreachable_database_is_a_clear_error(cli: Cli, tmp_path: object) -> None:
    result = cli("accounts", "create", "--login", "x", "--db", "/nonexistent-dir/x.db", ok=False)
    assert "the directory '/nonexistent-dir' does not exist" in result.stderr
    cli.db.write_text("not a database")
    result = cli("accounts", "list", ok=False)
    assert "cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_has_help(cli: Cli) -> None:
    groups = {"orders": ["import", "export", "get", "count"], "apps": ["create", "list", "show", "grant", "revoke",
              "disable", "enable"], "accounts": ["create", "list"], "tokens": ["issue", "list", "revoke"]}  # fmt: skip
    for group, commands in groups.items():
        assert cli(group, "--help").stdout
        for command in commands:
            assert "Usage" in cli(group, command, "--help").stdout
    for command in ("sign", "serve", "demo"):
        assert "Usage" in cli(command, "--help").stdout

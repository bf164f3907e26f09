"""`dsorders serve`: granian workers with the CLI's settings; clear startup errors."""

from __future__ import annotations

import socket
from pathlib import Path

from .conftest import Cli, Server, free_port, signed_get, start


def test_workers_get_the_settings_of_the_command(cli: Cli, serving: list[Server]) -> None:
    creds = cli.json("demo", "--no-serve", "--db", str(cli.db), "--orders", "15")
    port = free_port()
    env = {"DSORDERS_DISPLAY_ZONE": "Asia/Tokyo"}
    serving.append(start(["serve", "--port", str(port), "--workers", "2", "--db", str(cli.db)], env=env, port=port))
    creds["sync_url"] = f"http://127.0.0.1:{port}/sync"
    for _ in range(8):
        answer = signed_get(creds, creds["order_id"]).json()
        # Stored in Los Angeles time, shown in the zone the command was given.
        assert answer["result"]["gmt_create"] == "2018-08-28 21:39:01"
        assert answer["result"]["order_paidtime_string"] == "2019-06-04T10:05:47+09:00[Asia/Tokyo]"


def test_a_port_in_use_is_a_clear_error(cli: Cli) -> None:
    cli("accounts", "create", "--login", "alice")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port), ok=False)
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_database_path_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("serve", "--port", str(free_port()), "--db", str(tmp_path / "missing" / "x.db"), ok=False)
    assert "does not exist" in result.stderr
    (tmp_path / "junk.db").write_text("this is not a database, it is a text file of some length" * 20)
    result = cli("serve", "--port", str(free_port()), "--db", str(tmp_path / "junk.db"), ok=False)
    assert "cannot open the database" in result.stderr

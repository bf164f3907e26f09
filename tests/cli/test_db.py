"""`dsorders db status` and `dsorders db migrate`, on both backends."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dsorders.cli.app import app
from dsorders.store.migrations import LATEST

runner = CliRunner()


def _status(db_url: str) -> dict[str, object]:
    result = runner.invoke(app, ["db", "status", "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_status_changes_nothing_and_migrate_applies_every_version(db_url: str) -> None:
    assert _status(db_url) == {"version": 0, "latest": LATEST, "pending": list(range(1, LATEST + 1))}
    assert _status(db_url)["version"] == 0
    result = runner.invoke(app, ["db", "migrate", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "applied migration 1" in result.stdout
    assert _status(db_url) == {"version": LATEST, "latest": LATEST, "pending": []}
    again = runner.invoke(app, ["db", "migrate", "--db", db_url])
    assert again.exit_code == 0 and "up to date" in again.stdout


def test_unreachable_database_is_a_clear_error() -> None:
    result = runner.invoke(app, ["db", "status", "--db", "postgresql://postgres@127.0.0.1:1/test"])
    assert result.exit_code == 1
    assert "cannot reach the database" in result.output

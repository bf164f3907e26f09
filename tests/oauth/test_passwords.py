"""Passwords: argon2 hashes, sign-in, and `dsorders accounts set-password`."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner

from dsorders.cli.app import app as cli
from dsorders.oauth import PasswordError, authenticate, hash_password, set_password, verify_password
from dsorders.store.sqlite import SQLiteStore

from ..conftest import World, build_world


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = hash_password("s3cret-password")
    assert hashed.startswith("$argon2id$") and "s3cret-password" not in hashed
    assert verify_password(hashed, "s3cret-password") and not verify_password(hashed, "s3cret-passworD")
    assert not verify_password("not a hash", "s3cret-password")


def test_too_short_a_password_is_refused() -> None:
    with pytest.raises(PasswordError, match="between 8"):
        hash_password("short")


@pytest.mark.anyio
async def test_authenticate(world: World) -> None:
    await set_password(world.store, "ds-alice", "right password")
    assert (await authenticate(world.store, "ds-alice", "right password")).user_id == 2000001  # type: ignore[union-attr]
    assert await authenticate(world.store, "ds-alice", "wrong password") is None
    assert await authenticate(world.store, "nobody", "right password") is None


def _world_db(tmp_path: Path) -> str:

    db = str(tmp_path / "cli.db")

    async def build() -> None:
        store = SQLiteStore(db)
        await store.open()
        await build_world(store)
        await store.close()

    anyio.run(build)
    return db


def _check(db: str, login: str, password: str) -> bool:

    async def check() -> bool:
        store = SQLiteStore(db)
        await store.open()
        try:
            return await authenticate(store, login, password) is not None
        finally:
            await store.close()

    return anyio.run(check)


def test_cli_set_password_from_stdin_and_generated(tmp_path: Path) -> None:
    db = _world_db(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["accounts", "set-password", "ds-alice", "--stdin", "--db", db],
                           input="typed password\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _check(db, "ds-alice", "typed password")
    result = runner.invoke(cli, ["accounts", "set-password", "ds-bob", "--generate", "--db", db])
    assert result.exit_code == 0, result.output
    generated = result.output.split("password: ")[1].strip()
    assert _check(db, "ds-bob", generated) and not _check(db, "ds-alice", generated)


def test_cli_set_password_prompts_and_names_unknown_logins(tmp_path: Path) -> None:
    db = _world_db(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["accounts", "set-password", "ds-alice", "--db", db],
                           input="prompted pass\nprompted pass\n")  # fmt: skip
    assert result.exit_code == 0 and _check(db, "ds-alice", "prompted pass")
    result = runner.invoke(cli, ["accounts", "set-password", "nobody", "--generate", "--db", db])
    assert result.exit_code == 1 and "no account with login 'nobody'" in result.output
    result = runner.invoke(cli, ["accounts", "set-password", "ds-alice", "--stdin", "--db", db], input="short\n")
    assert result.exit_code == 1 and "between 8" in result.output

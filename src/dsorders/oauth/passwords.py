"""Account passwords: argon2id hashes, checked so that a wrong login and a wrong password look alike."""

from __future__ import annotations

import asyncio
import secrets
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..store import Account, NotFoundError, Store

MIN_LENGTH: Final = 8
MAX_LENGTH: Final = 1024

_hasher = PasswordHasher()
# Checked when the login is unknown, so that answering takes as long as for a known one.
_DUMMY_HASH: Final = _hasher.hash(secrets.token_urlsafe(16))


class PasswordError(ValueError):
    """A password the service will not store; the message says why."""


def hash_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordError(f"a password must have between {MIN_LENGTH} and {MAX_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A random password for an operator to hand on: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


async def set_password(store: Store, login: str, password: str) -> Account:
    """Hash `password` and store it for the account `login` (`NotFoundError` if there is none)."""
    account = await store.find_account(login)
    password_hash = await asyncio.to_thread(hash_password, password)
    await store.set_password_hash(account.user_id, password_hash)
    return account


async def authenticate(store: Store, login: str, password: str) -> Account | None:
    """The account if `password` is its password; None for a wrong password or an unknown login alike.

    Hashing runs in a thread: it takes tens of milliseconds, which the event loop must not wait for.
    """
    try:
        account, password_hash = await store.get_password_hash(login)
    except NotFoundError:
        await asyncio.to_thread(verify_password, _DUMMY_HASH, password)
        return None
    if not await asyncio.to_thread(verify_password, password_hash, password):
        return None
    if _hasher.check_needs_rehash(password_hash):
        await store.set_password_hash(account.user_id, await asyncio.to_thread(_hasher.hash, password))
    return account

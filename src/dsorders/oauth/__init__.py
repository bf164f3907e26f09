"""OAuth as the platform runs it: the authorize page, account passwords and authorization codes."""

from __future__ import annotations

from .app import AuthorizeApp
from .codes import CODE_TTL_MS, issue_code
from .demo import DemoSignIn, authorize_url, demo_sign_in
from .passwords import PasswordError, authenticate, hash_password, new_password, set_password, verify_password

__all__ = [
    "CODE_TTL_MS",
    "AuthorizeApp",
    "DemoSignIn",
    "PasswordError",
    "authenticate",
    "authorize_url",
    "demo_sign_in",
    "hash_password",
    "issue_code",
    "new_password",
    "set_password",
    "verify_password",
]

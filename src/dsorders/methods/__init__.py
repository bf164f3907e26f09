"""The API methods this service answers, by name."""

from __future__ import annotations

from .base import Call, Method
from .order_get import METHOD as ORDER_GET
from .token_create import METHOD as TOKEN_CREATE
from .token_refresh import METHOD as TOKEN_REFRESH


def default_methods() -> dict[str, Method]:
    methods = [ORDER_GET, TOKEN_CREATE, TOKEN_REFRESH]
    return {method.name: method for method in methods}


__all__ = ["Call", "Method", "default_methods"]

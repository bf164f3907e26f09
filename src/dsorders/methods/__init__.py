"""The API methods this service answers, by name."""

from __future__ import annotations

from .base import Call, Method
from .order_get import METHOD as ORDER_GET


def default_methods() -> dict[str, Method]:
    methods = [ORDER_GET]
    return {method.name: method for method in methods}


__all__ = ["Call", "Method", "default_methods"]

"""The typed clients, sync and async, and what they return."""

from __future__ import annotations

from ._async import AsyncClient
from ._sync import Client
from .models import ChildOrder, Logistics, LogisticsStatus, Money, Order, OrderStatus, Store, Token

__all__ = [
    "AsyncClient",
    "ChildOrder",
    "Client",
    "Logistics",
    "LogisticsStatus",
    "Money",
    "Order",
    "OrderStatus",
    "Store",
    "Token",
]

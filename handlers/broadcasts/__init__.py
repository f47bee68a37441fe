"""Broadcasts: `/cop broadcast`, its preview, and `/cop broadcasts` (the delivery report)."""

from __future__ import annotations

from handlers.registry import Registry


def register(registry: Registry) -> None:
    del registry  # commands arrive with the service

"""(being written)"""

from __future__ import annotations

from handlers.registry import Registry


def register(registry: Registry) -> None:
    return None

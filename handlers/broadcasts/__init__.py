"""Broadcasts: `/cop broadcast` (and `/cop prompt`), its preview, and `/cop broadcasts`."""

from __future__ import annotations

from handlers.broadcasts.commands import register

__all__ = ["register"]

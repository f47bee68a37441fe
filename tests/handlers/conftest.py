"""Fixtures for handler tests: a dispatcher on the migrated runtime, and a quick join."""

from __future__ import annotations

import pytest

from bot.wiring import Runtime
from handlers.dispatch import Dispatcher


@pytest.fixture
def dispatcher(runtime: Runtime) -> Dispatcher:
    return runtime.dispatcher()

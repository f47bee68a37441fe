"""Everything people can say and click: the one list of handler packages.

Adding a capability's handlers is one entry here (and its `register(registry)`).
"""

from __future__ import annotations

from handlers import (
    broadcasts,
    care,
    evaluation,
    guide,
    home,
    membership,
    newsletter,
    pairing,
    polls,
    reflections,
    resources,
    sessions,
    sets,
)
from handlers.registry import Registry

PACKAGES = (
    guide,
    membership,
    sessions,
    reflections,
    resources,
    pairing,
    sets,
    broadcasts,
    newsletter,
    care,
    polls,
    evaluation,
    home,
)


def build_registry() -> Registry:
    registry = Registry()
    for package in PACKAGES:
        package.register(registry)
    return registry

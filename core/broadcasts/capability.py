"""Broadcasts as a capability: its runs and checks are scheduled items, the outbox tells it
when a run's last message lands, and `catalyst jobs` can describe what is planned."""

from __future__ import annotations

from core.broadcasts import jobs
from core.broadcasts.models import BroadcastItemKind
from core.capability import Capability

CAPABILITY = Capability(
    name="broadcasts",
    item_runners={
        BroadcastItemKind.RUN.value: jobs.run,
        BroadcastItemKind.CHECK.value: jobs.check,
    },
    describe_item=jobs.describe_item,
    message_sent=jobs.message_sent,
)

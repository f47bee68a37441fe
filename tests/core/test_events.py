"""Platform event de-duplication: once per id and platform; old ids are pruned after 3 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.wiring import Runtime
from core.db import unit_of_work
from core.delivery import events as events
from core.models import ProcessedEvent

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def deliver(runtime: Runtime, platform: str, event_id: str, now: datetime = NOW) -> bool:
    with unit_of_work(runtime.session_factory) as session:
        return events.first_delivery(session, platform, event_id, now)


def stored_ids(runtime: Runtime) -> set[str]:
    with unit_of_work(runtime.session_factory) as session:
        return set(session.scalars(select(ProcessedEvent.event_id)))


def test_first_delivery_is_true_once_then_false(runtime: Runtime) -> None:
    assert deliver(runtime, "slack", "Ev01")
    assert not deliver(runtime, "slack", "Ev01")
    assert not deliver(runtime, "slack", "Ev01", NOW + timedelta(minutes=5))
    assert deliver(runtime, "slack", "Ev02")


def test_the_same_id_on_another_platform_is_a_first_delivery(runtime: Runtime) -> None:
    assert deliver(runtime, "slack", "Ev01")
    assert deliver(runtime, "discord", "Ev01")
    assert not deliver(runtime, "discord", "Ev01")


def test_very_long_ids_are_accepted_and_still_deduplicated(runtime: Runtime) -> None:
    long_id = "E" * 300
    assert deliver(runtime, "slack", long_id)
    assert not deliver(runtime, "slack", long_id)


def test_a_rolled_back_delivery_does_not_count(runtime: Runtime) -> None:
    session = runtime.session_factory()
    try:
        assert events.first_delivery(session, "slack", "Ev01", NOW)
        session.rollback()
    finally:
        session.close()
    assert deliver(runtime, "slack", "Ev01")


def test_prune_removes_only_ids_older_than_three_days(runtime: Runtime) -> None:
    deliver(runtime, "slack", "old", NOW - timedelta(days=3, seconds=1))
    deliver(runtime, "slack", "edge", NOW - timedelta(days=3))
    deliver(runtime, "slack", "recent", NOW - timedelta(hours=1))
    with unit_of_work(runtime.session_factory) as session:
        assert events.prune(session, NOW) == 1
    assert stored_ids(runtime) == {"edge", "recent"}
    assert deliver(runtime, "slack", "old")  # forgotten, so seen afresh

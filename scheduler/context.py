"""The running scheduler's collaborators, for module-level job functions.

APScheduler stores jobs as references to module-level functions with plain arguments (ids),
never ORM objects; those functions find the database, clock and sender here. It is set by
`scheduler.runner.Runner.start` and cleared at stop, never at import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from core.clock import Clock
from core.config import Settings
from core.db import SessionFactory, unit_of_work
from core.delivery import lease as lease
from core.delivery import outbox as outbox
from core.delivery.calendar import CalendarMirror
from scheduler.delivery import OutboxWorker

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"  # per platform: "scheduler:slack", "scheduler:console"


@dataclass
class JobContext:
    session_factory: SessionFactory
    clock: Clock
    settings: Settings
    worker: OutboxWorker | None
    holder: str
    scheduler: Any = None  # the APScheduler instance, for the job that syncs item jobs
    platform: str = "slack"
    leading: bool = False
    calendar: CalendarMirror | None = None  # the platform's own calendar, where it has one

    @property
    def lease_name(self) -> str:
        return f"{LEASE_NAME}:{self.platform}"

    def hold_lease(self) -> bool:
        """Take or renew the lease; jobs do nothing while another scheduler holds it."""
        now = self.clock.now()
        with unit_of_work(self.session_factory) as session:
            held = lease.acquire(session, self.lease_name, self.holder, now)
            if held and not self.leading:
                taken = outbox.reclaim_from(session, self.holder, now)
                if taken:
                    log.info("took over %s messages claimed by a stopped scheduler", taken)
        if held != self.leading:
            log.info("scheduler lease %s", "taken" if held else "held elsewhere; staying idle")
        self.leading = held
        return held


_current: JobContext | None = None


def install(context: JobContext | None) -> None:
    global _current  # one scheduler per process, by design
    _current = context


def current() -> JobContext:
    if _current is None:
        raise RuntimeError("the scheduler is not running in this process")
    return _current

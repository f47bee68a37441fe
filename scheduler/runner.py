"""APScheduler 3 wiring: fixed jobs (send the outbox, sync items, prune) plus one date job
per pending scheduled item, rebuilt from the database at start."""

from __future__ import annotations

import concurrent.futures
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import Clock
from core.config import Settings
from core.db import SessionFactory, unit_of_work
from core.delivery import lease as lease
from core.delivery.calendar import CalendarMirror
from core.delivery.outbox import Sender
from scheduler import jobs
from scheduler.context import JobContext, install
from scheduler.delivery import OutboxWorker

log = logging.getLogger(__name__)

DELIVER_EVERY = timedelta(seconds=1)
JOB_THREADS = 10


class _JobPool(BasePoolExecutor):  # type: ignore[misc]
    """APScheduler's thread pool, with the pool kept where `Runner.stop` can wait on it.

    APScheduler's own `shutdown(wait=True)` waits for running jobs while holding its job
    store lock, and `sync_items` takes that lock (through `get_jobs`): a stop during a sync
    deadlocked. So the scheduler is shut down without waiting, and then the pool is drained.
    """

    def __init__(self, pool: concurrent.futures.ThreadPoolExecutor) -> None:
        super().__init__(pool)


SYNC_EVERY = timedelta(seconds=15)


class Runner:
    """One scheduler for a deployment (see core.lease for what stops a second one)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        clock: Clock,
        settings: Settings,
        sender: Sender | None,
        holder: str | None = None,
        platform: str = "slack",
        calendar: CalendarMirror | None = None,
    ) -> None:
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        worker = (
            OutboxWorker(
                session_factory,
                clock,
                sender,
                self.holder,
                platform=platform,
                workspace_rate=settings.send_rate,
                workspace_burst=settings.send_burst,
            )
            if sender is not None
            else None
        )
        self._job_threads = concurrent.futures.ThreadPoolExecutor(
            JOB_THREADS, thread_name_prefix="catalyst-job"
        )
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": _JobPool(self._job_threads)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.context = JobContext(
            session_factory=session_factory,
            clock=clock,
            settings=settings,
            worker=worker,
            holder=self.holder,
            scheduler=self.scheduler,
            platform=platform,
            calendar=calendar,
        )

    def start(self, *, paused: bool = False) -> None:
        """Install the context, add the fixed jobs, rebuild item jobs, start the thread."""
        install(self.context)
        if self.context.worker is not None:
            self.context.worker.resume()
        # First runs are set from the injected clock: left to itself, APScheduler computes
        # them from the wall clock, and a fake clock in the past would then wait for days.
        start = self.context.clock.now()
        self.scheduler.add_job(
            jobs.deliver,
            IntervalTrigger(seconds=DELIVER_EVERY.total_seconds(), start_date=start),
            id="deliver",
            next_run_time=start,
            name="send the outbox",
            replace_existing=True,
            # A long send run overlaps the next tick; the worker's own lock makes the second
            # instance return at once, instead of APScheduler warning every second.
            max_instances=2,
        )
        self.scheduler.add_job(
            jobs.sync_items,
            IntervalTrigger(seconds=SYNC_EVERY.total_seconds(), start_date=start),
            id="sync",
            next_run_time=start,
            name="pick up new and changed sessions",
            replace_existing=True,
        )
        self.scheduler.add_job(
            jobs.prune_events,
            IntervalTrigger(hours=24, start_date=start),
            id="prune",
            next_run_time=start,
            name="forget old event ids",
            replace_existing=True,
        )
        self.scheduler.start(paused=paused)
        jobs.sync_items()
        log.info("scheduler started as %s", self.holder)

    def stop(self) -> None:
        if self.context.worker is not None:
            self.context.worker.stop()  # a send run hands back what it hasn't started
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)  # see _JobPool: never wait under its lock
        self._job_threads.shutdown(wait=True)
        try:
            with unit_of_work(self.context.session_factory) as session:
                lease.release(
                    session, self.context.lease_name, self.holder, self.context.clock.now()
                )
        except Exception:
            log.exception("could not release the scheduler lease; it expires by itself")
        install(None)

    def run_pending(self, now: datetime | None = None, rounds: int = 10) -> int:
        """Run every job due at `now` (default: the clock), as APScheduler would, at once.

        For tests with a fake clock and for the console: time is moved, not waited for. Uses
        the scheduler's own jobs and triggers, so it exercises the same wiring.
        """
        install(self.context)
        ran = 0
        for _ in range(rounds):
            at = now or self.context.clock.now()
            due = [
                job
                for job in self.scheduler.get_jobs()
                if job.next_run_time is not None and job.next_run_time <= at
            ]
            if not due:
                break
            for job in sorted(due, key=lambda j: (j.next_run_time, j.id)):
                job.func(*job.args, **job.kwargs)
                ran += 1
                following = job.trigger.get_next_fire_time(job.next_run_time, at)
                if self.scheduler.get_job(job.id) is None:
                    continue  # the job removed itself (or sync removed it)
                if following is None:
                    self.scheduler.remove_job(job.id)
                else:
                    job.modify(next_run_time=following)
        return ran

"""Job functions: module level, ids in, one transaction per run, never raising.

One failing job must never stop the others: each logs its own failure and returns.
"""

from __future__ import annotations

import logging

from core import capabilities
from core.db import unit_of_work
from core.delivery import events as events
from core.delivery import occurrences as occurrences
from core.delivery.outbox import RateLimited, TransientFailure
from core.facilitators import named_in_settings
from scheduler.context import current

log = logging.getLogger(__name__)


def run_item(item_id: int) -> None:
    """A reminder, prompt or nudge: fan it out into the outbox, then start sending. (An item
    acting on the platform's calendar acts there itself, through `ctx.calendar`.)"""
    ctx = current()
    runners = capabilities.item_runners(ctx.calendar)
    try:
        if not ctx.hold_lease():
            return
        with (
            named_in_settings(ctx.settings.facilitators),
            unit_of_work(ctx.session_factory) as session,
        ):
            note = occurrences.execute(session, item_id, ctx.clock.now(), runners)
        log.info("scheduled item %s: %s", item_id, note)
    except (TransientFailure, RateLimited) as failure:
        # The platform said "later": no bug, so no traceback. The next sync runs it again.
        log.warning("scheduled item %s: %s; it stays pending and is retried", item_id, failure)
        return
    except Exception:
        log.exception("scheduled item %s failed; it stays pending and is retried", item_id)
        return
    deliver()


def deliver() -> None:
    """Send what is due in the outbox (paced) until none is left, renewing the lease every
    ~20 seconds (stopping when it is lost)."""
    ctx = current()
    if ctx.worker is None:
        return
    try:
        if not ctx.hold_lease():
            return
        # Past each ~20 s budget the run goes on while the lease is still ours, so a long
        # fan-out is one continuous run (no gap until the next tick, every 20 s).
        ctx.worker.run_until_idle(keep_going=ctx.hold_lease)
    except Exception:
        log.exception("outbox delivery run failed; the next run picks up where it stopped")


def prune_events() -> None:
    ctx = current()
    try:
        with unit_of_work(ctx.session_factory) as session:
            removed = events.prune(session, ctx.clock.now())
        log.debug("pruned %s old event ids", removed)
    except Exception:
        log.exception("pruning event ids failed")


def item_job_id(item_id: int) -> str:
    return f"item:{item_id}"


def sync_items() -> None:
    """Make APScheduler's one-off jobs match the pending items in the database.

    The database is the source of truth: sessions added or moved by any web replica show up
    here within one sync interval, and a restart rebuilds every job from the rows.
    """
    ctx = current()
    scheduler = ctx.scheduler
    if scheduler is None:
        return
    try:
        now = ctx.clock.now()
        # Each capability plans its upcoming items (peer-coaching rounds from a community's
        # cadence, ...), each in its own unit of work, so a problem in one never stops the
        # others or the sync.
        for name, plan_upcoming in capabilities.planners():
            try:
                with (
                    named_in_settings(ctx.settings.facilitators),
                    unit_of_work(ctx.session_factory) as session,
                ):
                    plan_upcoming(session, now)
            except Exception:
                log.exception("planning %s failed; the next sync retries", name)
        with unit_of_work(ctx.session_factory) as session:
            pending = occurrences.pending_items(session, now, None, platform=ctx.platform)
            due = {item.id: item.due_at for item in pending}
        existing = {job.id for job in scheduler.get_jobs() if job.id.startswith("item:")}
        for item_id, due_at in due.items():
            job_id = item_job_id(item_id)
            if job_id not in existing:
                scheduler.add_job(
                    run_item,
                    trigger="date",
                    run_date=max(due_at, now),
                    args=[item_id],
                    id=job_id,
                    name=f"scheduled item {item_id}",
                    replace_existing=True,
                )
        wanted = {item_job_id(item_id) for item_id in due}
        for job_id in existing - wanted:
            scheduler.remove_job(job_id)
    except Exception:
        log.exception("syncing scheduled items failed; the next sync retries")

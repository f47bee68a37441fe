"""Sending what the outbox holds, within the platform's rules.

Pacing: one message per second per channel with a short burst (Slack's chat.postMessage
rule); a 429 pauses all sending for its Retry-After. Transient failures are retried with
backoff; permanent ones are recorded for facilitators. A row whose earlier attempt may have
gone through (the process died between sending and recording) is looked up on the platform
by its outbox key before anything is sent again.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import capabilities
from core.clock import Clock
from core.db import SessionFactory, unit_of_work
from core.delivery import outbox as outbox
from core.delivery.outbox import (
    Claim,
    Delivered,
    PermanentFailure,
    RateLimited,
    Sender,
    TransientFailure,
)
from core.ui_codec import message_from_json

log = logging.getLogger(__name__)

FIND_SLACK = timedelta(minutes=2)  # how far before the earlier claim to look for our message


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... capped at 30 minutes."""
    return min(timedelta(seconds=5 * 2**attempts), timedelta(minutes=30))


@dataclass
class TokenBucket:
    """`rate` messages per second with bursts of `burst`, on the injected clock."""

    rate: float
    burst: int
    tokens: float
    updated: datetime

    def take(self, now: datetime) -> datetime | None:
        """Use a token and return None, or return when the next one will be available."""
        elapsed = max(0.0, (now - self.updated).total_seconds())
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return now + timedelta(seconds=(1.0 - self.tokens) / self.rate)


@dataclass
class OutboxWorker:
    session_factory: SessionFactory
    clock: Clock
    sender: Sender
    worker_id: str
    per_channel_rate: float = 1.0
    burst: int = 3
    batch: int = 25
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    paused_until: datetime | None = None
    platform: str | None = None
    concurrency: int = 4
    _running: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def run_once(self) -> int:
        """Claim one batch of due messages and try each; returns how many were attempted."""
        now = self.clock.now()
        if self.paused_until is not None and now < self.paused_until:
            return 0
        with unit_of_work(self.session_factory) as session:
            claims = outbox.claim_due(
                session, now, self.worker_id, limit=self.batch, platform=self.platform
            )
        ready: list[Claim] = []
        for claim in claims:
            wait_until = self._wait_until(claim.recipient, now)
            if wait_until is not None:
                with unit_of_work(self.session_factory) as session:
                    outbox.release(session, claim.id, wait_until)
                continue
            ready.append(claim)
        if self.concurrency <= 1 or len(ready) <= 1:
            for claim in ready:
                self._deliver(claim, self.clock.now())
        else:
            # Different channels in parallel (pacing was decided above, in one thread):
            # most of a send is waiting for Slack, so a few at once multiply throughput.
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="outbox") as pool:
                list(pool.map(lambda c: self._deliver(c, self.clock.now()), ready))
        return len(ready)

    def run_until_idle(self, budget_seconds: float = 20.0) -> int:
        """Keep sending while there is work ready, for at most `budget_seconds` of real time.

        One run at a time per worker: the pacing state is not shared between threads, and a
        second caller (a job that just fanned out) finds the first one already sending.
        """
        if not self._running.acquire(blocking=False):
            return 0
        try:
            started = time.monotonic()
            total = 0
            while time.monotonic() - started < budget_seconds:
                done = self.run_once()
                total += done
                if done == 0:
                    break
            return total
        finally:
            self._running.release()

    def _wait_until(self, recipient: str, now: datetime) -> datetime | None:
        if self.paused_until is not None and now < self.paused_until:
            return self.paused_until
        bucket = self.buckets.get(recipient)
        if bucket is None:
            if len(self.buckets) > 20_000:  # forget idle channels; a fresh bucket is full
                self.buckets.clear()
            bucket = self.buckets[recipient] = TokenBucket(
                self.per_channel_rate, self.burst, float(self.burst), now
            )
        return bucket.take(now)

    def _deliver(self, claim: Claim, now: datetime) -> None:
        paused = self.paused_until
        if paused is not None and now < paused:  # a 429 arrived while this one waited
            with unit_of_work(self.session_factory) as session:
                outbox.release(session, claim.id, paused)
            return
        try:
            delivered = self._already_sent(claim) if claim.uncertain else None
            if delivered is None:
                delivered = self.sender.send(
                    claim.recipient,
                    message_from_json(claim.payload),
                    key=claim.key,
                    thread_ts=claim.thread_ts,
                    want_permalink=claim.wants_permalink,
                )
        except RateLimited as limited:
            until = now + timedelta(seconds=max(1.0, limited.retry_after))
            self.paused_until = max(until, self.paused_until or until)
            log.warning("rate limited: pausing sends for %.0fs", limited.retry_after)
            with unit_of_work(self.session_factory) as session:
                outbox.release(session, claim.id, self.paused_until)
            return
        except PermanentFailure as failure:
            log.info("outbox %s failed for good: %s", claim.key, failure)
            with unit_of_work(self.session_factory) as session:
                outbox.mark_failed(session, claim.id, str(failure))
            return
        except TransientFailure as failure:
            with unit_of_work(self.session_factory) as session:
                outbox.retry_later(session, claim.id, now, backoff(claim.attempts), str(failure))
            return
        except Exception as error:  # a bug must not stop the other messages
            log.exception("outbox %s: unexpected error", claim.key)
            with unit_of_work(self.session_factory) as session:
                outbox.retry_later(
                    session, claim.id, now, backoff(claim.attempts), type(error).__name__
                )
            return
        with unit_of_work(self.session_factory) as session:
            row = outbox.mark_sent(
                session,
                claim.id,
                self.clock.now(),
                channel=delivered.channel,
                ts=delivered.ts,
                permalink=delivered.permalink,
            )
            if row is not None:  # in the same transaction: both recorded, or neither
                capabilities.message_sent(session, row, delivered.permalink)

    def _already_sent(self, claim: Claim) -> Delivered | None:
        since = (claim.previous_claim_at or claim.claimed_at) - FIND_SLACK
        try:
            found = self.sender.find_sent(claim.recipient, claim.key, since, claim.thread_ts)
        except PermanentFailure as failure:
            # Not knowing whether it arrived is no reason to give the message up: look again
            # later (after MAX_ATTEMPTS it is recorded as failed, with this reason).
            raise TransientFailure(f"lookup: {failure}") from failure
        if found is not None:
            log.info("outbox %s had been sent before a restart; not sending again", claim.key)
        return found

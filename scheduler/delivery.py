"""Sending what the outbox holds, within the platform's rules.

Pacing: a token bucket for the whole workspace (`CATALYST_SEND_RATE` messages a second, bursts
of `CATALYST_SEND_BURST`), so Catalyst stays under Slack's workspace-wide limit instead of
running into it, and one per channel (about one message a second, Slack's chat.postMessage
rule). Messages to different channels are sent in parallel, so the time each call takes does
not cap throughput; the claim loop keeps the pipe fed (see `run_until_idle`). A 429 pauses what
it applies to for its Retry-After (see `_rate_limited`). Transient failures are retried with
backoff; permanent ones are recorded for facilitators. A row whose earlier attempt may have
gone through (the process died between sending and recording) is looked up on the platform
by its outbox key before anything is sent again.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import capabilities
from core.clock import Clock
from core.config import DEFAULT_SEND_BURST, DEFAULT_SEND_RATE
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
# A 429 asking for at most this long is the channel's own rule (Slack's one a second per
# channel answers Retry-After: 1); a longer one is a wider limit. See `_rate_limited`.
CHANNEL_RETRY_AFTER = 1.0
# This many 429s in a row (no success between), on different channels, mean a wider limit.
LIMITED_IN_A_ROW = 3
REPOLL = 0.25  # seconds between looks for newly due rows while sending
# Longest wait for the workspace inside a run (on `clock.sleep`); a longer one (a 429's pause)
# hands the rows back with their time and ends the run, so claims aren't held through it.
MAX_WAIT = timedelta(seconds=1)


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

    def _refill(self, now: datetime) -> None:
        elapsed = max(0.0, (now - self.updated).total_seconds())
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.updated = now

    def peek(self, now: datetime) -> datetime | None:
        """None when a token is there now, else when the next one will be (nothing taken)."""
        self._refill(now)
        if self.tokens >= 1.0 - 1e-9:  # not lost to float rounding
            return None
        # Rounded up to the microsecond: waiting until then always finds the token there.
        return now + timedelta(microseconds=math.ceil((1.0 - self.tokens) / self.rate * 1e6))

    def take(self, now: datetime) -> datetime | None:
        """Use a token and return None, or return when the next one will be available."""
        wait_until = self.peek(now)
        if wait_until is None:
            self.tokens = max(0.0, self.tokens - 1.0)
        return wait_until


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
    paused_until: datetime | None = None  # every channel (a wider limit's 429)
    platform: str | None = None
    concurrency: int = 8
    workspace_rate: float = DEFAULT_SEND_RATE
    workspace_burst: int = DEFAULT_SEND_BURST
    channel_paused: dict[str, datetime] = field(default_factory=dict)  # a channel's own 429
    workspace: TokenBucket | None = None
    limited_in_a_row: int = 0
    _pacing: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _running: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    # ---- running -----------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim one batch of due messages and try each; returns how many were attempted."""
        now = self.clock.now()
        if self.paused_until is not None and now < self.paused_until:
            return 0
        claims = self._claim(now, self.batch)
        ready: list[Claim] = []
        for claim in claims:
            wait_until = self._admit(claim.recipient, now)[1]
            if wait_until is not None:
                self._release(claim, wait_until)
                continue
            ready.append(claim)
        if self.concurrency <= 1 or len(ready) <= 1:
            for claim in ready:
                self._deliver(claim, self.clock.now())
        else:
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="outbox") as pool:
                list(pool.map(lambda c: self._deliver(c, self.clock.now()), ready))
        return len(ready)

    def run_until_idle(
        self, budget_seconds: float = 20.0, keep_going: Callable[[], bool] | None = None
    ) -> int:
        """Keep sending while there is work ready, for at most `budget_seconds` of real time
        (then another budget each time `keep_going()` says so: the scheduler renews its lease
        there); returns how many messages were attempted.

        A pipeline, not batches: rows are claimed a few ahead of the senders (twice as many
        as run at once), each is sent as soon as its channel and the workspace allow it and a
        sender is free, and more are claimed as these go. Waiting for the slowest of a batch,
        or handing back rows that only had to wait a tenth of a second for a token, left the
        pipe idle. One run at a time per worker: a second caller (a job that just fanned out)
        finds the first one already sending.
        """
        if not self._running.acquire(blocking=False):
            return 0
        try:
            if self.concurrency <= 1:
                return self._pipeline(None, budget_seconds, keep_going)
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="outbox") as pool:
                return self._pipeline(pool, budget_seconds, keep_going)
        finally:
            self._running.release()

    def stop(self) -> None:
        """Make a run in progress end soon (and later ones at once, until `resume`): rows not
        yet sent are handed back, sends under way finish and are recorded."""
        self._stopping.set()

    def resume(self) -> None:
        self._stopping.clear()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _pipeline(
        self,
        pool: ThreadPoolExecutor | None,
        budget_seconds: float,
        keep_going: Callable[[], bool] | None,
    ) -> int:
        started = time.monotonic()
        lanes = max(1, self.concurrency)
        ready: deque[Claim] = deque()
        running: set[Future[None]] = set()
        attempted = 0
        polled_at = float("-inf")
        while True:
            for done in [f for f in running if f.done()]:
                running.discard(done)
                if done.exception() is not None:  # recording failed: the claim runs out and
                    # the row comes back uncertain (looked up on the platform before a resend)
                    log.error("outbox send could not be recorded: %r", done.exception())
            over = self._stopping.is_set() or time.monotonic() - started >= budget_seconds
            if over and not self._stopping.is_set() and keep_going is not None and keep_going():
                started, over = time.monotonic(), False
            now = self.clock.now()
            if over:
                for claim in ready:  # untried: due again at once, for the next run
                    self._release(claim, now)
                wait(running)
                return attempted
            claimed = 0
            idle = not ready and not running
            # Top up when the queue runs low: at once when nothing is left to do, otherwise
            # at most every REPOLL seconds (a rate-limited send leaves a slot free often).
            if len(ready) < lanes and (idle or time.monotonic() - polled_at >= REPOLL):
                want = 2 * lanes - len(ready) - len(running)
                if want > 0:
                    fresh = self._claim(now, want)
                    polled_at = time.monotonic()
                    claimed = len(fresh)
                    ready.extend(fresh)
            if idle and claimed == 0:
                return attempted
            wait_until: datetime | None = None
            while ready and len(running) < lanes:
                claim = ready[0]
                scope, until = self._admit(claim.recipient, now)
                if until is None:
                    ready.popleft()
                    running.add(self._start(pool, claim))
                    attempted += 1
                elif scope == "channel":  # this channel must wait; the others needn't
                    ready.popleft()
                    self._release(claim, until)
                else:  # the workspace's next token (or a wider pause): wait for it here
                    wait_until = until
                    break
            if wait_until is not None and wait_until - now > MAX_WAIT:
                for claim in ready:  # a long pause: hand them back until it is over
                    self._release(claim, wait_until)
                ready.clear()
                wait_until = None
            timeout = REPOLL
            if wait_until is not None:
                timeout = min(timeout, max(0.0, (wait_until - now).total_seconds()))
            if running and (wait_until is None or len(running) >= lanes):
                wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
            elif wait_until is not None:
                self.clock.sleep(max(timeout, 1e-6))

    def _start(self, pool: ThreadPoolExecutor | None, claim: Claim) -> Future[None]:
        if pool is not None:
            return pool.submit(self._deliver, claim, self.clock.now())
        done: Future[None] = Future()
        self._deliver(claim, self.clock.now())
        done.set_result(None)
        return done

    def _claim(self, now: datetime, limit: int) -> list[Claim]:
        with unit_of_work(self.session_factory) as session:
            return outbox.claim_due(
                session, now, self.worker_id, limit=limit, platform=self.platform
            )

    def _release(self, claim: Claim, not_before: datetime) -> None:
        with unit_of_work(self.session_factory) as session:
            outbox.release(session, claim.id, not_before)

    # ---- pacing ------------------------------------------------------------------------------

    def _admit(self, recipient: str, now: datetime) -> tuple[str, datetime | None]:
        """May a message to `recipient` go now? (scope, None) and its tokens are taken, or
        (scope, when to try again): scope "workspace" (its bucket, or a pause of every
        channel) or "channel" (this channel's bucket, or its own 429)."""
        with self._pacing:
            if self.paused_until is not None:
                if now < self.paused_until:
                    return "workspace", self.paused_until
                self.paused_until = None
            if self.workspace is None:
                self.workspace = TokenBucket(
                    self.workspace_rate, self.workspace_burst, float(self.workspace_burst), now
                )
            workspace_wait = self.workspace.peek(now)
            if workspace_wait is not None:
                return "workspace", workspace_wait
            paused = self.channel_paused.get(recipient)
            if paused is not None:
                if now < paused:
                    return "channel", paused
                del self.channel_paused[recipient]
            bucket = self.buckets.get(recipient)
            if bucket is None:
                if len(self.buckets) > 20_000:  # forget idle channels; a fresh bucket is full
                    self.buckets.clear()
                bucket = self.buckets[recipient] = TokenBucket(
                    self.per_channel_rate, self.burst, float(self.burst), now
                )
            channel_wait = bucket.take(now)
            if channel_wait is not None:
                return "channel", channel_wait
            self.workspace.take(now)
            return "workspace", None

    def _rate_limited(self, recipient: str, retry_after: float) -> datetime:
        """Record a 429 and return when this row may be tried again.

        Slack doesn't say which of its limits a 429 comes from, and pausing every channel for
        one channel's limit would idle the worker for nothing: the other channels are under
        their own limits, and the workspace bucket keeps the total under the workspace's.
        So a 429 asking for at most CHANNEL_RETRY_AFTER (what the one-a-second channel rule
        answers) holds back only its channel. A longer Retry-After, or LIMITED_IN_A_ROW 429s
        in a row from different channels, come from a wider limit (the workspace guard, the
        method's tier): then nothing is sent until it has passed.
        """
        seconds = max(1.0, retry_after)
        now = self.clock.now()
        until = now + timedelta(seconds=seconds)
        with self._pacing:
            self.limited_in_a_row += 1
            wider = retry_after > CHANNEL_RETRY_AFTER or self.limited_in_a_row >= LIMITED_IN_A_ROW
            if wider:
                self.paused_until = max(until, self.paused_until or until)
            else:
                self.channel_paused[recipient] = until
        log.warning(
            "rate limited: pausing sends %s for %.0fs",
            "to every channel" if wider else f"to {recipient}",
            seconds,
        )
        return until

    # ---- one message -------------------------------------------------------------------------

    def _deliver(self, claim: Claim, now: datetime) -> None:
        with self._pacing:
            paused = self.paused_until
            if paused is None or now >= paused:
                paused = self.channel_paused.get(claim.recipient)
        if paused is not None and now < paused:  # a 429 arrived while this one waited
            self._release(claim, paused)
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
            self._release(claim, self._rate_limited(claim.recipient, limited.retry_after))
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
        with self._pacing:
            self.limited_in_a_row = 0
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

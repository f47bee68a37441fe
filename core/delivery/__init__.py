"""Reliable delivery for every capability: scheduled items, the outbox, the scheduler's
lease and event dedupe."""

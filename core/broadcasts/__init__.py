"""Broadcasts: a facilitator's message to the right people, at the right time, with a report
of whether it arrived (see service.py)."""

"""Polls and the end-of-programme survey: `/cop poll`, `/cop poll themes`, `/cop survey`,
the vote buttons, members' suggestions and the survey form."""

from __future__ import annotations

from handlers.polls.commands import register

__all__ = ["register"]

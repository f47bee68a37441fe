"""Who is drifting: `/cop care` for facilitators (with check-ins and snoozes, and a section
on their Home), `/cop pause` and `/cop resume` for members, and the check-in's answers."""

from __future__ import annotations

from handlers.care.commands import register

__all__ = ["register"]

"""Errors a person may see. Anything else is a bug and gets a generic, calm reply."""

from __future__ import annotations

from collections.abc import Mapping


class UserError(Exception):
    """Something the person can fix; `str(error)` is a plain sentence saying how."""


class NotAMember(UserError):
    pass


class NotAllowed(UserError):
    pass


class InvalidInput(UserError):
    """Form input that breaks a rule; `errors` is keyed by field name."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)

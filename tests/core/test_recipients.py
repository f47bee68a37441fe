"""The outbox's recipient strings: what core writes, every sender reads the same way."""

from __future__ import annotations

import pytest

from core.delivery import recipients


def test_a_private_space_round_trips() -> None:
    written = recipients.private_space("cop-set-cedar", ["U1", "U2", "U3"])
    assert written == "space:cop-set-cedar:U1,U2,U3"
    assert recipients.parse(written) == recipients.PrivateSpace("cop-set-cedar", ("U1", "U2", "U3"))


def test_an_archive_round_trips() -> None:
    assert recipients.parse(recipients.archive("C0SET")) == recipients.Archive("C0SET")


@pytest.mark.parametrize("plain", ["U0AMINA", "U1,U2", "C0123", "space:", "archive:"])
def test_plain_recipients_are_not_instructions(plain: str) -> None:
    assert recipients.parse(plain) is None


def test_a_name_that_would_break_the_format_is_refused() -> None:
    with pytest.raises(ValueError, match="space name"):
        recipients.private_space("a:b", ["U1"])


def test_a_removal_round_trips() -> None:
    written = recipients.remove("C0SET", ["U1", "U2"])
    assert written == "remove:C0SET:U1,U2"
    assert recipients.parse(written) == recipients.Remove("C0SET", ("U1", "U2"))
    assert recipients.parse(recipients.remove("C0SET", [])) == recipients.Remove("C0SET", ())

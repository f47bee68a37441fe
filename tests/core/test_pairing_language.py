"""Which language a group message (introduction, check-in) is written in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from core.models import Member, group_language


def _member(speaks: str) -> Member:
    return cast(Member, cast(Any, SimpleNamespace(speaks=speaks)))


def test_a_group_that_shares_a_language_is_written_to_in_it() -> None:
    assert group_language([_member("ar"), _member("ar")]) == "ar"


def test_a_mixed_group_is_written_to_in_the_first_members_language() -> None:
    assert group_language([_member("fr"), _member("ar")]) == "fr"
    assert group_language([_member("en"), _member("fr"), _member("fr")]) == "en"

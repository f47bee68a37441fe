"""Membership: profile checks, join / rejoin / leave, roles, the member list and the numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities
from core.clock import FakeClock
from core.db import unit_of_work
from core.defaults import DEFAULT_THEMES
from core.errors import InvalidInput, NotAllowed, UserError
from core.membership import service as membership
from core.membership.service import ProfileDraft
from core.models import Community, Member, MembershipEvent, MemberStatus, Role
from tests.core.drafts import GOOD, draft

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CONFIGURED = frozenset({"UFACIL01"})


def plain_community() -> Community:
    """A community that is never saved: enough for check_profile."""
    return Community(
        platform="slack", external_id="T0", timezone="Europe/London", themes=list(DEFAULT_THEMES)
    )


def field_errors(candidate: ProfileDraft, *, joining: bool = True) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        membership.check_profile(candidate, plain_community(), joining=joining)
    return raised.value.errors


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session) -> Community:
    return communities.get_or_create(session, "slack", "T0001", timezone="Europe/London", now=NOW)


def join(
    session: Session, community: Community, user_id: str, now: datetime = NOW, **changes: object
) -> tuple[Member, bool]:
    profile = membership.check_profile(draft(**changes), community, joining=True)
    return membership.join(session, community, user_id, profile, now)


def event_kinds(session: Session, community: Community) -> list[str]:
    return list(
        session.scalars(
            select(MembershipEvent.kind)
            .where(MembershipEvent.community_id == community.id)
            .order_by(MembershipEvent.id)
        )
    )


# ---- check_profile ------------------------------------------------------------------------


def test_a_good_draft_becomes_a_profile_with_themes_in_community_order() -> None:
    profile = membership.check_profile(GOOD, plain_community(), joining=True)
    assert profile.display_name == "Amina Yusuf"
    assert profile.themes == ("Anti-racism", "Lived experience leadership")
    assert profile.languages == ("en", "ar")
    assert profile.lived_experience_match is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": ""}, "display_name"),
        ({"display_name": " \t "}, "display_name"),
        ({"display_name": None}, "display_name"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"display_name": "\x00\x07\x1b"}, "display_name"),
        ({"pronouns": "p" * 41}, "pronouns"),
        ({"organisation": ""}, "organisation"),
        ({"organisation": "o" * 121}, "organisation"),
        ({"org_size": "huge"}, "org_size"),
        ({"org_size": None}, "org_size"),
        ({"role_level": "boss"}, "role_level"),
        ({"themes": ["Knitting"]}, "themes"),
        ({"languages": []}, "languages"),
        ({"languages": ["en", "klingon"]}, "languages"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"pairing_cadence": "daily"}, "pairing_cadence"),
        ({"agreed": False}, "agreed"),
    ],
)
def test_each_bad_field_gets_its_own_error(changes: dict[str, object], field: str) -> None:
    assert set(field_errors(draft(**changes))) == {field}


def test_all_problems_are_reported_at_once() -> None:
    errors = field_errors(draft(display_name="", languages=[], timezone="Mars/Base", agreed=False))
    assert set(errors) == {"display_name", "languages", "timezone", "agreed"}
    assert all(message.endswith(".") for message in errors.values())


def test_name_of_exactly_80_characters_is_accepted() -> None:
    profile = membership.check_profile(
        draft(display_name="x" * 80), plain_community(), joining=True
    )
    assert len(profile.display_name) == 80


def test_control_characters_are_stripped_from_names() -> None:
    profile = membership.check_profile(
        draft(display_name="  Am\x00ina\x1b[31m   Yusuf\x07 ", organisation="Refugee\x7f Action"),
        plain_community(),
        joining=True,
    )
    assert profile.display_name == "Amina[31m Yusuf"
    assert profile.organisation == "Refugee Action"


def test_a_tab_or_newline_between_words_becomes_a_space() -> None:
    # BUG (core/membership.py _tidy): control characters are dropped *before* whitespace is
    # collapsed, so "Amina\tYusuf" becomes "AminaYusuf".
    profile = membership.check_profile(
        draft(display_name="Amina\tYusuf", organisation="Refugee\nAction"),
        plain_community(),
        joining=True,
    )
    assert profile.display_name == "Amina Yusuf"
    assert profile.organisation == "Refugee Action"


def test_zero_width_non_joiner_in_a_persian_name_is_kept() -> None:
    # BUG (core/membership.py _tidy): every Unicode "C*" category is dropped, including Cf
    # format characters; ZWNJ (U+200C) is part of correct Persian spelling.
    name = "Sara نیک\u200cنام"
    profile = membership.check_profile(draft(display_name=name), plain_community(), joining=True)
    assert profile.display_name == name


def test_agreement_is_not_needed_when_editing() -> None:
    profile = membership.check_profile(draft(agreed=False), plain_community(), joining=False)
    assert profile.display_name == "Amina Yusuf"


def test_duplicate_languages_are_kept_once() -> None:
    profile = membership.check_profile(
        draft(languages=["ar", "en", "ar"]), plain_community(), joining=True
    )
    assert profile.languages == ("ar", "en")


# ---- join, leave, rejoin ---------------------------------------------------------------


def test_join_creates_an_active_member_and_a_joined_event(
    session: Session, community: Community
) -> None:
    member, was_new = join(session, community, "U0AMINA")
    assert was_new
    assert member.status == MemberStatus.ACTIVE
    assert member.role == Role.MEMBER
    assert member.joined_at == NOW
    assert member.consent_at == NOW
    assert member.consent_version == communities.current_consent_version(community)
    assert event_kinds(session, community) == ["joined"]


def test_joining_again_while_active_updates_without_a_new_event(
    session: Session, community: Community
) -> None:
    join(session, community, "U0AMINA")
    member, was_new = join(
        session, community, "U0AMINA", NOW + timedelta(days=1), organisation="New Org"
    )
    assert not was_new
    assert member.organisation == "New Org"
    assert member.joined_at == NOW
    assert member.updated_at == NOW + timedelta(days=1)
    assert event_kinds(session, community) == ["joined"]
    assert session.scalar(select(func.count()).select_from(Member)) == 1


def test_leave_then_join_is_a_rejoin(session: Session, community: Community) -> None:
    member, _ = join(session, community, "U0AMINA")
    assert membership.leave(session, member, NOW + timedelta(hours=1))
    assert member.status == MemberStatus.LEFT
    assert member.left_at == NOW + timedelta(hours=1)
    again, changed = join(session, community, "U0AMINA", NOW + timedelta(days=2))
    assert changed
    assert again.id == member.id
    assert again.status == MemberStatus.ACTIVE
    assert again.left_at is None
    assert event_kinds(session, community) == ["joined", "left", "rejoined"]


def test_leaving_twice_changes_nothing_the_second_time(
    session: Session, community: Community
) -> None:
    member, _ = join(session, community, "U0AMINA")
    assert membership.leave(session, member, NOW)
    assert not membership.leave(session, member, NOW + timedelta(hours=1))
    assert event_kinds(session, community) == ["joined", "left"]


# ---- roles -------------------------------------------------------------------------------


def test_set_role_grants_and_revokes_facilitator(session: Session, community: Community) -> None:
    join(session, community, "U0SAM")
    granted = membership.set_role(
        session, community, "U0SAM", Role.FACILITATOR, NOW, configured_facilitators=CONFIGURED
    )
    assert granted.is_facilitator
    revoked = membership.set_role(
        session, community, "U0SAM", Role.MEMBER, NOW, configured_facilitators=CONFIGURED
    )
    assert not revoked.is_facilitator


def test_configured_facilitator_cannot_be_revoked(session: Session, community: Community) -> None:
    join(session, community, "UFACIL01")
    with pytest.raises(NotAllowed, match="CATALYST_FACILITATORS"):
        membership.set_role(
            session, community, "UFACIL01", Role.MEMBER, NOW, configured_facilitators=CONFIGURED
        )


@pytest.mark.parametrize("has_left", [False, True])
def test_role_needs_an_active_member(
    session: Session, community: Community, has_left: bool
) -> None:
    if has_left:
        member, _ = join(session, community, "U0SAM")
        membership.leave(session, member, NOW)
    with pytest.raises(UserError, match="haven't joined"):
        membership.set_role(
            session, community, "U0SAM", Role.FACILITATOR, NOW, configured_facilitators=CONFIGURED
        )


# ---- list_active and numbers -----------------------------------------------------------


def test_list_active_pages_by_name_ignoring_case_and_skips_leavers(
    session: Session, community: Community
) -> None:
    names = [f"member {i:02d}" for i in range(23)] + ["Aaron", "zoe", "Bea"]
    for i, name in enumerate(names):
        join(session, community, f"U{i:04d}", display_name=name)
    gone, _ = join(session, community, "UGONE", display_name="AAA Gone")
    membership.leave(session, gone, NOW)

    first = membership.list_active(session, community, offset=0, limit=20)
    rest = membership.list_active(session, community, offset=20, limit=20)
    assert first.total == rest.total == 26
    assert len(first.members) == 20
    assert len(rest.members) == 6
    shown = [m.display_name for m in [*first.members, *rest.members]]
    assert shown == sorted(names, key=str.lower)
    assert first.members[0].display_name == "Aaron"
    assert first.members[1].display_name == "Bea"
    assert rest.members[-1].display_name == "zoe"


def test_numbers_count_this_month_in_the_community_timezone(
    session: Session, community: Community, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 7, 31, 22, 30, tzinfo=UTC))  # 23:30 BST: still July in London
    join(session, community, "U0JULY", clock.now())
    clock.set(datetime(2026, 7, 31, 23, 10, tzinfo=UTC))  # 00:10 BST on 1 August
    join(session, community, "U0AUGUST", clock.now())
    clock.set(datetime(2026, 7, 31, 23, 30, tzinfo=UTC))  # July in UTC, August in London
    numbers = membership.numbers(session, community, clock.now())
    assert numbers.joins_this_month == 1
    assert numbers.active_members == 2


def test_numbers_count_facilitators_rejoins_and_leaves(
    session: Session, community: Community
) -> None:
    facilitator, _ = join(session, community, "U0SAM")
    membership.set_role(
        session, community, "U0SAM", Role.FACILITATOR, NOW, configured_facilitators=CONFIGURED
    )
    leaver, _ = join(session, community, "U0LEFT")
    membership.leave(session, leaver, NOW)
    join(session, community, "U0LEFT")  # rejoined
    other, _ = join(session, community, "U0GONE")
    membership.leave(session, other, NOW)
    numbers = membership.numbers(session, community, NOW)
    assert numbers.active_members == 2
    assert numbers.facilitators == 1
    assert numbers.joins_this_month == 4
    assert numbers.leaves_this_month == 2
    assert facilitator.is_facilitator


# ---- communities --------------------------------------------------------------------------


def test_get_or_create_is_idempotent(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        first = communities.get_or_create(session, "slack", "T1", timezone="UTC", now=NOW)
    with unit_of_work(runtime.session_factory) as session:
        again = communities.get_or_create(
            session, "slack", "T1", timezone="Europe/London", now=NOW + timedelta(days=1)
        )
        assert again.id == first.id
        assert again.timezone == "UTC"
        assert again.created_at == NOW
        assert session.scalar(select(func.count()).select_from(Community)) == 1


def test_two_communities_are_kept_apart(session: Session) -> None:
    t1 = communities.get_or_create(session, "slack", "T1", timezone="Europe/London", now=NOW)
    t2 = communities.get_or_create(session, "slack", "T2", timezone="Europe/London", now=NOW)
    assert t1.id != t2.id
    join(session, t1, "U0AMINA")
    assert membership.find(session, t1, "U0AMINA") is not None
    assert membership.find(session, t2, "U0AMINA") is None
    assert membership.list_active(session, t2).total == 0
    assert membership.numbers(session, t2, NOW).joins_this_month == 0
    join(session, t2, "U0AMINA", organisation="Elsewhere")
    found_in_t1 = membership.find(session, t1, "U0AMINA")
    assert found_in_t1 is not None
    assert found_in_t1.organisation == "Refugee Action Now"


def test_same_external_id_on_another_platform_is_another_community(session: Session) -> None:
    slack = communities.get_or_create(session, "slack", "T1", timezone="UTC", now=NOW)
    discord = communities.get_or_create(session, "discord", "T1", timezone="UTC", now=NOW)
    assert slack.id != discord.id


# ---- the language Catalyst writes in ------------------------------------------------------


def test_the_language_is_checked_and_normalised() -> None:
    profile = membership.check_profile(draft(language="fr-FR"), plain_community(), joining=True)
    assert profile.language == "fr"
    assert membership.check_profile(GOOD, plain_community(), joining=True).language is None
    assert field_errors(draft(language="de")) == {
        "language": "Please choose one of the languages Catalyst speaks: "
        "English (`en`), العربية (`ar`) and Français (`fr`)."
    }


def test_set_language_stores_an_available_code_and_refuses_others(
    session: Session, community: Community
) -> None:
    member, _ = join(session, community, "U0AMINA", language="ar")
    assert (member.language, member.speaks) == ("ar", "ar")
    assert membership.set_language(session, member, "FR", NOW + timedelta(days=1)) == "fr"
    assert (member.language, member.updated_at) == ("fr", NOW + timedelta(days=1))
    for code in ("de", "xx", "", None):
        with pytest.raises(InvalidInput) as raised:
            membership.set_language(session, member, code, NOW)
        assert "English (`en`)" in raised.value.errors["language"]
    assert member.language == "fr"
    # A profile saved without the question keeps the choice.
    membership.update_profile(
        session, member, membership.check_profile(GOOD, community, joining=False), NOW
    )
    assert member.language == "fr"

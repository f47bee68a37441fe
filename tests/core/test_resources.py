"""The library's rules: checking, duplicates after normalising, review, retire, helpful,
forget-me, session preparation, CSV import and export; on both engines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import privacy
from core.config import Settings
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.errors import InvalidInput, UserError
from core.membership import service as membership
from core.models import Community, Member
from core.resources import csv_io as resource_csv
from core.resources import notices as resource_notices
from core.resources import searching as resource_search
from core.resources import service as resources
from core.resources import urls as urls
from core.resources.models import Resource, ResourceVote
from core.resources.service import ResourceDraft
from core.sessions import service as sessions
from core.sessions.checks import SessionDraft
from tests.conftest import table_counts
from tests.core.drafts import draft as profile_draft
from tests.core.resource_helpers import NOW, community, load_library

GOOD = ResourceDraft(
    title="Power at work",
    url="https://www.example.net/power/?utm_source=x",
    format="reading",
    themes=["power and positionality"],
    language="en",
    description="Five short pieces.",
)


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def place(session: Session) -> Community:
    return community(session)


def add_member(session: Session, target: Community, user_id: str = "U0AMINA") -> Member:
    profile = membership.check_profile(profile_draft(), target, joining=True)
    member, _ = membership.join(session, target, user_id, profile, NOW)
    return member


# ---- pure: links and checking ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.example.org/guide/", "http://example.org/guide"),
        ("https://example.org/guide?utm_source=x&utm_medium=y", "https://example.org/guide"),
        ("https://example.org/a?b=2&a=1&fbclid=z", "https://EXAMPLE.org/a?a=1&b=2"),
        ("https://example.org/a?gclid=1#top", "https://example.org/a"),
        ("https://example.org:443/%7Euser", "https://example.org/~user"),
        ("www.example.org", "https://example.org/"),
    ],
)
def test_the_same_page_has_the_same_key(a: str, b: str) -> None:
    assert urls.url_key(urls.check_url(a)) == urls.url_key(urls.check_url(b))


def test_different_pages_have_different_keys() -> None:
    assert urls.normalise("https://example.org/a?id=1") != urls.normalise(
        "https://example.org/a?id=2"
    )
    assert urls.normalise("https://example.org/a") != urls.normalise("https://example.org/b")


@pytest.mark.parametrize(
    "bad", ["", "not a link", "ftp://example.org/x", "https://", "https://localhost", "x" * 3000]
)
def test_bad_links_say_what_to_do(bad: str) -> None:
    with pytest.raises(urls.NotALink) as raised:
        urls.check_url(bad)
    assert str(raised.value).startswith(("Please", "That link"))


def test_first_link_in_a_slack_message() -> None:
    assert urls.first_link("see <https://a.org/x|this> and https://b.org") == "https://a.org/x"
    assert urls.first_link("plain https://b.org/y.") == "https://b.org/y"
    assert urls.first_link("no links <@U123>") is None


def test_a_draft_with_problems_gets_one_sentence_per_field(place: Community) -> None:
    with pytest.raises(InvalidInput) as raised:
        resources.check(
            ResourceDraft(title="", url="nope", format="dance", themes=["Cooking"], language="zz"),
            place,
        )
    assert set(raised.value.errors) == {"title", "url", "format", "themes", "language"}


# ---- adding, duplicates, review --------------------------------------------------------------


def test_a_member_suggestion_waits_and_facilitators_are_asked(
    session: Session, place: Community, settings: Settings
) -> None:
    amina = add_member(session, place)
    added = resources.add(session, place, settings, GOOD, NOW, by=amina, facilitator=False)
    assert added.status == "pending"
    assert added.themes == ["Power and positionality"]
    asked = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "resource_review"))
    assert [m.recipient for m in asked] == ["UFACIL01"]
    assert resource_search.search(session, place, "power").resources == []
    resources.approve(session, added, None, NOW)
    assert [r.id for r in resource_search.search(session, place, "power").resources] == [added.id]
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "resource_approved"))
    assert [m.recipient for m in told] == ["U0AMINA"]
    with pytest.raises(UserError, match="already been approved"):
        resources.approve(session, added, None, NOW)


def test_the_approval_note_uses_the_communitys_own_slash_command(
    session: Session, place: Community, settings: Settings
) -> None:
    amina = add_member(session, place)
    added = resources.add(session, place, settings, GOOD, NOW, by=amina, facilitator=False)
    resources.approve(session, added, None, NOW, command="/circle")
    [told] = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "resource_approved")
    ).all()
    assert "/circle resources" in str(told.payload)
    assert "/cop" not in str(told.payload)


def test_a_declined_suggestion_is_removed_and_the_member_told(
    session: Session, place: Community, settings: Settings
) -> None:
    amina = add_member(session, place)
    added = resources.add(session, place, settings, GOOD, NOW, by=amina, facilitator=False)
    resources.decline(session, added, NOW)
    assert session.scalars(select(Resource)).all() == []
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "resource_declined"))
    assert [m.recipient for m in told] == ["U0AMINA"]


def test_the_same_link_twice_is_caught_and_changes_nothing(
    runtime: Runtime, session: Session, place: Community, settings: Settings
) -> None:
    first = resources.add(session, place, settings, GOOD, NOW, by=None, facilitator=True)
    session.commit()
    before = table_counts(runtime)
    with pytest.raises(InvalidInput) as raised:
        resources.add(
            session,
            place,
            settings,
            ResourceDraft(title="Other", url="http://example.net/power", format="tool"),
            NOW,
            by=None,
            facilitator=True,
        )
    assert "already in the library as “Power at work” (number 1)" in raised.value.errors["url"]
    session.rollback()
    assert table_counts(runtime) == before
    assert first.number == 1


def test_retired_is_hidden_not_deleted(
    session: Session, place: Community, settings: Settings
) -> None:
    added = resources.add(session, place, settings, GOOD, NOW, by=None, facilitator=True)
    resources.retire(session, added, NOW)
    assert resource_search.search(session, place, "power").resources == []
    assert session.get(Resource, added.id) is not None
    with pytest.raises(InvalidInput, match="retired"):
        resources.add(session, place, settings, GOOD, NOW, by=None, facilitator=True)
    with pytest.raises(UserError):
        resources.retire(session, added, NOW)
    resources.restore(session, added, NOW)
    assert resource_search.search(session, place, "power").resources


def test_helpful_counts_once_per_member(
    session: Session, place: Community, settings: Settings
) -> None:
    added = resources.add(session, place, settings, GOOD, NOW, by=None, facilitator=True)
    amina = add_member(session, place)
    assert resources.mark_helpful(session, added, amina, NOW)
    assert not resources.mark_helpful(session, added, amina, NOW)
    assert added.helpful_count == 1


def test_forget_me_keeps_what_they_shared_as_a_member(
    session: Session, place: Community, settings: Settings
) -> None:
    amina = add_member(session, place)
    added = resources.add(session, place, settings, GOOD, NOW, by=amina, facilitator=True)
    resources.mark_helpful(session, added, amina, NOW)
    held = privacy.personal_data(session, amina)["resources"]
    assert held["shared"]
    assert held["found_helpful"]
    assert (
        resource_notices.sharer(added, resources.shared_by_names(session, [added])) == "Amina Yusuf"
    )
    privacy.forget(session, amina, NOW)
    session.expire_all()
    kept = session.get(Resource, added.id)
    assert kept is not None
    assert kept.shared_by_member_id is None
    assert resource_notices.sharer(kept, {}) == "a member"
    assert session.scalars(select(ResourceVote)).all() == []
    assert "a member" in resource_csv.export_csv(session, place)


def test_resources_attach_to_a_session(
    session: Session, place: Community, settings: Settings
) -> None:
    added = resources.add(session, place, settings, GOOD, NOW, by=None, facilitator=True)
    cs = sessions.create(
        session,
        place,
        settings,
        SessionDraft(
            title="Power",
            date="2026-02-12",
            start_time="10:00",
            duration="90",
            location="https://zoom.us/j/1",
        ),
        NOW,
    )
    assert resources.attach(session, cs, added, NOW)
    assert not resources.attach(session, cs, added, NOW)
    assert [r.id for r in resources.for_session(session, cs.id)] == [added.id]
    resources.retire(session, added, NOW)
    assert resources.for_session(session, cs.id) == []
    assert resources.detach(session, cs, added)


# ---- CSV --------------------------------------------------------------------------------------


def test_import_reports_bad_lines_and_adds_the_good(session: Session, place: Community) -> None:
    content = (
        "title,url,format,themes,language,description\n"
        "Good one,https://a.example.org/1,reading,Anti-racism,en,Fine\n"
        ",https://a.example.org/2,reading,,en,No title\n"
        "Bad link,not-a-link,reading,,en,\n"
        "\n"
        "Same again,http://www.a.example.org/1/,tool,,fr,\n"
        "Bad theme,https://a.example.org/3,reading,Cooking,en,\n"
        "Second good,https://a.example.org/4,watching,Power and positionality;Representation,fr,\n"
    )
    report = resource_csv.import_csv(session, place, content, NOW)
    assert report.added == 2
    assert [line for line, _ in report.problems] == [3, 4, 6, 7]
    assert "line 2" in report.problems[2][1]
    exported = list(csv.reader(io.StringIO(resource_csv.export_csv(session, place))))
    assert tuple(exported[0]) == resource_csv.EXPORT_COLUMNS
    assert [row[1] for row in exported[1:]] == ["Good one", "Second good"]
    again = resource_csv.import_csv(session, place, resource_csv.export_csv(session, place), NOW)
    assert again.added == 0
    assert len(again.problems) == 2  # both already in the library


def test_an_import_without_the_header_changes_nothing(
    runtime: Runtime, session: Session, place: Community
) -> None:
    with pytest.raises(UserError, match="header"):
        resource_csv.import_csv(session, place, "name,link\nx,https://a.org\n", NOW)


def test_the_fixture_library_imports_whole(session: Session, place: Community) -> None:
    assert load_library(session, place) >= 30
    shown = resource_search.overview(session, place)
    assert shown.total >= 30
    assert dict(shown.theme_counts)["Anti-racism"] >= 5

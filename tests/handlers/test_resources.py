"""The resource library through the dispatcher: searching, adding and suggesting, helpful
votes, and facilitators' review, retire / restore and edit. Bad numbers, junk button
values and bad forms get one plain sentence (or field errors) and change nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.wiring import Runtime
from core.context import Caller
from core.db import unit_of_work
from core.resources import notices as resource_notices
from core.resources.models import Resource, ResourceSearch
from core.ui import DirectMessage, FieldValue, FormErrors, Message, OpenForm, RefreshHome
from handlers.dispatch import Dispatcher
from handlers.resources import commands as resource_handlers
from tests.conftest import table_counts
from tests.handlers.plain import buttons, message_text, one, said
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)
AMINA = caller("U0AMINA")
SAM = caller("U0SAM")
STRANGER = caller("U0NEVERJOINED")
ADD_FORM = "resource.add"
EDIT_FORM = "resource.edit"


@pytest.fixture(autouse=True)
def facilitator_joined(dispatcher: Dispatcher) -> None:
    """The facilitator is a member too: the library is for members."""
    join(dispatcher, FACILITATOR)


def join(dispatcher: Dispatcher, who: Caller) -> None:
    values = profile_values(display_name=f"Member {who.user_id}")
    one(dispatcher.submit(who, "membership.join", values, ""), DirectMessage)


def resource_values(**changes: FieldValue) -> dict[str, FieldValue]:
    values: dict[str, FieldValue] = {
        "title": "Sharing power with people with lived experience",
        "url": "https://example.org/sharing-power",
        "format": "reading",
        "themes": ["Lived experience leadership"],
        "language": "en",
        "description": "A short guide to co-production, with examples.",
    }
    values.update(changes)
    return values


def add(dispatcher: Dispatcher, who: Caller, **changes: FieldValue) -> str:
    replies = dispatcher.submit(who, ADD_FORM, resource_values(**changes), "")
    one(replies, RefreshHome)
    return message_text(one(replies, DirectMessage).message)


def stored(runtime: Runtime) -> list[tuple[int, str, str, int]]:
    """(number, title, status, helpful votes) of every resource, by number."""
    with unit_of_work(runtime.session_factory) as session:
        return [
            (r.number, r.title, r.status, r.helpful_count)
            for r in session.scalars(select(Resource).order_by(Resource.number))
        ]


def resource_id(runtime: Runtime, number: int = 1) -> str:
    with unit_of_work(runtime.session_factory) as session:
        return str(session.scalars(select(Resource.id).where(Resource.number == number)).one())


def unchanged(runtime: Runtime, act: Callable[[], str]) -> str:
    before = table_counts(runtime)
    shown = act()
    assert table_counts(runtime) == before
    return shown


# ---- who may ----------------------------------------------------------------------------------


def test_the_library_is_for_members(dispatcher: Dispatcher, runtime: Runtime) -> None:
    shown = said(dispatcher.command(STRANGER, "resources anti-racism"))
    assert "You haven't joined yet. Type `/cop join` to join." in shown
    assert "You haven't joined yet" in said(
        dispatcher.submit(STRANGER, ADD_FORM, resource_values(), "")
    )
    assert stored(runtime) == []


@pytest.mark.parametrize(
    ("action_id", "form"),
    [
        (resource_notices.APPROVE, None),
        (resource_notices.DECLINE, None),
        (resource_notices.EDIT, None),
        (resource_handlers.REVIEW, None),
        (None, EDIT_FORM),
    ],
)
def test_review_buttons_and_the_edit_form_are_for_facilitators(
    dispatcher: Dispatcher, runtime: Runtime, action_id: str | None, form: str | None
) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, AMINA)  # a suggestion waiting for review
    value = resource_id(runtime)
    before = table_counts(runtime)
    if action_id is not None:
        shown = said(dispatcher.action(AMINA, action_id, value))
    else:
        shown = said(dispatcher.submit(AMINA, str(form), resource_values(title="Mine now"), value))
    assert "Only facilitators can do that." in shown
    assert table_counts(runtime) == before
    assert stored(runtime)[0][1:3] == ("Sharing power with people with lived experience", "pending")


@pytest.mark.parametrize("words", ["retire 1", "restore 1", "edit 1", "review", "attach 1 1"])
def test_a_member_typing_a_facilitator_verb_is_told_it_is_theirs(
    dispatcher: Dispatcher, runtime: Runtime, words: str
) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, FACILITATOR)
    shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, f"resources {words}")))
    assert "Only facilitators can" in shown
    assert "To search the library, type `/cop resources` and your words." in shown


def test_review_followed_by_words_is_a_search_for_a_member(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    shown = said(dispatcher.command(AMINA, "resources review of asylum policy"))
    assert "Nothing in the library matches *review of asylum policy* yet." in shown


# ---- searching and adding ---------------------------------------------------------------------


def test_an_empty_library_offers_to_add_one(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    shown = one(dispatcher.command(AMINA, "resources"), Message)
    assert "The library is empty so far." in message_text(shown)
    assert [b.action_id for b in buttons(shown)] == [resource_handlers.OPEN_ADD]
    form = one(dispatcher.action(AMINA, resource_handlers.OPEN_ADD, ""), OpenForm).form
    assert form.form_id == ADD_FORM


def test_add_opens_the_form_as_a_suggestion_for_members_and_an_addition_for_facilitators(
    dispatcher: Dispatcher,
) -> None:
    join(dispatcher, AMINA)
    member_form = one(dispatcher.command(AMINA, "resources add"), OpenForm).form
    facilitator_form = one(dispatcher.command(FACILITATOR, "library share"), OpenForm).form
    assert (member_form.form_id, member_form.submit_label) == (ADD_FORM, "Suggest")
    assert (facilitator_form.form_id, facilitator_form.submit_label) == (ADD_FORM, "Add")
    assert [f.name for f in member_form.fields] == [
        "title",
        "url",
        "format",
        "themes",
        "language",
        "description",
    ]


def test_a_facilitator_adds_straight_into_the_library_and_members_find_it(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    shown = add(dispatcher, FACILITATOR)
    assert "*Sharing power with people with lived experience* is in the library (number 1)." in (
        shown
    )
    assert stored(runtime) == [(1, "Sharing power with people with lived experience", "live", 0)]

    found = one(dispatcher.command(AMINA, "resources sharing power"), Message)
    text = message_text(found)
    assert "Resources for “sharing power”" in text
    assert "Sharing power with people with lived experience" in text
    assert "Showing 1–1." in text
    helpful = [b for b in buttons(found) if b.action_id == resource_handlers.HELPFUL]
    assert [b.value for b in helpful] == [resource_id(runtime)]
    overview = said(dispatcher.command(AMINA, "resources"))
    assert "By theme:" in overview
    assert "Lived experience leadership: 1" in overview


def test_a_search_that_finds_nothing_offers_to_add_one(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, FACILITATOR)
    shown = one(dispatcher.command(AMINA, "resources zebra crossings"), Message)
    assert "Nothing in the library matches *zebra crossings* yet." in message_text(shown)
    assert resource_handlers.OPEN_ADD in [b.action_id for b in buttons(shown)]


def test_only_typed_searches_are_counted_for_the_report(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    """The report says how often members searched and how often it found something: one
    typed search is one count, its follow-up buttons are not, and an empty one is none."""
    join(dispatcher, AMINA)
    add(dispatcher, FACILITATOR)
    dispatcher.command(AMINA, "resources sharing power")
    dispatcher.command(AMINA, "resources zebra crossings")
    dispatcher.command(AMINA, "resources")  # the overview, not a search
    before = table_counts(runtime)["resource_searches"]
    dispatcher.action(AMINA, resource_handlers.SEARCH, "sharing power")
    dispatcher.action(AMINA, resource_handlers.SEARCH_THEME, "Lived experience leadership")
    dispatcher.action(AMINA, resource_handlers.MORE, '{"q": "power", "o": "0", "a": true}')
    assert table_counts(runtime)["resource_searches"] == before
    with unit_of_work(runtime.session_factory) as session:
        found = sorted(session.scalars(select(ResourceSearch.found)))
    assert found == [False, True]


def test_a_member_suggestion_waits_for_review_and_is_not_found_meanwhile(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    shown = add(dispatcher, AMINA)
    assert "Thank you! *Sharing power with people with lived experience* is waiting" in shown
    assert [s[2] for s in stored(runtime)] == ["pending"]
    assert "Nothing in the library matches" in said(
        dispatcher.command(AMINA, "resources sharing power")
    )

    review = said(dispatcher.command(FACILITATOR, "resources review"))
    assert "Suggestions to review (1)" in review
    assert "*Member U0AMINA* suggested a resource for the library (number 1):" in review


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"title": "  "}, {"title"}),
        ({"url": "not a link"}, {"url"}),
        ({"format": "dancing"}, {"format"}),
        ({"themes": ["Knitting"]}, {"themes"}),
        ({"language": "xx-nowhere"}, {"language"}),
        ({"title": None, "url": None, "format": None}, {"title", "url", "format"}),
    ],
)
def test_a_bad_add_form_stays_open_with_field_errors_and_changes_nothing(
    dispatcher: Dispatcher,
    runtime: Runtime,
    changes: dict[str, FieldValue],
    fields: set[str],
) -> None:
    join(dispatcher, AMINA)
    before = table_counts(runtime)
    replies = dispatcher.submit(AMINA, ADD_FORM, resource_values(**changes), "")
    assert set(one(replies, FormErrors).errors) == fields
    assert table_counts(runtime) == before


def test_the_same_link_twice_is_caught_as_the_same(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, FACILITATOR)
    before = table_counts(runtime)
    replies = dispatcher.submit(
        AMINA,
        ADD_FORM,
        resource_values(title="Again", url="http://www.example.org/sharing-power/?utm_source=x"),
        "",
    )
    assert set(one(replies, FormErrors).errors) == {"url"}
    assert table_counts(runtime) == before


def test_helpful_counts_once_per_member(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    join(dispatcher, SAM)
    add(dispatcher, FACILITATOR)
    value = resource_id(runtime)
    first = said(dispatcher.action(AMINA, resource_handlers.HELPFUL, value))
    assert "Thanks: I've noted that *Sharing power with people with lived experience* helped" in (
        first
    )
    assert "1 person found it helpful." in first
    again = said(dispatcher.action(AMINA, resource_handlers.HELPFUL, value))
    assert "You've already marked" in again
    assert "1 person found it helpful." in again
    assert "2 people found it helpful." in said(
        dispatcher.action(SAM, resource_handlers.HELPFUL, value)
    )
    assert stored(runtime)[0][3] == 2


@pytest.mark.parametrize("value", ["", "abc", "0", "-1", "99999", "1" * 30, "١"])
def test_junk_resource_ids_on_buttons_change_nothing(
    dispatcher: Dispatcher, runtime: Runtime, value: str
) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, FACILITATOR)
    for who, action_id in (
        (AMINA, resource_handlers.HELPFUL),
        (FACILITATOR, resource_notices.APPROVE),
        (FACILITATOR, resource_notices.DECLINE),
        (FACILITATOR, resource_notices.EDIT),
    ):
        before = table_counts(runtime)
        shown = said(dispatcher.action(who, action_id, value))
        assert "That resource is no longer in the library" in shown
        assert table_counts(runtime) == before


@pytest.mark.parametrize("value", ["", "not json", "[]", "42", '{"q": "x"}', '{"o": "5"}'])
def test_an_expired_more_button_says_so(
    dispatcher: Dispatcher, runtime: Runtime, value: str
) -> None:
    join(dispatcher, AMINA)
    shown = unchanged(
        runtime, lambda: said(dispatcher.action(AMINA, resource_handlers.MORE, value))
    )
    assert "That button has expired. Type `/cop resources` and your words again." in shown


# ---- facilitators ------------------------------------------------------------------------------


def test_approve_from_the_review_makes_it_live_once(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, AMINA)
    value = resource_id(runtime)
    replies = dispatcher.action(FACILITATOR, resource_notices.APPROVE, value)
    one(replies, RefreshHome)
    approved = one(replies, Message)
    assert approved.replace_original
    assert "Approved: *Sharing power with people with lived experience* is in the library now." in (
        message_text(approved)
    )
    assert [s[2] for s in stored(runtime)] == ["live"]
    assert "Sharing power" in said(dispatcher.command(AMINA, "resources sharing power"))

    for action_id in (resource_notices.APPROVE, resource_notices.DECLINE):
        shown = unchanged(
            runtime,
            lambda a=action_id: said(dispatcher.action(FACILITATOR, a, value)),  # type: ignore[misc]
        )
        assert "already" in shown
    assert [s[2] for s in stored(runtime)] == ["live"]


def test_decline_removes_the_suggestion(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, AMINA)
    value = resource_id(runtime)
    shown = message_text(
        one(dispatcher.action(FACILITATOR, resource_notices.DECLINE, value), Message)
    )
    assert (
        "Declined *Sharing power with people with lived experience*; the member has been" in shown
    )
    assert stored(runtime) == []
    assert "No suggestions are waiting for review." in said(
        dispatcher.command(FACILITATOR, "resources review")
    )


def test_edit_from_the_review_saves_and_approves(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, AMINA)
    value = resource_id(runtime)
    form = one(dispatcher.action(FACILITATOR, resource_notices.EDIT, value), OpenForm).form
    assert (form.form_id, form.submit_label, form.state) == (
        EDIT_FORM,
        "Save and approve",
        f"{value}:approve",
    )
    replies = dispatcher.submit(
        FACILITATOR, EDIT_FORM, resource_values(title="Sharing power"), form.state
    )
    assert "Saved and approved: *Sharing power* (number 1) is in the library now." in message_text(
        one(replies, DirectMessage).message
    )
    assert stored(runtime) == [(1, "Sharing power", "live", 0)]


def test_edit_by_number_and_a_bad_edit_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    add(dispatcher, FACILITATOR)
    form = one(dispatcher.command(FACILITATOR, "resources edit #1"), OpenForm).form
    assert (form.form_id, form.state) == (EDIT_FORM, resource_id(runtime))
    before = table_counts(runtime)
    replies = dispatcher.submit(FACILITATOR, EDIT_FORM, resource_values(url="nope"), form.state)
    assert set(one(replies, FormErrors).errors) == {"url"}
    assert table_counts(runtime) == before
    assert stored(runtime)[0][1] == "Sharing power with people with lived experience"


@pytest.mark.parametrize("state", ["", "abc", "424242", "-1:approve", ":approve"])
def test_an_edit_form_for_no_resource_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime, state: str
) -> None:
    add(dispatcher, FACILITATOR)
    before = table_counts(runtime)
    replies = dispatcher.submit(FACILITATOR, EDIT_FORM, resource_values(title="Other"), state)
    assert "That resource no longer exists, so nothing was changed." in message_text(
        one(replies, DirectMessage).message
    )
    assert table_counts(runtime) == before


def test_retire_and_restore_by_number(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, FACILITATOR)
    shown = said(dispatcher.command(FACILITATOR, "resources retire 1"))
    assert "Retired *Sharing power with people with lived experience*" in shown
    assert "`/cop resources restore 1`" in shown
    assert "Nothing in the library matches" in said(
        dispatcher.command(AMINA, "resources sharing power")
    )
    assert "Number 1 is already retired." in unchanged(
        runtime, lambda: said(dispatcher.command(FACILITATOR, "resources retire 1"))
    )

    assert "is back in the library." in said(
        dispatcher.command(FACILITATOR, "resources restore #1")
    )
    assert [s[2] for s in stored(runtime)] == ["live"]
    assert "isn't retired, so there's nothing to restore." in unchanged(
        runtime, lambda: said(dispatcher.command(FACILITATOR, "resources restore 1"))
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("retire", "Which resource? Type `/cop resources retire 12`"),
        ("retire 7", "There's no resource with that number."),
        ("retire 99999999999999", "There's no resource with that number."),
        ("restore ²", "There's no resource with that number."),
        ("edit 0", "There's no resource with that number."),
        ("attach 1", "Type `/cop resources attach 12 3`"),
        ("attach one to two", "Type `/cop resources attach 12 3`"),
        ("attach 1 9", "There's no session with that number."),
        ("detach 5 1", "There's no resource with that number."),
    ],
)
def test_bad_numbers_for_facilitator_verbs_change_nothing(
    dispatcher: Dispatcher, runtime: Runtime, words: str, expected: str
) -> None:
    add(dispatcher, FACILITATOR)
    shown = unchanged(runtime, lambda: said(dispatcher.command(FACILITATOR, f"resources {words}")))
    assert expected in shown
    assert [s[2] for s in stored(runtime)] == ["live"]


def test_retiring_a_suggestion_says_to_decline_it(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    add(dispatcher, AMINA)
    shown = unchanged(runtime, lambda: said(dispatcher.command(FACILITATOR, "resources retire 1")))
    assert "Number 1 is a suggestion waiting for review: decline it instead." in shown


def test_the_save_to_library_shortcut_prefills_the_form(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    form = one(
        dispatcher.action(
            AMINA,
            resource_handlers.SAVE_SHORTCUT,
            "Worth a read: <https://example.org/guide|The co-production guide>",
        ),
        OpenForm,
    ).form
    initial = {f.name: f.initial for f in form.fields}
    assert initial["url"] == "https://example.org/guide"
    assert initial["title"] == "The co-production guide"


def test_one_resource_is_counted_in_the_singular(runtime: Runtime, dispatcher: Dispatcher) -> None:
    """The walk-through's "1 members" class of slip, in the library (found by these tests)."""
    join(dispatcher, FACILITATOR)
    add(dispatcher, FACILITATOR)
    join(dispatcher, AMINA)
    overview = said(dispatcher.command(AMINA, "resources"))
    assert "1 resource." in overview
    assert "1 resources" not in overview

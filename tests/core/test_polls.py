"""Polls and the survey on both databases: what the form may hold, voting and changing a
vote, the anonymity guarantee, forged and replayed buttons, suggestions, closing once,
my-data and erasure, and the summaries the evaluation report reads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities, i18n, privacy, privacy_letter
from core.config import load_settings
from core.db import unit_of_work
from core.delivery.models import OutboxMessage, OutboxStatus, ScheduledItem
from core.errors import InvalidInput, UserError
from core.models import Community, Member
from core.polls import ballots, summary, surveys
from core.polls import service as polls
from core.polls.models import Poll, PollVote, PollVoter, Survey, SurveyAnswer
from core.schema import metadata
from core.ui import Section
from core.ui_codec import message_from_json
from tests.reflection_helpers import CHANNEL, NOW, add_member

SETTINGS = load_settings({"DATABASE_URL": "sqlite://"})
WITH_CHANNEL = load_settings({"DATABASE_URL": "sqlite://", "CATALYST_CHANNEL": CHANNEL})


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session) -> Community:
    return communities.get_or_create(session, "slack", "T0001", timezone="Europe/London", now=NOW)


def draft(**changes: object) -> polls.Draft:
    values: dict[str, object] = {
        "question": "Which theme next?",
        "options": "Power and voice\nAnti-racism\nFunding",
        "members_add": False,
        "multiple": False,
        "anonymous": True,
        "date": "2026-11-30",
        "time": "17:00",
        "audience": ["everyone"],
        "way": "dm",
    }
    values.update(changes)
    return polls.Draft(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"question": " "}, "question"),
        ({"options": "Only one"}, "options"),
        ({"options": "Same\nsame"}, "options"),  # one option once duplicates merge
        ({"options": "\n".join(f"Option {n}" for n in range(11))}, "options"),
        ({"options": "A\n" + "x" * 76}, "options"),
        ({"date": "2026-11-22"}, "date"),  # yesterday
        ({"date": "2026-11-23", "time": "09:00"}, "time"),  # half an hour ago
        ({"date": "soon"}, "date"),
        ({"time": None}, "time"),
        ({"audience": []}, "audience"),
        ({"way": "channel"}, "way"),  # no channel set up
        ({"way": "pigeon"}, "way"),
    ],
)
def test_what_the_form_may_hold(
    community: Community, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as problem:
        polls.check(draft(**changes), None, community, SETTINGS, NOW)  # type: ignore[arg-type]
    assert field in problem.value.errors


def test_near_duplicates_merge_and_members_may_start_from_nothing(community: Community) -> None:
    plan = polls.check(
        draft(options="Anti racism\nAnti-racism\nANTI-RACISM \nFunding"),
        None,  # type: ignore[arg-type]
        community,
        SETTINGS,
        NOW,
    )
    assert plan.options == ["Anti racism", "Funding"]
    one_line = polls.check(
        draft(options="Monday; Wednesday;Thursday"), None, community, SETTINGS, NOW
    )  # type: ignore[arg-type]
    assert one_line.options == ["Monday", "Wednesday", "Thursday"]
    open_plan = polls.check(draft(options="", members_add=True), None, community, SETTINGS, NOW)  # type: ignore[arg-type]
    assert open_plan.options == []


def _open_poll(
    session: Session, community: Community, members: list[Member], **changes: object
) -> Poll:
    settings = WITH_CHANNEL if changes.get("way") == "channel" else SETTINGS
    plan = polls.check(draft(**changes), session, community, settings, NOW)
    poll = polls.save(session, community, plan, members[0], NOW)
    assert polls.confirm(session, community, poll, NOW) is not None
    for row in session.scalars(select(OutboxMessage)):
        row.status = OutboxStatus.SENT.value  # as the sender would
        row.sent_channel, row.sent_ts = CHANNEL, "1700000000.000100"
    session.flush()
    return poll


def _people(session: Session, community: Community, n: int = 3) -> list[Member]:
    return [add_member(session, community, f"U0POLL{i}", display_name=f"P{i}") for i in range(n)]


def _counts(session: Session, poll: Poll) -> list[int]:
    session.expire_all()
    return [o.votes for o in polls.options_of(session, poll)]


def _dm_value(session: Session, poll: Poll, member: Member) -> str:
    row = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key == f"poll:{poll.id}:m{member.id}")
    ).one()
    values = [
        e["value"]
        for b in row.payload["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
    ]
    return str(values[0])


def test_a_dm_poll_goes_to_each_person_once_and_closes_on_the_clock(
    session: Session, community: Community
) -> None:
    people = _people(session, community)
    poll = _open_poll(session, community, people)
    assert polls.confirm(session, community, poll, NOW) is None  # a second click sends nothing
    keys = set(session.scalars(select(OutboxMessage.key)))
    assert {f"poll:{poll.id}:m{m.id}" for m in people} <= keys
    item = session.scalars(
        select(ScheduledItem).where(ScheduledItem.key == f"poll-close:{poll.id}")
    ).one()
    assert item.due_at == poll.closes_at
    # One copy still waits for its reader's delivery hours at the close: it never goes.
    waiting = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key == f"poll:{poll.id}:m{people[2].id}")
    ).one()
    waiting.status = OutboxStatus.PENDING.value
    assert polls.close(session, poll, poll.closes_at) == 2
    assert polls.close(session, poll, poll.closes_at) == 0  # once
    session.refresh(waiting)
    assert waiting.status == OutboxStatus.CANCELLED.value


def test_an_anonymous_vote_changes_and_no_row_links_a_member_to_an_option(
    session: Session, community: Community
) -> None:
    people = _people(session, community)
    poll = _open_poll(session, community, people)
    first, second, third = polls.options_of(session, poll)
    amina = people[1]
    value = _dm_value(session, poll, amina)
    outcome = polls.vote(session, poll, amina, 1, value, NOW)
    assert outcome.changed
    assert outcome.choice == {first.id}
    assert _counts(session, poll) == [1, 0, 0]
    # Her copy now carries her choice; the next click changes it.
    outcome = polls.vote(session, poll, amina, 3, outcome.copy.value, NOW)
    assert outcome.choice == {third.id}
    assert _counts(session, poll) == [0, 0, 1]
    polls.vote(session, poll, people[2], 2, _dm_value(session, poll, people[2]), NOW)
    assert _counts(session, poll) == [0, 1, 1]
    assert polls.voters(session, poll) == 2
    # The proof: no row of any table holds a member beside an option, and no stored text
    # carries a signed choice.
    option_ids = {first.id, second.id, third.id}
    member_ids = {m.id for m in people}
    for table in metadata.sorted_tables:
        member_columns = [
            c.name
            for c in table.columns
            if any(fk.column.table.name == "members" for fk in c.foreign_keys)
        ]
        option_columns = [
            c.name
            for c in table.columns
            if any(fk.column.table.name == "poll_options" for fk in c.foreign_keys)
        ]
        for row in session.execute(select(table)).mappings():
            if any(row[c] in member_ids for c in member_columns):
                assert not any(row[c] in option_ids for c in option_columns), table.name
            for cell in row.values():
                words = str(cell)
                for option_id in option_ids:
                    assert f"{poll.id}|{option_id}" not in words, table.name
    assert session.scalars(select(PollVote)).all() == []
    assert privacy.personal_data(session, amina)["polls"]["named_votes"] == []


def test_forged_replayed_and_late_clicks_change_nothing(
    session: Session, community: Community
) -> None:
    people = _people(session, community)
    poll = _open_poll(session, community, people)
    amina, bea = people[1], people[2]
    first_copy = _dm_value(session, poll, amina)
    after_one = polls.vote(session, poll, amina, 1, first_copy, NOW).copy.value
    polls.vote(session, poll, amina, 2, after_one, NOW)
    before = _counts(session, poll)
    forged = after_one.replace("|1|", "|2|") if "|1|" in after_one else after_one[:-1] + "0"
    attempts = [
        (amina, 3, first_copy),  # replayed: the copy before her first vote
        (amina, 3, after_one),  # replayed: an older copy
        (bea, 3, after_one),  # someone else's copy
        (amina, 3, f"{poll.id}|{polls.options_of(session, poll)[0].id}|2|{'0' * 32}"),  # made up
        (amina, 3, forged),
        (amina, 3, str(poll.id)),  # an unsigned value on a DM poll
        (amina, 11, first_copy),  # no such option
    ]
    for member, position, value in attempts:
        with pytest.raises(UserError):
            polls.vote(session, poll, member, position, value, NOW)
        assert _counts(session, poll) == before
    outsider = add_member(session, community, "U0LATE", display_name="Late")
    with pytest.raises(UserError):  # the poll was never sent to them
        polls.vote(
            session, poll, outsider, 1, ballots.sign(poll.secret, poll.id, outsider.id, (), 0), NOW
        )
    with pytest.raises(UserError):  # closing time passed
        polls.vote(session, poll, bea, 1, _dm_value(session, poll, bea), poll.closes_at)
    assert _counts(session, poll) == before


def test_a_named_multiple_choice_poll_toggles_and_goes_with_erasure(
    session: Session, community: Community
) -> None:
    people = _people(session, community)
    poll = _open_poll(session, community, people, anonymous=False, multiple=True)
    amina = people[1]
    polls.vote(session, poll, amina, 1, str(poll.id), NOW)
    polls.vote(session, poll, amina, 3, str(poll.id), NOW)
    assert _counts(session, poll) == [1, 0, 1]
    polls.vote(session, poll, amina, 1, str(poll.id), NOW)  # toggled off
    assert _counts(session, poll) == [0, 0, 1]
    mine = privacy.personal_data(session, amina)["polls"]["named_votes"]
    assert mine == [{"poll": "Which theme next?", "chose": "Funding"}]
    letter = privacy_letter.letter(privacy.personal_data(session, amina), "Europe/London", "/cop")
    assert any(
        "you chose" in b.body.plain() and "Funding" in b.body.plain()
        for b in letter
        if isinstance(b, Section)
    )
    privacy.forget(session, amina, NOW)
    session.flush()
    assert session.scalars(select(PollVote)).all() == []
    assert session.scalars(select(PollVoter)).all() == []
    assert _counts(session, poll) == [0, 0, 1]  # the count stays, linked to nobody


def test_a_channel_poll_is_redrawn_in_place_and_a_second_anonymous_click_is_refused(
    session: Session, community: Community
) -> None:
    people = _people(session, community)
    poll = _open_poll(session, community, people, way="channel")
    amina = people[1]
    outcome = polls.vote(session, poll, amina, 2, str(poll.id), NOW)
    assert polls.redraw_post(session, community, poll, NOW)
    assert polls.redraw_post(session, community, poll, NOW)  # rewrites the waiting redraw
    redraws = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key.startswith(f"poll-redraw:{poll.id}:"))
    ).all()
    assert [r.recipient for r in redraws] == [f"update:{CHANNEL}:1700000000.000100"]
    with pytest.raises(UserError):
        polls.vote(session, poll, amina, 1, str(poll.id), NOW)
    # Her own copy (sent to her DMs) changes it.
    polls.vote(session, poll, amina, 1, outcome.copy.value, NOW)
    assert _counts(session, poll) == [1, 0, 0]
    assert polls.close(session, poll, poll.closes_at) == 1
    assert session.scalars(
        select(OutboxMessage.key).where(OutboxMessage.key == f"poll-result:{poll.id}:post")
    ).one()


def test_delivered_redraws_of_an_anonymous_poll_keep_no_counts(
    session: Session, community: Community
) -> None:
    """Successive snapshots would say which option grew with each voter: once a newer
    redraw is queued, the delivered ones are blanked."""
    people = _people(session, community, n=4)
    poll = _open_poll(session, community, people, way="channel")
    key = f"poll-redraw:{poll.id}:"
    for voter, option in ((people[1], 2), (people[2], 1)):
        polls.vote(session, poll, voter, option, str(poll.id), NOW)
        assert polls.redraw_post(session, community, poll, NOW)
        session.execute(  # the scheduler delivers it
            update(OutboxMessage)
            .where(OutboxMessage.key.startswith(key))
            .values(status=OutboxStatus.SENT.value)
        )
    polls.vote(session, poll, people[3], 1, str(poll.id), NOW)
    assert polls.redraw_post(session, community, poll, NOW)
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key.startswith(key)).order_by(OutboxMessage.id)
    ).all()
    assert [r.status for r in rows] == ["sent", "sent", "pending"]
    assert [message_from_json(r.payload).summary for r in rows[:2]] == ["", ""]
    assert "3" in str(rows[2].payload)  # the one to send still has the counts


def test_members_suggest_options_merged_and_capped(session: Session, community: Community) -> None:
    people = _people(session, community)
    poll = _open_poll(session, community, people, options="Anti-racism\nFunding", members_add=True)
    added = polls.suggest(session, community, poll, "Peer coaching", NOW)
    assert added.position == 3
    for twin in ("anti racism", "Anti-Racism!", "peer-coaching"):
        with pytest.raises(InvalidInput):
            polls.suggest(session, community, poll, twin, NOW)
    for n in range(7):
        polls.suggest(
            session, community, poll, f"Idea number {n} about {'xyz'[n % 3] * (n + 3)}", NOW
        )
    assert len(polls.options_of(session, poll)) == 10
    with pytest.raises(InvalidInput):
        polls.suggest(session, community, poll, "One too many", NOW)
    plain = _open_poll(session, community, people, question="Closed list")
    with pytest.raises(UserError):
        polls.suggest(session, community, plain, "Mine", NOW)


def _survey(session: Session, community: Community, by: Member, *, anonymous: bool) -> Survey:
    """A survey to everyone, closing 10 December, saved as a draft by `by`."""
    codes, closes = surveys.check(
        surveys.SurveyDraft(["everyone"], "2026-12-10", "17:00", anonymous=anonymous),
        community,
        SETTINGS,
        NOW,
    )
    return surveys.save(session, community, SETTINGS, codes, closes, anonymous, by, NOW)


def test_survey_answers_once_without_a_name_and_sums_up(
    session: Session, community: Community
) -> None:
    people = _people(session, community)
    survey = _survey(session, community, people[0], anonymous=True)
    assert surveys.confirm(session, community, survey, NOW) == 3
    assert surveys.confirm(session, community, survey, NOW) is None
    surveys.answer(
        session, survey, people[1], {"helped": "The sets", "continue": "5", "value": "4"}, NOW
    )
    surveys.answer(session, survey, people[2], {"hindered": "Firefighting", "continue": "3"}, NOW)
    with pytest.raises(UserError):
        surveys.answer(session, survey, people[1], {"helped": "Again"}, NOW)
    with pytest.raises(InvalidInput):
        surveys.answer(session, survey, people[0], {"continue": "9"}, NOW)
    with pytest.raises(UserError):
        surveys.answer(session, survey, people[0], {"helped": "Late"}, survey.closes_at)
    assert all(a.member_id is None for a in session.scalars(select(SurveyAnswer)))
    assert privacy.personal_data(session, people[1])["polls"]["survey_answers"] == []
    found = summary.survey_results(
        session, community, NOW - timedelta(days=1), NOW + timedelta(days=1)
    )
    assert (found.surveys, found.sent_to, found.responses) == (1, 3, 2)
    scales = {s.key: s for s in found.scales}
    assert scales["continue"].mean == 4.0
    assert scales["continue"].counts == (0, 0, 1, 0, 1)
    assert scales["value"].answers == 1
    # At the close, whoever sent it hears how it went, once.
    assert surveys.close(session, survey, survey.closes_at)
    assert not surveys.close(session, survey, survey.closes_at)
    [closed] = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key == f"survey-closed:{survey.id}")
    ).all()
    assert closed.recipient == people[0].platform_user_id
    said = "\n".join(
        i18n.without_marks(b.body.plain())
        for b in message_from_json(closed.payload).blocks
        if isinstance(b, Section)
    )
    assert "2 of the 3 people it was sent to answered" in said
    assert "Average 4, from 2 answers" in said
    texts = {t.key: t.answers for t in found.texts}
    assert texts["helped"] == ("The sets",)
    assert texts["hindered"] == ("Firefighting",)


def test_a_named_survey_answer_is_in_my_data_and_goes_with_erasure(
    session: Session, community: Community
) -> None:
    people = _people(session, community)
    survey = _survey(session, community, people[0], anonymous=False)
    surveys.confirm(session, community, survey, NOW)
    surveys.answer(session, survey, people[1], {"change": "More time"}, NOW)
    mine = privacy.personal_data(session, people[1])["polls"]["survey_answers"]
    assert mine == [{"survey": survey.id, "answers": {"change": "More time"}}]
    privacy.forget(session, people[1], NOW)
    session.flush()
    assert session.scalars(select(SurveyAnswer)).all() == []


def test_poll_results_for_the_report(session: Session, community: Community) -> None:
    people = _people(session, community)
    poll = _open_poll(session, community, people, anonymous=False)
    polls.vote(session, poll, people[1], 2, str(poll.id), NOW)
    polls.vote(session, poll, people[2], 2, str(poll.id), NOW)
    polls.close(session, poll, poll.closes_at)
    found = summary.poll_results(
        session, community, NOW - timedelta(days=1), NOW + timedelta(days=1)
    )
    assert len(found) == 1
    result = found[0]
    assert result.closed
    assert result.voters == 2
    assert result.winners == ("Anti-racism",)
    assert [(o.text, o.votes) for o in result.options] == [
        ("Power and voice", 0),
        ("Anti-racism", 2),
        ("Funding", 0),
    ]
    assert (
        summary.poll_results(session, community, NOW + timedelta(days=1), NOW + timedelta(days=2))
        == []
    )


def test_bars_read_on_a_phone() -> None:
    assert ballots.bar(4, 10) == "▓▓▓▓░░░░░░"
    assert ballots.bar(1, 300) == "▓░░░░░░░░░"  # one vote still shows
    assert ballots.bar(0, 0) == "░" * 10
    assert ballots.percent(1, 3) == 33


def test_the_report_has_the_polls_and_the_survey_without_names(
    session: Session, community: Community
) -> None:
    """The survey promises "every answer is in the programme evaluation report": the report
    shows each poll's counts and each answer, never who gave them, even when named."""
    from core.evaluation import service as evaluation

    people = _people(session, community)
    poll = _open_poll(session, community, people, anonymous=False)
    polls.vote(session, poll, people[1], 2, str(poll.id), NOW)
    polls.vote(session, poll, people[2], 2, str(poll.id), NOW)
    polls.vote(session, poll, people[0], 1, str(poll.id), NOW)
    polls.close(session, poll, poll.closes_at)
    survey = _survey(session, community, people[0], anonymous=False)
    surveys.confirm(session, community, survey, NOW)
    surveys.answer(
        session, survey, people[1], {"helped": "The sets", "continue": "5", "value": "4"}, NOW
    )
    surveys.answer(session, survey, people[2], {"helped": "Peer coaching", "continue": "4"}, NOW)
    day = NOW.date()
    page = evaluation.document(
        session, community, day - timedelta(days=1), day + timedelta(days=1), "md"
    ).decode()
    assert "## Polls" in page
    assert "Which theme next? (3 people voted)" in page
    assert "| Anti-racism | 2 | 67% |" in page
    assert "| Power and voice | 1 | 33% |" in page
    assert "## End-of-programme survey" in page
    assert "The survey was sent to 3 people; 2 answered." in page
    assert "| Would you continue in a next programme? (1 = no, 5 = certainly) | 2 | 4.5 |" in page
    assert "| The sets |" in page
    assert "| Peer coaching |" in page
    for person in people:
        assert person.display_name not in page
        assert person.platform_user_id not in page
    # A period with neither leaves both headings out.
    later = evaluation.document(
        session, community, day + timedelta(days=30), day + timedelta(days=31), "md"
    ).decode()
    assert "## Polls" not in later
    assert "survey" not in later


@pytest.mark.parametrize("anonymous", [True, False])
def test_a_first_vote_double_clicked_counts_once_and_says_so(
    session: Session, community: Community, monkeypatch: pytest.MonkeyPatch, anonymous: bool
) -> None:
    """Two clicks at once both read "no vote yet" before either is stored; the second to
    store is refused in a plain sentence and the count stays at one."""
    people = _people(session, community)
    poll = _open_poll(session, community, people, anonymous=anonymous)
    amina = people[1]
    value = _dm_value(session, poll, amina)
    polls.vote(session, poll, amina, 1, value, NOW)
    assert _counts(session, poll) == [1, 0, 0]
    # The racing click: it read before the first one's row existed.
    monkeypatch.setattr(polls, "_voter", lambda *_args: None)
    if not anonymous:
        monkeypatch.setattr(polls, "_named_choice", lambda *_args: frozenset())
    with pytest.raises(UserError) as refused:
        polls.vote(session, poll, amina, 2, value, NOW)
    assert "Your other click was counted a moment ago" in str(refused.value)
    assert _counts(session, poll) == [1, 0, 0]
    assert len(session.scalars(select(PollVoter)).all()) == 1


@pytest.mark.parametrize("typed", ["9999-12-31", "2100-01-01"])
def test_a_closing_date_years_away_is_refused_in_a_sentence(typed: str) -> None:
    closes, errors = polls.closing_time(typed, "23:00", "America/Los_Angeles", NOW)
    assert closes is None
    assert errors == {"date": "Please choose a closing date within a year from today."}


def test_a_closing_date_within_the_year_is_kept() -> None:
    day = (NOW + timedelta(days=300)).date().isoformat()
    closes, errors = polls.closing_time(day, "17:00", "Europe/London", NOW)
    assert errors == {}
    assert closes is not None
    assert closes > NOW


# PostgreSQL only, by parametrization rather than a skip: SQLite serialises writers, so
# the overlap exists only there.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_same_survey_form_submitted_twice_at_once_is_kept_once(runtime: Runtime) -> None:
    """Both submissions pass the "answered already?" check in their own transaction; the
    second is told, in a sentence, that it was counted, and nothing is stored twice."""
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", "T0001", timezone="Europe/London", now=NOW
        )
        people = _people(session, community)
        survey = _survey(session, community, people[0], anonymous=True)
        surveys.confirm(session, community, survey, NOW)
        survey_id, member_id = survey.id, people[1].id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            with unit_of_work(runtime.session_factory) as session:
                survey = session.get(Survey, survey_id)
                member = session.get(Member, member_id)
                assert survey is not None
                assert member is not None
                surveys.can_answer(session, survey, member, NOW)
                barrier.wait(timeout=5)
                surveys.answer(session, survey, member, {"helped": "The sets"}, NOW)
            outcomes.append("kept")
        except UserError as refused:
            outcomes.append(str(refused))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["You have answered this survey already: thank you!", "kept"]
    with unit_of_work(runtime.session_factory) as session:
        assert len(session.scalars(select(SurveyAnswer)).all()) == 1

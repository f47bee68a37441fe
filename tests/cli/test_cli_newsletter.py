"""`catalyst newsletter export N`: Markdown, or an HTML email body that needs nothing from
the internet, through the real entry point (`bot.cli.main`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.wiring import Runtime
from core import communities
from core.clock import FakeClock
from core.db import unit_of_work
from core.newsletter import service as newsletter
from core.sessions.models import Reflection, Visibility
from tests.reflection_helpers import add_member, add_prompt, add_session


def exit_code(run: Callable[[], int]) -> int:
    try:
        return run()
    except SystemExit as stop:
        return int(stop.code or 0)


@pytest.fixture
def sent(
    runtime: Runtime, database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> int:
    """Newsletter 1, sent, quoting a reflection whose author wrote markup."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    now = clock.now()
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", "T0001", timezone="Europe/London", now=now - timedelta(days=30)
        )
        member = add_member(session, community, "U0AMINA", display_name="Amina <b>Yusuf</b>")
        prompt = add_prompt(session, community, cs=add_session(session, community))
        quote = Reflection(
            community_id=community.id,
            prompt_id=prompt.id,
            member_id=member.id,
            body='<script>alert("hi")</script> Ask the board early.',
            visibility=Visibility.SHARED.value,
            source="form",
            quotable=True,
            created_at=now,
            updated_at=now,
        )
        session.add(quote)
        session.flush()
        draft, _new = newsletter.make_draft(session, community, now)
        newsletter.edit(
            session,
            community,
            draft,
            title=None,
            note="Hello & welcome",
            quote_ids=[str(quote.id)],
            now=now,
        )
        assert newsletter.send(session, community, draft, None, now) is not None
        return draft.number


def test_html_export_is_self_contained_and_escaped(
    sent: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "newsletter.html"
    code = exit_code(
        lambda: main(
            ["newsletter", "export", str(sent), "--format", "html", "--output", str(target)]
        )
    )
    assert code == 0
    page = target.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page
    assert "Amina &lt;b&gt;Yusuf&lt;/b&gt;" in page
    assert "Hello &amp; welcome" in page
    assert not re.search(r"<img[^>]+src=[\"']?http", page)
    assert "<link" not in page
    assert "<style" not in page
    assert 'style="' in page
    assert str(target) in capsys.readouterr().err


def test_markdown_export_to_stdout(sent: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(lambda: main(["newsletter", "export", str(sent), "--format", "md"])) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ")
    assert "Ask the board early." in out
    assert "Hello & welcome" in out


def test_a_newsletter_that_does_not_exist_is_a_plain_sentence(
    sent: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_code(lambda: main(["newsletter", "export", "7", "--format", "html"])) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "There's no newsletter 7." in captured.err
    assert "Traceback" not in captured.err

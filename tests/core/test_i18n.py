"""core.i18n: catalogues, plural rules, CLDR dates and right-to-left isolation.

The machinery is tested against catalogues written here (a fourth language, Spanish, is
added by writing one file and nothing else); the shipped French and Arabic catalogues are
checked by tests/test_translations.py and used by the end-to-end language tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n, timefmt, ui
from core.i18n import FSI, PDI, RLI

ARABIC_REMINDERS = (
    "لا تذكيرات",  # zero
    "تذكير واحد",  # one
    "تذكيران",  # two
    "{n} تذكيرات",  # few (3–10)
    "{n} تذكيرًا",  # many (11–99)
    "{n} تذكير",  # other (100, 101, 102…)
)


def _write(root: Path, code: str, entries: dict[object, object]) -> None:
    catalog = Catalog(locale=code, domain=i18n.DOMAIN)
    for msgid, msgstr in entries.items():
        context = None
        if isinstance(msgid, tuple) and len(msgid) == 3:  # (context, msgid, None)
            context, msgid = msgid[0], msgid[1]
        catalog.add(msgid, msgstr, context=context)  # type: ignore[arg-type]
    folder = root / code / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / f"{i18n.DOMAIN}.po").open("wb") as po_file:
        write_po(po_file, catalog)


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.reload()
    yield tmp_path
    monkeypatch.undo()
    i18n.reload()


def test_a_fourth_language_is_one_catalogue_file(locales: Path) -> None:
    assert i18n.available() == ("en",)
    _write(
        locales,
        "es",
        {
            "Save": "Guardar",
            "Hello {name}": "Hola {name}",
            ("command word", "help", None): "ayuda",
        },
    )
    i18n.reload()
    assert i18n.available() == ("en", "es")
    assert i18n.normalise("es-ES") == "es"
    assert i18n.name_of("es") == "Español"
    with i18n.speaking("es"):
        assert i18n._("Save") == "Guardar"
        assert i18n.t("Hello {name}", name="Amina") == "Hola Amina"
        assert i18n.pgettext("command word", "help") == "ayuda"
        assert ui.Form(form_id="f", title="T", fields=()).submit_label == "Guardar"
        assert i18n._("Not in the catalogue") == "Not in the catalogue"  # English, not blank
    assert i18n._("Save") == "Save"  # outside the block: English again


def test_arabic_has_six_plural_forms_and_each_is_chosen(locales: Path) -> None:
    _write(locales, "ar", {("{n} reminder", "{n} reminders"): ARABIC_REMINDERS})
    i18n.reload()
    with i18n.speaking("ar"):
        said = {n: i18n.tn("{n} reminder", "{n} reminders", n) for n in (0, 1, 2, 3, 11, 100)}
    assert said[0] == "لا تذكيرات"
    assert said[1] == "تذكير واحد"
    assert said[2] == "تذكيران"
    assert said[3] == f"{FSI}3{PDI} تذكيرات"  # the number isolated inside Arabic
    assert said[11] == f"{FSI}11{PDI} تذكيرًا"
    assert said[100] == f"{FSI}100{PDI} تذكير"


def test_english_plurals_and_numbers() -> None:
    assert i18n.tn("{n} reminder", "{n} reminders", 1) == "1 reminder"
    assert i18n.tn("{n} reminder", "{n} reminders", 12345) == "12,345 reminders"
    with i18n.speaking("fr"):
        assert i18n.number(12345) == "12\u202f345"  # CLDR's narrow no-break space


def test_unknown_languages_fall_back_to_english() -> None:
    assert i18n.normalise("de") is None
    assert i18n.normalise("") is None
    assert i18n.member_language("de", None) == "en"
    assert i18n.member_language(None, "fr") == "fr"
    assert i18n.member_language("ar", "fr") == "ar"
    with i18n.speaking("xx") as spoken:
        assert spoken == "en"


def test_dates_follow_the_language_and_the_timezone() -> None:
    instant = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert timefmt.when(instant, "Europe/London") == "Tuesday 3 March, 10:00 (Europe/London)"
    with i18n.speaking("fr"):
        assert i18n.weekday_day_month(instant) == "mardi 3 mars"
        assert i18n.clock_time(instant) == "10:00"
    with i18n.speaking("ar"):
        assert "مارس" in i18n.weekday_day_month(instant)  # Arabic month name
        assert "الثلاثاء" in i18n.weekday_day_month(instant)  # and weekday


def test_lists_are_joined_the_languages_way() -> None:
    assert i18n.and_list(["Amina", "Bo", "Chidi"]) == "Amina, Bo and Chidi"
    with i18n.speaking("fr"):
        assert i18n.and_list(["Amina", "Bo", "Chidi"]) == "Amina, Bo et Chidi"
    assert i18n.and_list([]) == ""


def test_right_to_left_text_isolates_values_and_marks_each_line(locales: Path) -> None:
    _write(locales, "ar", {"Hello {name}.\nSee {link}": "مرحبا {name}.\nانظر {link}"})
    i18n.reload()
    with i18n.speaking("ar"):
        built = ui.text("Hello {name}.\nSee {link}", name="Amina Yusuf", link="https://x.org")
    lines = built.plain().split("\n")
    # Each line is a right-to-left isolate, so its full stop lands at its end (the left)
    # even though Slack lays the message out left-to-right.
    assert lines[0] == f"{RLI}مرحبا {FSI}Amina Yusuf{PDI}.{PDI}"
    assert lines[1] == f"{RLI}انظر {FSI}https://x.org{PDI}{PDI}"
    for line in lines:  # every isolate is closed on its own line
        opened = line.count(FSI) + line.count(RLI)
        assert opened == line.count(PDI)
    with i18n.speaking("en"):
        plain = ui.text("Hello {name}.\nSee {link}", name="Amina", link="x")
    assert FSI not in plain.plain()
    assert RLI not in plain.plain()
    assert i18n.without_marks(built.plain()) == "مرحبا Amina Yusuf.\nانظر https://x.org"


def test_the_language_does_not_leak_out_of_a_scope() -> None:
    with i18n.scope():
        i18n.use("fr")
        assert i18n.current() == "fr"
    assert i18n.current() == "en"

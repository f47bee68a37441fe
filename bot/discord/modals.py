"""Forms as Discord modals, split into pages, with what was typed kept between them.

A Discord modal holds at most five inputs and can't show field errors (a submission is
answered by a message, not by keeping the modal open). So every form is rendered the same
way, once, here: its fields in pages of five; each page's submission is kept server-side
(by person and form, for `DRAFT_LIFETIME`), answered by "Page 1 of 3 saved" and a Continue
button that opens the next page; the last page submits everything to the dispatcher. An
error (a field's own rule, or the service's) is answered with a button that reopens the
page holding that field, what was typed filled in and the error under the field's label.

Choices: Discord modals take select menus inside label components (type 18), which the
fake Discord and Discord itself accept, so SELECT, MULTI_SELECT and USER fields are native
menus (a user select for USER) and a CHECKBOX is a one-option menu that may be left empty.
A menu holds at most 25 options: a longer list (timezones) becomes a text input whose
answer is checked against the options like any other choice.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core import ui
from core.i18n import _

PAGE_SIZE = 5
MAX_OPTIONS = 25
DRAFT_LIFETIME = timedelta(hours=1)
# custom_id prefixes of the adapter's own components (never a registry action id, which
# has no "@"): a modal page, a Continue / Fix button.
MODAL_PREFIX = "@form:"
OPEN_PREFIX = "@open:"

TEXT_INPUT, STRING_SELECT, USER_SELECT, LABEL = 4, 3, 5, 18
SHORT, PARAGRAPH = 1, 2


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass
class Draft:
    """One person's answers to one form, page by page, until it is submitted."""

    key: str  # in custom_ids: short and unguessable, so nobody submits someone else's draft
    user_id: str
    form: ui.Form
    expires: datetime
    values: dict[str, ui.FieldValue] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> list[list[ui.FormField]]:
        return pages_of(self.form)

    def page_of(self, field_name: str) -> int:
        for number, page in enumerate(self.pages):
            if any(f.name == field_name for f in page):
                return number
        return 0


def pages_of(form: ui.Form) -> list[list[ui.FormField]]:
    fields = list(form.fields)
    return [fields[i : i + PAGE_SIZE] for i in range(0, len(fields), PAGE_SIZE)] or [[]]


class Drafts:
    """Forms under way, keyed by their draft key; thread-safe; expired ones are dropped."""

    def __init__(self) -> None:
        self._drafts: dict[str, Draft] = {}
        self._lock = threading.Lock()

    def start(self, user_id: str, form: ui.Form, now: datetime) -> Draft:
        with self._lock:
            self._drop_expired(now)
            # A form opened again replaces the person's earlier draft of it.
            for key, old in list(self._drafts.items()):
                if old.user_id == user_id and old.form.form_id == form.form_id:
                    del self._drafts[key]
            draft = Draft(secrets.token_urlsafe(9), user_id, form, now + DRAFT_LIFETIME)
            self._drafts[draft.key] = draft
            return draft

    def get(self, key: str, user_id: str, now: datetime) -> Draft | None:
        with self._lock:
            self._drop_expired(now)
            draft = self._drafts.get(key)
            if draft is None or draft.user_id != user_id:
                return None
            draft.expires = now + DRAFT_LIFETIME
            return draft

    def finish(self, key: str) -> None:
        with self._lock:
            self._drafts.pop(key, None)

    def _drop_expired(self, now: datetime) -> None:
        for key in [k for k, d in self._drafts.items() if d.expires <= now]:
            del self._drafts[key]


# ---- rendering --------------------------------------------------------------------------


def modal_id(draft: Draft, page: int) -> str:
    return f"{MODAL_PREFIX}{draft.key}:{page}"


def open_id(draft: Draft, page: int) -> str:
    return f"{OPEN_PREFIX}{draft.key}:{page}"


def parse_id(custom_id: str, prefix: str) -> tuple[str, int] | None:
    """(draft key, page) from a modal's or an Open button's custom_id."""
    key, _sep, page = custom_id.removeprefix(prefix).rpartition(":")
    if not custom_id.startswith(prefix) or not key or not page.isdigit():
        return None
    return key, int(page)


def modal(draft: Draft, page: int) -> dict[str, Any]:
    """The modal for one page: what was typed before filled in, errors under the labels."""
    pages = draft.pages
    title = draft.form.title
    if len(pages) > 1:
        title = _("{title} ({page} of {pages})").format(
            title=title, page=page + 1, pages=len(pages)
        )
    return {
        "custom_id": modal_id(draft, page),
        "title": clip(title, 45),
        "components": [_label(f, draft) for f in pages[page]],
    }


def _label(form_field: ui.FormField, draft: Draft) -> dict[str, Any]:
    error = draft.errors.get(form_field.name)
    description = f"⚠ {error}" if error else form_field.hint
    label: dict[str, Any] = {
        "type": LABEL,
        "label": clip(form_field.label, 45),
        "component": _input(form_field, draft.values.get(form_field.name, form_field.initial)),
    }
    if description:
        label["description"] = clip(description, 100)
    return label


def _is_menu(form_field: ui.FormField) -> bool:
    kind = form_field.kind
    if kind is ui.FieldKind.CHECKBOX:
        return True
    return kind in (ui.FieldKind.SELECT, ui.FieldKind.MULTI_SELECT) and (
        0 < len(form_field.options) <= MAX_OPTIONS
    )


def _input(form_field: ui.FormField, value: ui.FieldValue | Sequence[str]) -> dict[str, Any]:
    kind = form_field.kind
    custom_id = clip(form_field.name, 100)
    if kind is ui.FieldKind.USER:
        menu: dict[str, Any] = {
            "type": USER_SELECT,
            "custom_id": custom_id,
            "required": form_field.required,
        }
        if isinstance(value, str) and value:
            menu["default_values"] = [{"id": value, "type": "user"}]
        return menu
    if _is_menu(form_field):
        options = list(form_field.options)
        if kind is ui.FieldKind.CHECKBOX:
            chosen = {options[0].value} if options and value is True else set()
        elif isinstance(value, str):
            chosen = {value}
        elif isinstance(value, list | tuple):
            chosen = {v for v in value if isinstance(v, str)}
        else:
            chosen = set()
        many = kind is ui.FieldKind.MULTI_SELECT
        limit = form_field.max_selected or len(options)
        menu = {
            "type": STRING_SELECT,
            "custom_id": custom_id,
            "options": [
                {
                    "label": clip(o.label, 100),
                    "value": clip(o.value, 100),
                    "default": o.value in chosen,
                }
                for o in options
            ],
            "min_values": 1 if form_field.required and kind is not ui.FieldKind.CHECKBOX else 0,
            "max_values": min(limit, len(options)) if many else 1,
            "required": form_field.required and kind is not ui.FieldKind.CHECKBOX,
        }
        if form_field.placeholder:
            menu["placeholder"] = clip(form_field.placeholder, 150)
        return menu
    text_input: dict[str, Any] = {
        "type": TEXT_INPUT,
        "custom_id": custom_id,
        "style": PARAGRAPH if kind is ui.FieldKind.LONG_TEXT else SHORT,
        "required": form_field.required,
    }
    placeholder = form_field.placeholder
    if kind in (ui.FieldKind.SELECT, ui.FieldKind.MULTI_SELECT) and not placeholder:
        placeholder = ", ".join(o.value for o in form_field.options[:6])
    elif kind is ui.FieldKind.DATE and not placeholder:
        placeholder = "2026-12-31"
    elif kind is ui.FieldKind.TIME and not placeholder:
        placeholder = "18:30"
    if placeholder:
        text_input["placeholder"] = clip(placeholder, 100)
    if form_field.max_length:
        text_input["max_length"] = min(form_field.max_length, 4000)
    shown = ", ".join(value) if isinstance(value, list | tuple) else value
    if isinstance(shown, str) and shown:
        text_input["value"] = clip(shown, 4000)
    return text_input


# ---- reading a submission ---------------------------------------------------------------


def submitted(components: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """custom_id → what came back (text, or the list of options chosen), from either shape
    Discord sends: action rows of text inputs, or label components."""
    found: dict[str, Any] = {}
    for top in components:
        inner = [top["component"]] if "component" in top else list(top.get("components") or [])
        for item in inner:
            custom_id = item.get("custom_id")
            if not custom_id:
                continue
            found[str(custom_id)] = item.get("values") if "values" in item else item.get("value")
    return found


def page_values(page: Sequence[ui.FormField], raw: Mapping[str, Any]) -> dict[str, ui.FieldValue]:
    """A page's neutral values: text, a list for a multi-select, a bool for a checkbox."""
    values: dict[str, ui.FieldValue] = {}
    for form_field in page:
        answer = raw.get(form_field.name)
        kind = form_field.kind
        if kind is ui.FieldKind.CHECKBOX:
            values[form_field.name] = bool(answer)
        elif kind is ui.FieldKind.MULTI_SELECT:
            if isinstance(answer, list):
                values[form_field.name] = [str(v) for v in answer]
            elif isinstance(answer, str) and answer.strip():
                values[form_field.name] = [p.strip() for p in answer.split(",") if p.strip()]
            else:
                values[form_field.name] = []
        elif isinstance(answer, list):
            values[form_field.name] = str(answer[0]) if answer else None
        elif isinstance(answer, str):
            values[form_field.name] = _as_option(form_field, answer.strip()) or None
        else:
            values[form_field.name] = None
    return values


def _as_option(form_field: ui.FormField, typed: str) -> str:
    """A choice typed into a text input (a list too long for a menu) matched to its option,
    ignoring case; anything else is kept as typed, for the form's own check to refuse."""
    if form_field.kind is not ui.FieldKind.SELECT:
        return typed
    for option in form_field.options:
        if typed.casefold() in (option.value.casefold(), option.label.casefold()):
            return option.value
    return typed

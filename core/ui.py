"""The neutral reply vocabulary: what handlers return and every adapter renders.

Handlers never build Block Kit or Discord embeds. They return messages, forms, form errors,
files and home pages made of the small set of pieces below, and the adapter in `bot/`
renders them natively (Block Kit on Slack, numbered prompts in the console).

Text safety: `Text.template` is written by us and may use a tiny markup (`*bold*`,
`_italic_`, `` `code` ``, and `{name}` placeholders). Anything a member wrote goes in
`Text.values` (or in a field value, label or option) and is escaped by the renderer, so a
display name like `<!channel>` can never ping anybody.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from core import i18n


@dataclass(frozen=True)
class Text:
    template: str
    values: Mapping[str, str] = field(default_factory=dict)

    def plain(self) -> str:
        """The text with values filled in and no escaping (console, fallbacks, tests)."""
        return self.template.format_map(dict(self.values)) if self.values else self.template


def text(template: str, **values: object) -> Text:
    """Translated text: `text("Welcome, *{name}*", name=member.display_name)`.

    The template is an English msgid, translated into the language being spoken
    (`core.i18n.speaking`) as the text is built; the values are never translated. In a
    right-to-left language each line is marked right-to-left and each value isolated, so
    names, links and times keep their own direction inside an Arabic sentence.
    """
    translated = i18n.directed(i18n._(template))
    return Text(translated, {k: i18n.isolate(str(v)) for k, v in values.items()})


def literal(value: str) -> Text:
    """Text that is entirely someone else's words: no markup, all escaped."""
    return Text("{v}", {"v": value})


# ---- message pieces ---------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    title: str  # plain text; escaped


@dataclass(frozen=True)
class Section:
    body: Text


@dataclass(frozen=True)
class Fields:
    """Label/value pairs, shown two columns wide on Slack. Values are escaped."""

    pairs: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Confirm:
    title: str
    body: str
    confirm_label: str = field(default_factory=lambda: i18n._("Yes"))
    deny_label: str = field(default_factory=lambda: i18n._("Cancel"))


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    confirm: Confirm | None = None
    url: str | None = None


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Select:
    placeholder: str
    action_id: str
    options: Sequence[Option]
    initial: str | None = None


@dataclass(frozen=True)
class Actions:
    elements: Sequence[Button | Select]


@dataclass(frozen=True)
class Context:
    """Small print under a message: hints, timestamps, who can see this."""

    parts: Sequence[Text]


@dataclass(frozen=True)
class Divider:
    pass


Block = Header | Section | Fields | Actions | Context | Divider


@dataclass(frozen=True)
class Message:
    """A message to one person (a reply) or to a channel or DM (via the outbox later).

    `summary` is the one-line plain text used for notifications and screen readers.
    `replace_original`: when answering a button click, replace the message that had it.
    """

    summary: str
    blocks: Sequence[Block] = ()
    replace_original: bool = False


def notice(sentence: str, *positional: object, **values: object) -> Message:
    """A one-sentence reply, e.g. an error that says what to do next; translated like
    `text`: `notice("Type `{command} join` to join.", command=ctx.command)`. (Positional
    values fill `{v0}`, `{v1}`, ...; named ones read better to a translator.)"""
    named = {f"v{i}": v for i, v in enumerate(positional)} | values
    body = text(sentence, **named)
    return Message(summary=body.plain(), blocks=(Section(body),))


def translated(sentence: str, **values: object) -> Text:
    """Text from a sentence already in the reader's language (a count from `i18n.tn`).
    A member-written value was left as its `{placeholder}` (`tn(..., title="{title}")`) and
    is filled here, escaped by the renderer like every `text` value."""
    return Text(i18n.directed(sentence), {key: str(value) for key, value in values.items()})


def said(sentence: str) -> Message:
    """A reply whose sentence is already in the reader's language (an error raised by a
    service, built with `core.i18n.t`): shown as it is, never looked up again.

    The whole sentence travels as a value, so the renderer escapes it: a service's sentence
    may carry a member's name, and a name like `<https://x|Confirm>` must stay text. (Our
    markup, `*bold*` and `code`, is not touched by escaping.)"""
    body = Text("{sentence}", {"sentence": i18n.directed(sentence)})
    return Message(summary=body.plain(), blocks=(Section(body),))


# ---- forms --------------------------------------------------------------------------------


class FieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    DATE = "date"
    TIME = "time"
    USER = "user"
    CHECKBOX = "checkbox"
    NUMBER = "number"
    URL = "url"


@dataclass(frozen=True)
class FormField:
    """One question in a form. `name` is the key of its value and of its error."""

    name: str
    label: str
    kind: FieldKind
    required: bool = True
    hint: str | None = None
    placeholder: str | None = None
    options: Sequence[Option] = ()
    initial: str | Sequence[str] | bool | None = None
    min_length: int | None = None
    max_length: int | None = None
    max_selected: int | None = None

    def __post_init__(self) -> None:
        # Menus need a prompt in the reader's language; it is chosen here, as the form is
        # built in that language, so no adapter has words of its own.
        if self.placeholder is None and self.kind is FieldKind.SELECT:
            object.__setattr__(self, "placeholder", i18n._("Choose one"))
        elif self.placeholder is None and self.kind is FieldKind.MULTI_SELECT:
            object.__setattr__(self, "placeholder", i18n._("Choose any"))


@dataclass(frozen=True)
class Form:
    """A modal on Slack, a questionnaire in the console.

    `state` travels with the form and comes back on submit (Slack's private_metadata);
    keep it short and never put personal data in it.
    """

    form_id: str
    title: str
    fields: Sequence[FormField]
    submit_label: str = field(default_factory=lambda: i18n._("Save"))
    close_label: str = field(default_factory=lambda: i18n._("Cancel"))
    intro: Sequence[Block] = ()
    state: str = ""


# What a submitted field holds: text for text/select/date/time/user/number/url, a list for
# multi-select, a bool for a checkbox, None when left empty.
FieldValue = str | list[str] | bool | None
FormValues = Mapping[str, FieldValue]


@dataclass(frozen=True)
class OpenForm:
    form: Form


@dataclass(frozen=True)
class FormErrors:
    """Problems keyed by field name; the form stays open so nothing typed is lost."""

    errors: Mapping[str, str]


@dataclass(frozen=True)
class SendFile:
    """A file for the person (Slack: uploaded to their DM; console: written to disk)."""

    filename: str
    content: str
    title: str
    comment: str = ""


@dataclass(frozen=True)
class DirectMessage:
    """A message sent to the person's DM with the bot (e.g. after a form closes)."""

    message: Message


@dataclass(frozen=True)
class RefreshHome:
    """Ask the adapter to redraw the person's home page after a change."""


@dataclass(frozen=True)
class HomePage:
    blocks: Sequence[Block]


Reply = Message | OpenForm | FormErrors | SendFile | DirectMessage | RefreshHome
Replies = Sequence[Reply]


def field_problem(form_field: FormField, value: FieldValue) -> str | None:
    """What is wrong with one answer by the field's own rules, or None.

    The rules are the ones the form definition declares (required, lengths, choices, how
    many may be picked), so they live once: Slack enforces them in the modal itself, the
    console asks again as soon as an answer breaks one, and the dispatcher checks them on
    every submission, because a forged payload skips Slack's checks. Rules that need the
    database or other answers (a date in the past, a link already in the library) belong
    to the service, which the console also consults as each answer arrives.
    """
    kind = form_field.kind
    label = form_field.label.rstrip("?:. ")
    if kind is FieldKind.CHECKBOX:
        if form_field.required and value is not True:
            return i18n.t("Please tick “{label}” to go on.", label=_checkbox_label(form_field))
        return None
    if kind is FieldKind.MULTI_SELECT:
        picked = list_of(value)
        if form_field.required and not picked:
            return i18n.t("Please choose at least one for “{label}”.", label=label)
        allowed = {option.value for option in form_field.options}
        if allowed and any(item not in allowed for item in picked):
            return i18n.t("Please choose “{label}” from the list.", label=label)
        if form_field.max_selected is not None and len(picked) > form_field.max_selected:
            return i18n.tn(
                "Please choose at most {n} for “{label}”.",
                "Please choose at most {n} for “{label}”.",
                form_field.max_selected,
                label=label,
            )
        return None
    answer = text_of(value)
    if answer is None or not answer.strip():
        return i18n.t("Please answer “{label}”.", label=label) if form_field.required else None
    if kind is FieldKind.SELECT:
        allowed = {option.value for option in form_field.options}
        if allowed and answer not in allowed:
            return i18n.t("Please choose “{label}” from the list.", label=label)
        return None
    if form_field.max_length is not None and len(answer.strip()) > form_field.max_length:
        return i18n.tn(
            "Please keep “{label}” to {n} character or fewer (it has {count}).",
            "Please keep “{label}” to {n} characters or fewer (it has {count}).",
            form_field.max_length,
            label=label,
            count=i18n.number(len(answer.strip())),
        )
    if form_field.min_length is not None and len(answer.strip()) < form_field.min_length:
        return i18n.tn(
            "Please write at least {n} character for “{label}”.",
            "Please write at least {n} characters for “{label}”.",
            form_field.min_length,
            label=label,
        )
    if kind is FieldKind.NUMBER and not _NUMBER.fullmatch(answer.strip()):
        return i18n.t("Please give “{label}” as a number, like 90 or 1.5.", label=label)
    return None


_NUMBER = re.compile(r"[0-9]{1,9}(\.[0-9]{1,6})?")


def form_problems(form_fields: Sequence[FormField], values: FormValues) -> dict[str, str]:
    """`field_problem` for every field of a form, keyed by field name."""
    found = {f.name: field_problem(f, values.get(f.name)) for f in form_fields}
    return {name: problem for name, problem in found.items() if problem is not None}


def _checkbox_label(form_field: FormField) -> str:
    return form_field.options[0].label if form_field.options else form_field.label


def text_of(value: FieldValue) -> str | None:
    """A submitted text field's value; anything else (missing, wrong shape) reads as None."""
    return value if isinstance(value, str) else None


def list_of(value: FieldValue) -> list[str]:
    """A submitted multi-select's values; a lone string counts as a one-item list."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) and value else []

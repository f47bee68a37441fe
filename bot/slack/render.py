"""Neutral replies (core.ui) to Block Kit, with slack_sdk's models, and form state back.

Two duties beyond translation: escape everything a member wrote (so `<!channel>` in a
display name is just text), and keep within Block Kit's limits by trimming rather than
letting Slack reject a whole message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UrlInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from core import ui

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


def escape(value: str) -> str:
    """Slack's mrkdwn escaping: with &, < and > encoded, no mention or link can form."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def mrkdwn(text: ui.Text, limit: int = 3000) -> str:
    if not text.values:
        return clip(text.template, limit)
    escaped = {key: escape(value) for key, value in text.values.items()}
    return clip(text.template.format_map(escaped), limit)


def plain(value: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=clip(value, limit) or " ", emoji=True)


def _option(option: ui.Option) -> Option:
    return Option(value=clip(option.value, 150), text=plain(option.label, 75))


def _confirm(confirm: ui.Confirm) -> ConfirmObject:
    return ConfirmObject(
        title=plain(confirm.title, 100),
        text=PlainTextObject(text=clip(confirm.body, 300)),
        confirm=plain(confirm.confirm_label, 30),
        deny=plain(confirm.deny_label, 30),
    )


def _element(element: ui.Button | ui.Select) -> ButtonElement | StaticSelectElement:
    if isinstance(element, ui.Button):
        return ButtonElement(
            text=plain(element.label, 75),
            action_id=element.action_id,
            value=clip(element.value, 2000) if element.value else None,
            style=element.style,
            confirm=_confirm(element.confirm) if element.confirm else None,
            url=element.url,
        )
    options = [_option(o) for o in element.options[:100]]
    initial = next((o for o in options if o.value == element.initial), None)
    return StaticSelectElement(
        placeholder=plain(element.placeholder, 150),
        action_id=element.action_id,
        options=options,
        initial_option=initial,
    )


def block(piece: ui.Block, index: int) -> Block:
    """One neutral block; `index` makes block ids unique within the message."""
    block_id = f"b{index}"
    if isinstance(piece, ui.Header):
        return HeaderBlock(text=plain(piece.title, 150), block_id=block_id)
    if isinstance(piece, ui.Section):
        return SectionBlock(text=MarkdownTextObject(text=mrkdwn(piece.body)), block_id=block_id)
    if isinstance(piece, ui.Fields):
        fields = [
            MarkdownTextObject(text=clip(f"*{escape(label)}*\n{escape(value)}", 2000))
            for label, value in piece.pairs[:10]
        ]
        return SectionBlock(fields=fields, block_id=block_id)
    if isinstance(piece, ui.Actions):
        return ActionsBlock(elements=[_element(e) for e in piece.elements[:25]], block_id=block_id)
    if isinstance(piece, ui.Context):
        # One element, a line per part: Slack lays separate elements side by side, and on a
        # phone "Theme: …", "To prepare: …" and the counts ran together as one paragraph.
        lines = "\n".join(mrkdwn(p, 2000) for p in piece.parts)
        return ContextBlock(
            elements=[MarkdownTextObject(text=clip(lines, 2000))], block_id=block_id
        )
    return DividerBlock(block_id=block_id)


def blocks(pieces: Sequence[ui.Block], limit: int = MAX_MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    rendered = [block(piece, i).to_dict() for i, piece in enumerate(pieces)]
    if len(rendered) > limit:
        more = ContextBlock(
            elements=[MarkdownTextObject(text="…and more than fits here.")], block_id="more"
        )
        rendered = [*rendered[: limit - 1], more.to_dict()]
    return rendered


def message(msg: ui.Message) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / respond / ack: text and blocks."""
    # The summary is shown in notifications and parsed as mrkdwn too, so escape it as well.
    return {"text": clip(escape(msg.summary), 3000), "blocks": blocks(msg.blocks)}


# ---- forms ---------------------------------------------------------------------------------


def _input_element(field: ui.FormField) -> InputInteractiveElement:
    action_id = field.name
    placeholder = plain(field.placeholder, 150) if field.placeholder else None
    kind = field.kind
    if kind in (ui.FieldKind.TEXT, ui.FieldKind.LONG_TEXT):
        initial = field.initial if isinstance(field.initial, str) else None
        return PlainTextInputElement(
            action_id=action_id,
            multiline=kind is ui.FieldKind.LONG_TEXT,
            initial_value=clip(initial, field.max_length or 3000) if initial else None,
            min_length=field.min_length,
            max_length=min(field.max_length or 3000, 3000),
            placeholder=placeholder,
        )
    options = [_option(o) for o in field.options[:100]]
    if kind is ui.FieldKind.SELECT:
        chosen = next((o for o in options if o.value == field.initial), None)
        return StaticSelectElement(
            action_id=action_id,
            options=options,
            initial_option=chosen,
            placeholder=placeholder or plain("Choose one", 150),
        )
    if kind is ui.FieldKind.MULTI_SELECT:
        wanted = set(field.initial) if isinstance(field.initial, list | tuple) else set()
        chosen_many = [o for o in options if o.value in wanted]
        return StaticMultiSelectElement(
            action_id=action_id,
            options=options,
            initial_options=chosen_many or None,
            max_selected_items=field.max_selected,
            placeholder=placeholder or plain("Choose any", 150),
        )
    if kind is ui.FieldKind.CHECKBOX:
        return CheckboxesElement(
            action_id=action_id,
            options=options[:10],
            initial_options=options[:1] if field.initial is True else None,
        )
    initial_text = field.initial if isinstance(field.initial, str) else None
    if kind is ui.FieldKind.DATE:
        return DatePickerElement(action_id=action_id, initial_date=initial_text)
    if kind is ui.FieldKind.TIME:
        return TimePickerElement(action_id=action_id, initial_time=initial_text)
    if kind is ui.FieldKind.USER:
        return UserSelectElement(action_id=action_id, initial_user=initial_text)
    if kind is ui.FieldKind.NUMBER:
        return NumberInputElement(action_id=action_id, initial_value=initial_text)
    return UrlInputElement(action_id=action_id, initial_value=initial_text)


def form_view(form: ui.Form) -> dict[str, Any]:
    intro = blocks(form.intro, limit=MAX_VIEW_BLOCKS - len(form.fields))
    inputs = [
        InputBlock(
            block_id=field.name,
            label=plain(field.label, 2000),
            element=_input_element(field),
            optional=not field.required,
            hint=plain(field.hint, 2000) if field.hint else None,
        ).to_dict()
        for field in form.fields
    ]
    view = View(
        type="modal",
        callback_id=form.form_id,
        title=plain(form.title, 24),
        submit=plain(form.submit_label, 24),
        close=plain(form.close_label, 24),
        private_metadata=form.state[:3000],
        blocks=[*intro, *inputs][:MAX_VIEW_BLOCKS],
    )
    return view.to_dict()


def home_view(page: ui.HomePage) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks(page.blocks, limit=MAX_VIEW_BLOCKS)}


def form_values(state_values: Mapping[str, Mapping[str, Any]]) -> dict[str, ui.FieldValue]:
    """Slack's view.state.values to neutral values keyed by field name."""
    values: dict[str, ui.FieldValue] = {}
    for block_id, by_action in state_values.items():
        for element in by_action.values():
            values[block_id] = _element_value(element)
    return values


def _element_value(element: Mapping[str, Any]) -> ui.FieldValue:
    kind = element.get("type")
    if kind == "static_select":
        selected = element.get("selected_option")
        return str(selected["value"]) if selected else None
    if kind == "multi_static_select":
        return [str(o["value"]) for o in element.get("selected_options") or []]
    if kind == "checkboxes":
        return bool(element.get("selected_options"))
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind == "users_select":
        return element.get("selected_user")
    value = element.get("value")
    return str(value) if value is not None else None

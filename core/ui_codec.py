"""Neutral messages to JSON and back, so the outbox can store what it will send."""

from __future__ import annotations

from typing import Any

from core import ui


def _text(value: ui.Text) -> dict[str, Any]:
    return {"t": value.template, "v": dict(value.values)}


def _from_text(data: dict[str, Any]) -> ui.Text:
    return ui.Text(str(data["t"]), {str(k): str(v) for k, v in data.get("v", {}).items()})


def _element(element: ui.Button | ui.Select) -> dict[str, Any]:
    if isinstance(element, ui.Button):
        return {
            "type": "button",
            "label": element.label,
            "action_id": element.action_id,
            "value": element.value,
            "style": element.style,
            "url": element.url,
            "confirm": None
            if element.confirm is None
            else {
                "title": element.confirm.title,
                "body": element.confirm.body,
                "yes": element.confirm.confirm_label,
                "no": element.confirm.deny_label,
            },
        }
    return {
        "type": "select",
        "placeholder": element.placeholder,
        "action_id": element.action_id,
        "options": [[o.value, o.label] for o in element.options],
        "initial": element.initial,
    }


def _from_element(data: dict[str, Any]) -> ui.Button | ui.Select:
    if data["type"] == "button":
        confirm = data.get("confirm")
        return ui.Button(
            label=data["label"],
            action_id=data["action_id"],
            value=data.get("value", ""),
            style=data.get("style"),
            url=data.get("url"),
            confirm=None
            if not confirm
            else ui.Confirm(confirm["title"], confirm["body"], confirm["yes"], confirm["no"]),
        )
    return ui.Select(
        placeholder=data["placeholder"],
        action_id=data["action_id"],
        options=[ui.Option(value, label) for value, label in data["options"]],
        initial=data.get("initial"),
    )


def block_to_json(block: ui.Block) -> dict[str, Any]:
    if isinstance(block, ui.Header):
        return {"type": "header", "title": block.title}
    if isinstance(block, ui.Section):
        return {"type": "section", "body": _text(block.body)}
    if isinstance(block, ui.Fields):
        return {"type": "fields", "pairs": [list(pair) for pair in block.pairs]}
    if isinstance(block, ui.Actions):
        return {"type": "actions", "elements": [_element(e) for e in block.elements]}
    if isinstance(block, ui.Context):
        return {"type": "context", "parts": [_text(p) for p in block.parts]}
    return {"type": "divider"}


def block_from_json(data: dict[str, Any]) -> ui.Block:
    kind = data["type"]
    if kind == "header":
        return ui.Header(data["title"])
    if kind == "section":
        return ui.Section(_from_text(data["body"]))
    if kind == "fields":
        return ui.Fields([(str(a), str(b)) for a, b in data["pairs"]])
    if kind == "actions":
        return ui.Actions([_from_element(e) for e in data["elements"]])
    if kind == "context":
        return ui.Context([_from_text(p) for p in data["parts"]])
    if kind == "divider":
        return ui.Divider()
    raise ValueError(f"unknown block type {kind!r}")


def message_to_json(message: ui.Message) -> dict[str, Any]:
    return {"summary": message.summary, "blocks": [block_to_json(b) for b in message.blocks]}


def message_from_json(data: dict[str, Any]) -> ui.Message:
    return ui.Message(
        summary=str(data["summary"]),
        blocks=tuple(block_from_json(b) for b in data.get("blocks", [])),
    )

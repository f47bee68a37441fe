"""Flatten replies to plain text, so tests can check what a person would read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Fields,
    Header,
    HomePage,
    Message,
    Reply,
    Section,
)

R = TypeVar("R")


def block_text(block: Block) -> str:
    if isinstance(block, Header):
        return block.title
    if isinstance(block, Section):
        return block.body.plain()
    if isinstance(block, Fields):
        return "\n".join(f"{label}: {value}" for label, value in block.pairs)
    if isinstance(block, Context):
        return "\n".join(part.plain() for part in block.parts)
    if isinstance(block, Actions):
        lines = []
        for element in block.elements:
            if isinstance(element, Button):
                lines.append(f"[{element.label}] {element.action_id} {element.value}")
                if element.confirm is not None:
                    lines.append(f"{element.confirm.title} {element.confirm.body}")
            else:
                lines.append(element.placeholder)
                lines += [f"{option.value} {option.label}" for option in element.options]
        return "\n".join(lines)
    assert isinstance(block, Divider)
    return ""


def blocks_text(blocks: Iterable[Block]) -> str:
    return "\n".join(block_text(block) for block in blocks)


def message_text(message: Message) -> str:
    return f"{message.summary}\n{blocks_text(message.blocks)}"


def page_text(page: HomePage | None) -> str:
    assert page is not None, "the home page could not be built"
    return blocks_text(page.blocks)


def one(replies: Sequence[Reply], kind: type[R]) -> R:
    """The single reply of `kind` (and fail if there isn't exactly one)."""
    found = [reply for reply in replies if isinstance(reply, kind)]
    assert len(found) == 1, f"expected one {kind.__name__} in {replies!r}"
    return found[0]


def said(replies: Sequence[Reply]) -> str:
    """The text of the only reply, which must be a message."""
    assert len(replies) == 1, replies
    return message_text(one(replies, Message))


def buttons(message: Message) -> list[Button]:
    return [
        element
        for block in message.blocks
        if isinstance(block, Actions)
        for element in block.elements
        if isinstance(element, Button)
    ]

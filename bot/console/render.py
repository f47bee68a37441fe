"""Neutral replies as terminal text: numbered buttons, plain fields, light emphasis."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from core import ui
from core.i18n import _

WIDTH = 78


@dataclass(frozen=True)
class Style:
    """ANSI emphasis when writing to a terminal, nothing otherwise (pipes, tests)."""

    colour: bool

    def bold(self, value: str) -> str:
        return f"\033[1m{value}\033[0m" if self.colour else value

    def dim(self, value: str) -> str:
        return f"\033[2m{value}\033[0m" if self.colour else value

    def italic(self, value: str) -> str:
        return f"\033[3m{value}\033[0m" if self.colour else value


def safe(value: str) -> str:
    """Drop control characters (escape sequences in a name must not drive the terminal)."""
    return "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch == "\n")


def markup(text: ui.Text, style: Style) -> str:
    # A code span holding exactly one value is a word someone typed (`I don't know `{v0}``):
    # quoted, so "I don't know “profil”." reads as a quotation, not as part of the sentence.
    # Spans of command text (`/cop join`) lose their backticks, as before.
    template = re.sub(r"`(\{\w+\})`", r"“\1”", text.template)
    template = template.replace("<!channel>", "@channel")  # Slack's markup, as Slack shows it
    filled = (
        template.format_map({k: "\x00" + str(i) + "\x00" for i, k in enumerate(text.values)})
        if text.values
        else template
    )
    filled = re.sub(r"\*([^*\n]+)\*", lambda m: style.bold(m.group(1)), filled)
    # `_italic_` as Slack reads it: underscores inside a word (CATALYST_CHANNEL) are not markup.
    filled = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", lambda m: style.italic(m.group(1)), filled)
    filled = re.sub(r"`([^`\n]+)`", r"\1", filled)
    values = [safe(v) for v in text.values.values()]
    return re.sub("\x00(\\d+)\x00", lambda m: values[int(m.group(1))], filled)


def wrap(value: str, indent: str = "") -> str:
    lines: list[str] = []
    for paragraph in value.split("\n"):
        lines += textwrap.wrap(
            paragraph, WIDTH, initial_indent=indent, subsequent_indent=indent
        ) or [""]
    return "\n".join(lines)


def blocks(
    pieces: Sequence[ui.Block], style: Style, first_number: int = 1
) -> tuple[str, list[ui.Button | ui.Select]]:
    """Text for the blocks, and the buttons in the order they were numbered."""
    out: list[str] = []
    buttons: list[ui.Button | ui.Select] = []
    for piece in pieces:
        if isinstance(piece, ui.Header):
            title = safe(piece.title)
            out.append(style.bold(title) + "\n" + "─" * min(len(title), WIDTH))
        elif isinstance(piece, ui.Section):
            out.append(wrap(markup(piece.body, style)))
        elif isinstance(piece, ui.Fields):
            width = max((len(label) for label, _ in piece.pairs), default=0)
            out.append(
                "\n".join(f"  {label.ljust(width)}  {safe(value)}" for label, value in piece.pairs)
            )
        elif isinstance(piece, ui.Context):
            # Each part on its own line: joined, "Theme: …", "To prepare: …" and the counts
            # ran together into one paragraph.
            out.append(style.dim("\n".join(wrap(markup(p, style)) for p in piece.parts)))
        elif isinstance(piece, ui.Divider):
            out.append("─" * 40)
        else:
            labels = []
            for element in piece.elements:
                buttons.append(element)
                number = first_number + len(buttons) - 1
                label = element.label if isinstance(element, ui.Button) else element.placeholder
                labels.append(f"[{number}] {label}")
            out.append("  ".join(labels) + style.dim("   " + _("(type the number)")))
    return "\n".join(out), buttons

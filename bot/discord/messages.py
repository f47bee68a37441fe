"""Neutral messages (core.ui) as Discord message bodies, and button ids back.

Layout: a message is one card, an embed whose description holds the blocks as Discord
markdown (a header as ``## title``, fields as ``**label**`` lines, small print as ``-#``
subtext), with its buttons and menus in action rows below. ``content`` carries only a ping
the app means (``<!channel>`` in one of our templates becomes ``@everyone``); everything
else is in the embed, where a mention never pings anybody. ``allowed_mentions`` says the same
to Discord, so a member's words can never ping, wherever they end up.

Text safety mirrors bot/slack/render.py: our templates' markup (``*bold*``, ``_italic_``,
`` `code` ``, Slack's ``<url|text>``, ``<@U…>``, ``<#C…>``) is turned into Discord's, and
what a member wrote (``Text.values``, field labels and values, headers) keeps its own
formatting but can form no mention, channel link or masked link.

Limits are kept by cutting at paragraph, line or word breaks, never inside a link: a long
text spreads over several embeds (6,000 characters a message), and
:func:`message_payloads` spreads a longer one over several messages, buttons on the last.
:func:`message_payload` is one message: what doesn't fit is cut, with its links kept in a
last line.

Button ids: Discord gives a clicked button back only its ``custom_id`` (1–100 characters),
where Slack gives ``action_id`` and ``value``. The id is ``action_id|value``; a value too
long for that is remembered in this process under a digest (``action_id^digest``), and a
button that asks for confirmation first starts with ``?`` (Discord has no confirm dialog on
buttons: the inbound side shows :func:`confirm_prompt` first). :func:`parse_custom_id`
turns any of them back into the ``(action_id, value)`` the dispatcher takes, the same pair
Slack's click gives. A menu's id is its ``action_id|``; the chosen option is its value.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from core import ui

__all__ = [
    "CONTENT_MAX",
    "EPHEMERAL",
    "asks_confirmation",
    "confirm_prompt",
    "custom_id_for",
    "escape",
    "iter_custom_ids",
    "markdown",
    "message_payload",
    "message_payloads",
    "parse_custom_id",
]

EPHEMERAL = 1 << 6
CONTENT_MAX = 2000
DESCRIPTION_MAX = 4096
EMBEDS_TEXT_MAX = 6000  # all of a message's embeds together
EMBEDS_MAX = 10
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
OPTIONS_MAX = 25
LABEL_MAX = 80
OPTION_TEXT_MAX = 100
PLACEHOLDER_MAX = 150
CUSTOM_ID_MAX = 100
COLOUR = 0x4A90D9  # the card's edge; one colour for every message

# Component types and button styles (Discord's numbers).
ACTION_ROW, BUTTON, STRING_SELECT = 1, 2, 3
PRIMARY, SECONDARY, DANGER, LINK = 1, 2, 4, 5

VALUE_SEP = "|"  # action_id|value: action ids never hold "|", "^", "~" or "?"
DIGEST_SEP = "^"  # action_id^digest: a value too long to travel, remembered here
CONFIRM_MARK = "?"  # ask "are you sure" before dispatching
DISMISS_ACTION = "ui.dismiss"  # untranslated: an action id (handlers.guide.DISMISS), the "No"

# ---- text -----------------------------------------------------------------------------------

_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]*))?>")
_SLACK_USER = re.compile(r"<@([A-Za-z0-9]+)(?:\|[^>]*)?>")
_SLACK_CHANNEL = re.compile(r"<#([A-Za-z0-9]+)(?:\|[^>]*)?>")
_SLACK_PING = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_BOLD = re.compile(r"(?<![*\w])\*(\S|\S[^*\n]*?\S)\*(?![*\w])")  # Slack's: no space inside
_CODE_VALUE = re.compile(r"`(\{\w+\})`")
_SLOT = re.compile("\x00(\\d+)\x00")
_PREFIX = re.compile(r"^(\d+~)?(\?)?")  # a uniqueness prefix, then the confirmation mark


def escape(value: str) -> str:
    """A member's words as Discord text: their formatting kept, but no mention, channel
    link, timestamp or masked link can form (``\\<@1>`` and ``\\[x](y)`` show as typed)."""
    value = value.replace("\\", "\\\\").replace("<", "\\<").replace("[", "\\[")
    # @everyone and @here ping only from content, and allowed_mentions stops them there too;
    # a zero-width joiner also keeps them from looking like a ping in a card.
    return re.sub(r"@(everyone|here)\b", "@\u200d\\1", value)


def _code_value(value: str) -> str:
    """A value shown in a code span: backticks can't close it early."""
    return value.replace("`", "ˋ")


def _template_markup(template: str) -> tuple[str, bool]:
    """Our markup (Slack's mrkdwn) as Discord markdown, and whether it pings the channel."""
    pings = bool(_SLACK_PING.search(template))
    converted = _SLACK_PING.sub("", template)
    converted = _SLACK_LINK.sub(
        lambda m: f"[{m.group(2)}]({m.group(1)})" if m.group(2) else m.group(1), converted
    )
    converted = _SLACK_USER.sub(r"<@\1>", converted)
    converted = _SLACK_CHANNEL.sub(r"<#\1>", converted)
    converted = _BOLD.sub(r"**\1**", converted)
    return converted, pings


def _rendered(text: ui.Text) -> tuple[str, bool]:
    """A Text as Discord markdown (values escaped), and whether our template pings."""
    template = text.template
    if not text.values:
        return _template_markup(template)
    names = list(text.values)
    in_code = set(_CODE_VALUE.findall(template))
    slotted = template.format_map({name: f"\x00{i}\x00" for i, name in enumerate(names)})
    converted, pings = _template_markup(slotted)

    def value(match: re.Match[str]) -> str:
        name = names[int(match.group(1))]
        raw = str(text.values[name])
        return _code_value(raw) if "{" + name + "}" in in_code else escape(raw)

    return _SLOT.sub(value, converted), pings


def markdown(text: ui.Text) -> str:
    """A Text as Discord markdown (a ping in it dropped: see :func:`message_payload`)."""
    return _rendered(text)[0].strip()


# ---- blocks to one markdown document --------------------------------------------------------


def _block_text(piece: ui.Block) -> tuple[str, bool]:
    if isinstance(piece, ui.Header):
        return "## " + escape(piece.title.replace("\n", " ")), False
    if isinstance(piece, ui.Section):
        return _rendered(piece.body)
    if isinstance(piece, ui.Fields):
        return "\n".join(
            f"**{escape(label)}**\n{escape(value)}" for label, value in piece.pairs
        ), False
    if isinstance(piece, ui.Context):
        lines: list[str] = []
        pings = False
        for part in piece.parts:
            rendered, pinged = _rendered(part)
            pings = pings or pinged
            lines += [f"-# {line}" for line in rendered.split("\n") if line.strip()]
        return "\n".join(lines), pings
    if isinstance(piece, ui.Divider):
        return "\u2500" * 20, False
    return "", False  # Actions: components, not text


def _document(message: ui.Message) -> tuple[str, bool]:
    paragraphs: list[str] = []
    pings = False
    for piece in message.blocks:
        rendered, pinged = _block_text(piece)
        pings = pings or pinged
        if rendered.strip():
            paragraphs.append(rendered.strip("\n"))
    if not paragraphs:
        paragraphs.append(escape(message.summary) or "\u200b")  # plain text, as on Slack
    return "\n\n".join(paragraphs), pings


# ---- cutting without breaking links ---------------------------------------------------------

_LINKISH = re.compile(r"\[[^\]\n]*\]\([^)\s]+\)|<[^>\s]+>|https?://\S+")


def _unbreakable(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _LINKISH.finditer(text)]


def _cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` so the first part is at most ``limit`` long: the last paragraph,
    line or space break in the second half, else the limit; never inside a link."""
    if len(text) <= limit:
        return len(text)
    window = text[:limit]
    cut = 0
    for separator in ("\n\n", "\n", " "):
        found = window.rfind(separator)
        if found > limit // 2:
            cut = found
            break
    if not cut:
        cut = limit
    for start, end in _unbreakable(text):
        if start < cut < end:
            cut = start if start > 0 else min(end, limit)
            break
    return max(cut, 1)


def _pieces(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters; nothing dropped."""
    found: list[str] = []
    rest = text
    while rest:
        cut = _cut_point(rest, limit)
        piece = rest[:cut].rstrip()
        if piece:
            found.append(piece)
        rest = rest[cut:].lstrip("\n ")
    return found


def _embed(description: str) -> dict[str, Any]:
    return {"type": "rich", "description": description, "color": COLOUR}


def _embed_groups(document: str) -> list[list[str]]:
    """The document as embeds' descriptions, grouped by message (6,000 and 10 embeds each)."""
    groups: list[list[str]] = [[]]
    used = 0
    for piece in _pieces(document, DESCRIPTION_MAX):
        if used + len(piece) > EMBEDS_TEXT_MAX or len(groups[-1]) >= EMBEDS_MAX:
            room = EMBEDS_TEXT_MAX - used
            if room >= 200 and len(groups[-1]) < EMBEDS_MAX:
                # Fill what is left of this message before starting the next.
                head = _pieces(piece, room)[0]
                groups[-1].append(head)
                piece = piece[len(head) :].lstrip("\n ")
            groups.append([])
            used = 0
            if not piece:
                continue
        groups[-1].append(piece)
        used += len(piece)
    return [group for group in groups if group] or [["\u200b"]]


# ---- components -----------------------------------------------------------------------------


class _Remembered:
    """Values too long for a custom_id and buttons' confirmations, by digest, in this
    process. A click after a restart finds neither: the value comes back empty (every
    handler already answers a value it can't read with a plain sentence) and the
    confirmation is asked in general words."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._items: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()  # the outbox's senders render in parallel

    def put(self, key: str, item: object) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, key: str) -> object | None:
        with self._lock:
            return self._items.get(key)


_REMEMBERED = _Remembered()


def custom_id_for(action_id: str, value: str) -> str:
    """The custom_id carrying a button's action id and value (without the uniqueness prefix
    or confirmation mark)."""
    inline = f"{action_id}{VALUE_SEP}{value}"
    if len(inline) + 8 <= CUSTOM_ID_MAX:  # room for "?" and a "12~" uniqueness prefix
        return inline
    digest = hashlib.sha256(value.encode()).hexdigest()[:24]
    _REMEMBERED.put("v:" + digest, value)
    return f"{action_id[: CUSTOM_ID_MAX - 8 - 25]}{DIGEST_SEP}{digest}"


def parse_custom_id(custom_id: str) -> tuple[str, str]:
    """A clicked component's custom_id back to the dispatcher's ``(action_id, value)``.

    For a menu the value is empty: the chosen option (``data.values[0]``) is the value.
    An id Catalyst didn't make comes back as ``(custom_id, "")``, which the dispatcher
    answers as an unknown action."""
    rest = _PREFIX.sub("", custom_id)
    if VALUE_SEP in rest:
        action_id, _, value = rest.partition(VALUE_SEP)
        return action_id, value
    if DIGEST_SEP in rest:
        action_id, _, digest = rest.partition(DIGEST_SEP)
        remembered = _REMEMBERED.get("v:" + digest)
        return action_id, remembered if isinstance(remembered, str) else ""
    return rest, ""


def asks_confirmation(custom_id: str) -> bool:
    """Whether this button asks "are you sure" (:func:`confirm_prompt`) before acting."""
    found = _PREFIX.match(custom_id)
    return found is not None and found.group(2) is not None


def confirm_prompt(custom_id: str, *, label: str) -> dict[str, Any]:
    """The ephemeral question a confirming button asks first: its confirmation's words
    (or, after a restart, its own label), a button that acts and one that doesn't.
    ``label`` is the clicked button's label (from the interaction's message)."""
    remembered = _REMEMBERED.get("c:" + custom_id)
    confirm = remembered if isinstance(remembered, ui.Confirm) else ui.Confirm(label, label)
    go = _PREFIX.sub(r"\1", custom_id)  # the same button without the question
    title, body = escape(confirm.title), escape(confirm.body)
    description = f"**{title}**\n{body}" if body and body != confirm.title else f"**{title}**"
    return {
        "embeds": [_embed(_clip(description, DESCRIPTION_MAX))],
        "components": [
            {
                "type": ACTION_ROW,
                "components": [
                    _button_json(_clip(confirm.confirm_label, LABEL_MAX), DANGER, go),
                    _button_json(
                        _clip(confirm.deny_label, LABEL_MAX),
                        SECONDARY,
                        custom_id_for(DISMISS_ACTION, ""),
                    ),
                ],
            }
        ],
        "flags": EPHEMERAL,
        "allowed_mentions": {"parse": []},
    }


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _button_json(label: str, style: int, custom_id: str) -> dict[str, Any]:
    return {"type": BUTTON, "style": style, "label": label or "…", "custom_id": custom_id}


_STYLES = {"primary": PRIMARY, "danger": DANGER, None: SECONDARY}


@dataclass
class _Ids:
    """Keeps custom ids unique within a message (Discord refuses duplicates)."""

    seen: set[str]

    def unique(self, custom_id: str) -> str:
        candidate, n = custom_id, 1
        while candidate in self.seen:
            candidate = f"{n}~{custom_id}"[:CUSTOM_ID_MAX]
            n += 1
        self.seen.add(candidate)
        return candidate


def _button(button: ui.Button, ids: _Ids) -> dict[str, Any]:
    label = _clip(button.label.replace("\n", " ").strip(), LABEL_MAX) or "…"
    if button.url:
        return {"type": BUTTON, "style": LINK, "label": label, "url": button.url}
    custom_id = custom_id_for(button.action_id, button.value)
    if button.confirm is not None:
        custom_id = CONFIRM_MARK + custom_id
    custom_id = ids.unique(custom_id)
    if button.confirm is not None:
        _REMEMBERED.put("c:" + custom_id, button.confirm)
    return _button_json(label, _STYLES.get(button.style, SECONDARY), custom_id)


def _select(select: ui.Select, ids: _Ids) -> dict[str, Any]:
    options: list[dict[str, Any]] = []
    values: set[str] = set()
    for option in select.options:
        value = option.value[:OPTION_TEXT_MAX] or " "
        if value in values:
            continue
        values.add(value)
        options.append(
            {
                "label": _clip(option.label, OPTION_TEXT_MAX) or value,
                "value": value,
                **({"default": True} if option.value == select.initial else {}),
            }
        )
        if len(options) == OPTIONS_MAX:
            break
    return {
        "type": STRING_SELECT,
        "custom_id": ids.unique(custom_id_for(select.action_id, "")),
        "placeholder": _clip(select.placeholder, PLACEHOLDER_MAX),
        "options": options,
        "min_values": 1,
        "max_values": 1,
    }


def _rows(message: ui.Message) -> list[dict[str, Any]]:
    """Action rows: buttons five to a row in order, each menu alone in its row, at most five
    rows (what doesn't fit is left off: Slack's limit of 25 elements is never reached by
    Catalyst's messages, which have at most a handful)."""
    ids = _Ids(set())
    rows: list[list[dict[str, Any]]] = []
    for piece in message.blocks:
        if not isinstance(piece, ui.Actions):
            continue
        current: list[dict[str, Any]] = []
        for element in piece.elements:
            if isinstance(element, ui.Select):
                if not element.options:
                    continue
                if current:
                    rows.append(current)
                    current = []
                rows.append([_select(element, ids)])
                continue
            if len(current) == BUTTONS_PER_ROW:
                rows.append(current)
                current = []
            current.append(_button(element, ids))
        if current:
            rows.append(current)
    if len(rows) > ROWS_MAX:
        rows = _packed(rows)
    return [{"type": ACTION_ROW, "components": row} for row in rows]


def _packed(rows: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Too many rows (a search's results each with its own buttons, then More): buttons
    flow across rows five at a time, each menu still alone. If that still doesn't fit, the
    last row is kept over the ones before it, because it holds what comes next (More, Done)."""
    packed: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for row in rows:
        for component in row:
            if component.get("type") != BUTTON:
                if current:
                    packed.append(current)
                    current = []
                packed.append([component])
                continue
            if len(current) == BUTTONS_PER_ROW:
                packed.append(current)
                current = []
            current.append(component)
    if current:
        packed.append(current)
    if len(packed) > ROWS_MAX:
        packed = packed[: ROWS_MAX - 1] + packed[-1:]
    return packed


# ---- messages -------------------------------------------------------------------------------


def _body(
    descriptions: Sequence[str],
    *,
    pings: bool,
    rows: list[dict[str, Any]] | None,
    ephemeral: bool,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "embeds": [_embed(description) for description in descriptions],
        "allowed_mentions": {"parse": ["everyone"] if pings else []},
    }
    if pings:
        payload["content"] = "@everyone"
    if rows is not None:
        payload["components"] = rows
    if ephemeral:
        payload["flags"] = EPHEMERAL
    return payload


def message_payloads(message: ui.Message, *, ephemeral: bool = False) -> list[dict[str, Any]]:
    """The message as one or more Discord messages, in order: the text spread over as many
    as it needs (nothing dropped), the ping on the first, the buttons on the last. Every
    body carries ``components`` (empty when none), so an edit clears old buttons."""
    document, pings = _document(message)
    groups = _embed_groups(document)
    rows = _rows(message)
    return [
        _body(
            group,
            pings=pings and i == 0,
            rows=rows if i == len(groups) - 1 else [],
            ephemeral=ephemeral,
        )
        for i, group in enumerate(groups)
    ]


def message_payload(message: ui.Message, *, ephemeral: bool = False) -> dict[str, Any]:
    """The message as one Discord message body (a reply, an edit). Text beyond one
    message's 6,000 characters is cut at a break, and the links in the part cut off are
    listed at the end so none is lost. ``ephemeral`` sets flag 64 (interaction replies)."""
    document, pings = _document(message)
    groups = _embed_groups(document)
    first = list(groups[0])
    if len(groups) > 1:
        dropped = "\n\n".join("\n\n".join(group) for group in groups[1:])
        links = list(dict.fromkeys(m.group(0) for m in _LINKISH.finditer(dropped)))
        tail = "…"
        used = sum(len(d) for d in first)
        if links:
            listed = "\n".join(links)
            tail = "…\n" + listed
        room = EMBEDS_TEXT_MAX - used
        if len(tail) > room or len(first) >= EMBEDS_MAX:
            # Make room: the last embed gives up its end to the tail.
            last = first.pop()
            keep = max(0, min(len(last), DESCRIPTION_MAX) - (len(tail) - room) - 2)
            cut = _cut_point(last, keep) if keep else 0
            if cut:
                first.append(last[:cut].rstrip())
        first.append(
            _clip(tail, min(DESCRIPTION_MAX, EMBEDS_TEXT_MAX - sum(len(d) for d in first)))
        )
    return _body(first, pings=pings, rows=_rows(message), ephemeral=ephemeral)


def iter_custom_ids(payload: dict[str, Any]) -> Iterator[str]:
    """Every custom_id in a body (tests, and the inbound side's lookups)."""
    for row in payload.get("components") or []:
        for component in row.get("components") or []:
            if "custom_id" in component:
                yield str(component["custom_id"])

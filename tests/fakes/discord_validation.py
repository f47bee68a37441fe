"""Discord's payload limits, checked the way Discord checks them (pure; no server).

Each checker returns an :class:`Errors` whose :meth:`Errors.body` is Discord's nested error
shape for HTTP 400::

    {"code": 50035, "message": "Invalid Form Body",
     "errors": {"components": {"0": {"components": {"5": {"_errors": [
         {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 5 or fewer in length."}]}}}}}}

Used by :mod:`tests.fakes.discord_api`; importable on its own to check a renderer's output
without a server (``message_errors(payload).problems()`` lists ``path: message`` strings).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "EPHEMERAL",
    "IS_COMPONENTS_V2",
    "Errors",
    "autocomplete_errors",
    "commands_errors",
    "message_errors",
    "modal_errors",
]

JsonDict = dict[str, Any]
Path = tuple[str | int, ...]

# Message flags Discord lets a bot set.
SUPPRESS_EMBEDS = 1 << 2
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
_SETTABLE_FLAGS = SUPPRESS_EMBEDS | EPHEMERAL | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2

# Component types.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER = (
    9,
    10,
    11,
    12,
    13,
    14,
    17,
)
LABEL = 18
_SELECTS = {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
_V2_TOP = {ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER}
_LINK, _PREMIUM = 5, 6

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
# Discord's client languages (discord.com/developers/docs/reference#locales): the only keys
# a localization dictionary may have.
LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)


def _localization_errors(errors: Errors, path: Path, value: object, high: int) -> None:
    """A ``*_localizations`` dictionary: Discord locales as keys, texts of 1 to ``high``."""
    if value is None:
        return
    if not errors.is_object(path, value):
        return
    assert isinstance(value, Mapping)
    for locale, text in value.items():
        if locale not in LOCALES:
            errors.add(
                (*path, locale),
                "ENUM_TYPE_COERCE",
                f'Value "{locale}" is not a valid enum value.',
            )
        else:
            errors.length_between((*path, locale), text, 1, high)


class Errors:
    """Problems found in one payload, keyed by their path in it."""

    def __init__(self) -> None:
        self._items: list[tuple[Path, str, str]] = []

    def add(self, path: Path, code: str, message: str) -> None:
        self._items.append((path, code, message))

    def extend(self, prefix: Path, other: Errors) -> None:
        """Add ``other``'s problems under ``prefix`` (a nested payload checked on its own)."""
        for path, code, message in other._items:
            self.add((*prefix, *path), code, message)

    def __bool__(self) -> bool:
        return bool(self._items)

    def problems(self) -> list[str]:
        """``a.0.b: message`` lines, for assertion messages."""
        return [f"{'.'.join(map(str, p)) or '(body)'}: {m}" for p, _, m in self._items]

    def codes(self) -> list[str]:
        return [code for _, code, _ in self._items]

    def tree(self) -> JsonDict:
        root: JsonDict = {}
        for path, code, message in self._items:
            node = root
            for part in path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root

    def body(self) -> JsonDict:
        """Discord's answer to a payload with these problems."""
        return {"code": 50035, "errors": self.tree(), "message": "Invalid Form Body"}

    # ---- small checks ------------------------------------------------------------------

    def max_len(self, path: Path, value: object, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length_between(self, path: Path, value: object, low: int, high: int) -> None:
        if value is None:
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        elif not isinstance(value, str):
            self.add(path, "STRING_TYPE_CONVERT", "Could not interpret value as string.")
        elif not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def max_items(self, path: Path, value: object, limit: int) -> bool:
        if isinstance(value, list) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
            return False
        return True

    def required(self, path: Path, value: object) -> bool:
        if value is None:
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def is_list(self, path: Path, value: object) -> bool:
        if value is None:
            return False
        if not isinstance(value, list):
            self.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
            return False
        return True

    def is_object(self, path: Path, value: object) -> bool:
        if not isinstance(value, Mapping):
            self.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            return False
        return True


# --------------------------------------------------------------------------------------------
# Messages: content, embeds, components
# --------------------------------------------------------------------------------------------


def _embed_text(embed: Mapping[str, Any]) -> int:
    """Characters counted towards the 6000 limit across a message's embeds."""
    total = 0
    for key in ("title", "description"):
        total += len(str(embed.get(key) or ""))
    footer = embed.get("footer")
    if isinstance(footer, Mapping):
        total += len(str(footer.get("text") or ""))
    author = embed.get("author")
    if isinstance(author, Mapping):
        total += len(str(author.get("name") or ""))
    for item in embed.get("fields") or []:
        if isinstance(item, Mapping):
            total += len(str(item.get("name") or "")) + len(str(item.get("value") or ""))
    return total


def _check_embeds(errors: Errors, embeds: object) -> None:
    if not errors.is_list(("embeds",), embeds):
        return
    assert isinstance(embeds, list)
    errors.max_items(("embeds",), embeds, 10)
    total = 0
    for i, embed in enumerate(embeds):
        path: Path = ("embeds", i)
        if not errors.is_object(path, embed):
            continue
        errors.max_len((*path, "title"), embed.get("title"), 256)
        errors.max_len((*path, "description"), embed.get("description"), 4096)
        footer = embed.get("footer")
        if isinstance(footer, Mapping):
            errors.max_len((*path, "footer", "text"), footer.get("text"), 2048)
        author = embed.get("author")
        if isinstance(author, Mapping):
            errors.max_len((*path, "author", "name"), author.get("name"), 256)
        fields = embed.get("fields")
        if errors.is_list((*path, "fields"), fields):
            assert isinstance(fields, list)
            errors.max_items((*path, "fields"), fields, 25)
            for j, item in enumerate(fields):
                fpath: Path = (*path, "fields", j)
                if not errors.is_object(fpath, item):
                    continue
                errors.length_between((*fpath, "name"), item.get("name"), 1, 256)
                errors.length_between((*fpath, "value"), item.get("value"), 1, 1024)
        total += _embed_text(embed)
    if total > 6000:
        errors.add(
            ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )


class _Components:
    """Walks a message's or a modal's components, checking each and custom_id uniqueness."""

    def __init__(self, errors: Errors, *, modal: bool = False) -> None:
        self.errors = errors
        self.modal = modal
        self.custom_ids: set[str] = set()
        self.count = 0

    def custom_id(self, path: Path, value: object, *, required: bool = True) -> None:
        if value is None and not required:
            return
        self.errors.length_between((*path, "custom_id"), value, 1, 100)
        if isinstance(value, str):
            if value in self.custom_ids:
                self.errors.add(
                    (*path, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            self.custom_ids.add(value)

    def button(self, path: Path, button: Mapping[str, Any]) -> None:
        style = button.get("style")
        if style not in (1, 2, 3, 4, 5, 6):
            self.errors.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1-6).")
        self.errors.max_len((*path, "label"), button.get("label"), 80)
        if style == _LINK:
            if not button.get("url"):
                self.errors.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
            if button.get("custom_id") is not None:
                self.errors.add(
                    (*path, "custom_id"),
                    "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A custom id cannot be specified for a link button",
                )
        elif style != _PREMIUM:
            self.custom_id(path, button.get("custom_id"))
            if not button.get("label") and not button.get("emoji"):
                self.errors.add(
                    path,
                    "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                    "A label or emoji is required",
                )

    def select(self, path: Path, select: Mapping[str, Any]) -> None:
        self.custom_id(path, select.get("custom_id"))
        self.errors.max_len((*path, "placeholder"), select.get("placeholder"), 150)
        for key, low in (("min_values", 0), ("max_values", 1)):
            value = select.get(key)
            if value is not None and (not isinstance(value, int) or not low <= value <= 25):
                self.errors.add(
                    (*path, key),
                    "NUMBER_TYPE_MAX" if isinstance(value, int) else "NUMBER_TYPE_COERCE",
                    f"Must be between {low} and 25.",
                )
        if select.get("type") != STRING_SELECT:
            return
        options = select.get("options")
        if not self.errors.required((*path, "options"), options):
            return
        if not self.errors.is_list((*path, "options"), options):
            return
        assert isinstance(options, list)
        if not options:
            self.errors.add(
                (*path, "options"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."
            )
        self.errors.max_items((*path, "options"), options, 25)
        values: set[str] = set()
        for i, option in enumerate(options):
            opath: Path = (*path, "options", i)
            if not self.errors.is_object(opath, option):
                continue
            self.errors.length_between((*opath, "label"), option.get("label"), 1, 100)
            self.errors.length_between((*opath, "value"), option.get("value"), 1, 100)
            self.errors.max_len((*opath, "description"), option.get("description"), 100)
            value = option.get("value")
            if isinstance(value, str):
                if value in values:
                    self.errors.add(
                        (*opath, "value"),
                        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                        "Select component option value cannot be duplicated",
                    )
                values.add(value)
        max_values = select.get("max_values")
        if isinstance(max_values, int) and max_values > len(options):
            self.errors.add(
                (*path, "max_values"),
                "BASE_TYPE_MAX",
                f"Must be less than or equal to {len(options)}.",
            )

    def text_input(self, path: Path, field: Mapping[str, Any], *, in_label: bool) -> None:
        self.custom_id(path, field.get("custom_id"))
        if field.get("style") not in (1, 2):
            self.errors.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
        if not in_label:
            self.errors.length_between((*path, "label"), field.get("label"), 1, 45)
        self.errors.max_len((*path, "placeholder"), field.get("placeholder"), 100)
        self.errors.max_len((*path, "value"), field.get("value"), 4000)
        for key, low in (("min_length", 0), ("max_length", 1)):
            value = field.get(key)
            if value is not None and (not isinstance(value, int) or not low <= value <= 4000):
                self.errors.add((*path, key), "NUMBER_TYPE_MAX", f"Must be between {low} and 4000.")

    def row(self, path: Path, row: Mapping[str, Any]) -> None:
        children = row.get("components")
        if not self.errors.required((*path, "components"), children):
            return
        if not self.errors.is_list((*path, "components"), children):
            return
        assert isinstance(children, list)
        if not children:
            self.errors.add(
                (*path, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."
            )
        kinds = [c.get("type") for c in children if isinstance(c, Mapping)]
        if self.modal:
            if len(children) != 1 or kinds != [TEXT_INPUT]:
                self.errors.add(
                    (*path, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
        elif any(k in _SELECTS for k in kinds) and len(children) > 1:
            self.errors.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        else:
            self.errors.max_items((*path, "components"), children, 5)
        for i, child in enumerate(children):
            self.component((*path, "components", i), child, parent=ACTION_ROW)

    def component(self, path: Path, comp: object, *, parent: int | None) -> None:
        if not self.errors.is_object(path, comp):
            return
        assert isinstance(comp, Mapping)
        self.count += 1
        kind = comp.get("type")
        if parent is None and kind not in (_V2_TOP | {ACTION_ROW, LABEL, TEXT_DISPLAY}):
            self.errors.add(
                (*path, "type"),
                "UNION_TYPE_CHOICES",
                f'Value of field "type" must be one of ({", ".join(map(str, sorted(_V2_TOP)))}).',
            )
            return
        if kind == ACTION_ROW:
            if parent == ACTION_ROW:
                self.errors.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Invalid component type")
                return
            self.row(path, comp)
        elif kind == BUTTON:
            if parent not in (ACTION_ROW, SECTION):
                self.errors.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Invalid component type")
            self.button(path, comp)
        elif kind in _SELECTS:
            if parent not in (ACTION_ROW, LABEL):
                self.errors.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Invalid component type")
            self.select(path, comp)
        elif kind == TEXT_INPUT:
            if not self.modal:
                self.errors.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Invalid component type")
            self.text_input(path, comp, in_label=parent == LABEL)
        elif kind == LABEL:
            if not self.modal:
                self.errors.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Invalid component type")
            self.errors.length_between((*path, "label"), comp.get("label"), 1, 45)
            self.errors.max_len((*path, "description"), comp.get("description"), 100)
            inner = comp.get("component")
            if self.errors.required((*path, "component"), inner):
                self.component((*path, "component"), inner, parent=LABEL)
        elif kind == TEXT_DISPLAY:
            self.errors.length_between((*path, "content"), comp.get("content"), 1, 4000)
        elif kind == SECTION:
            texts = comp.get("components")
            if self.errors.is_list((*path, "components"), texts):
                assert isinstance(texts, list)
                self.errors.max_items((*path, "components"), texts, 3)
                for i, text in enumerate(texts):
                    self.component((*path, "components", i), text, parent=SECTION)
            accessory = comp.get("accessory")
            if self.errors.required((*path, "accessory"), accessory):
                self.component((*path, "accessory"), accessory, parent=SECTION)
        elif kind == CONTAINER:
            inner_list = comp.get("components")
            if self.errors.is_list((*path, "components"), inner_list):
                assert isinstance(inner_list, list)
                for i, inner_comp in enumerate(inner_list):
                    self.component((*path, "components", i), inner_comp, parent=CONTAINER)
        elif kind in (THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR):
            pass
        else:
            self.errors.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Invalid component type")


def message_errors(
    payload: object, *, create: bool = True, interaction: bool = False, files: int = 0
) -> Errors:
    """Problems in a message body (create, edit, followup or interaction response data).

    ``create``: a new message must have content, an embed, a component or a file;
    ``interaction``: the EPHEMERAL flag is allowed (only interaction replies can be ephemeral).
    """
    errors = Errors()
    if not isinstance(payload, Mapping):
        errors.add((), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return errors
    flags = payload.get("flags") or 0
    v2 = isinstance(flags, int) and bool(flags & IS_COMPONENTS_V2)
    if isinstance(flags, int):
        allowed = _SETTABLE_FLAGS if interaction else _SETTABLE_FLAGS & ~EPHEMERAL
        if flags & ~allowed:
            errors.add(("flags",), "MESSAGE_FLAGS_INVALID", "Invalid message flags")
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors.add(("content",), "STRING_TYPE_CONVERT", "Could not interpret value as string.")
    errors.max_len(("content",), content, 2000)
    nonce = payload.get("nonce")
    if isinstance(nonce, str):
        errors.max_len(("nonce",), nonce, 25)
    _check_embeds(errors, payload.get("embeds"))
    components = payload.get("components")
    walker = _Components(errors)
    if errors.is_list(("components",), components):
        assert isinstance(components, list)
        if v2:
            if content:
                errors.add(
                    ("content",),
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
                )
            if payload.get("embeds"):
                errors.add(
                    ("embeds",),
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
                )
            for i, comp in enumerate(components):
                walker.component(("components", i), comp, parent=None)
            if walker.count > 40:
                errors.add(
                    ("components",),
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 40 or fewer in total components.",
                )
        else:
            errors.max_items(("components",), components, 5)
            for i, row in enumerate(components):
                if isinstance(row, Mapping) and row.get("type") != ACTION_ROW:
                    errors.add(
                        ("components", i, "type"),
                        "COMPONENT_TYPE_INVALID",
                        "Invalid component type (only action rows without IS_COMPONENTS_V2)",
                    )
                    continue
                walker.component(("components", i), row, parent=None)
    if create and not errors:
        has_body = bool(
            content
            or payload.get("embeds")
            or components
            or payload.get("sticker_ids")
            or payload.get("poll")
            or files
        )
        if not has_body:
            errors.add((), "EMPTY_MESSAGE", "Cannot send an empty message")
    return errors


def modal_errors(data: object) -> Errors:
    """Problems in a modal (interaction callback type 9 ``data``)."""
    errors = Errors()
    if not isinstance(data, Mapping):
        errors.add(("data",), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return errors
    errors.length_between(("data", "title"), data.get("title"), 1, 45)
    errors.length_between(("data", "custom_id"), data.get("custom_id"), 1, 100)
    components = data.get("components")
    if not errors.required(("data", "components"), components):
        return errors
    if not errors.is_list(("data", "components"), components):
        return errors
    assert isinstance(components, list)
    if not components:
        errors.add(("data", "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
    errors.max_items(("data", "components"), components, 5)
    walker = _Components(errors, modal=True)
    for i, comp in enumerate(components):
        walker.component(("data", "components", i), comp, parent=None)
    return errors


def autocomplete_errors(data: object) -> Errors:
    """Problems in autocomplete choices (interaction callback type 8 ``data``)."""
    errors = Errors()
    if not isinstance(data, Mapping):
        errors.add(("data",), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return errors
    choices = data.get("choices")
    if not errors.required(("data", "choices"), choices):
        return errors
    if not errors.is_list(("data", "choices"), choices):
        return errors
    assert isinstance(choices, list)
    errors.max_items(("data", "choices"), choices, 25)
    for i, choice in enumerate(choices):
        path: Path = ("data", "choices", i)
        if not errors.is_object(path, choice):
            continue
        errors.length_between((*path, "name"), choice.get("name"), 1, 100)
        if not errors.required((*path, "value"), choice.get("value")):
            continue
        errors.max_len((*path, "value"), choice.get("value"), 100)
    return errors


def _option_errors(errors: Errors, path: Path, options: object, depth: int) -> None:
    if not errors.is_list(path, options):
        return
    assert isinstance(options, list)
    errors.max_items(path, options, 25)
    names: set[str] = set()
    for i, option in enumerate(options):
        opath: Path = (*path, i)
        if not errors.is_object(opath, option):
            continue
        name = option.get("name")
        if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
            errors.add((*opath, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        elif name in names:
            errors.add(
                (*opath, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        else:
            names.add(name)
        errors.length_between((*opath, "description"), option.get("description"), 1, 100)
        _localization_errors(
            errors,
            (*opath, "description_localizations"),
            option.get("description_localizations"),
            100,
        )
        choices = option.get("choices")
        if choices and option.get("autocomplete"):
            errors.add(
                (*opath, "autocomplete"),
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES",
                "Autocomplete cannot be set on options with choices",
            )
        if errors.is_list((*opath, "choices"), choices):
            assert isinstance(choices, list)
            errors.max_items((*opath, "choices"), choices, 25)
        if option.get("type") in (1, 2) and depth < 2:
            _option_errors(errors, (*opath, "options"), option.get("options"), depth + 1)


def commands_errors(commands: object) -> Errors:
    """Problems in a bulk overwrite of application commands (a list of commands)."""
    errors = Errors()
    if not isinstance(commands, list):
        errors.add((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return errors
    errors.max_items((), commands, 100)
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        path: Path = (i,)
        if not errors.is_object(path, command):
            continue
        kind = command.get("type", 1)
        name = command.get("name")
        if (
            not isinstance(name, str)
            or not _COMMAND_NAME.match(name)
            or (kind == 1 and name != name.lower())
        ):
            errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        elif (kind, name) in seen:
            errors.add(
                (*path, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique ({name})",
            )
        else:
            seen.add((kind, name))
        if kind == 1:
            errors.length_between((*path, "description"), command.get("description"), 1, 100)
            _localization_errors(
                errors,
                (*path, "description_localizations"),
                command.get("description_localizations"),
                100,
            )
            _option_errors(errors, (*path, "options"), command.get("options"), 0)
    return errors

"""Names for sets' private spaces: a prefix and a neutral word, never members' names.

A set's name is its space's name (a Slack private channel: lower case, no spaces, at most
80 characters), so it must say nothing about who is in it. Words are trees and landscape,
in English whatever the community's language: they are identifiers, like channel names.
Slack keeps archived channels' names, so a word is not reused in a community; when every
word has been used once, the cycle's number is added (`cop-set-cedar-3`).
"""

from __future__ import annotations

from collections.abc import Collection

PREFIX = "cop-set"  # untranslated: a channel name prefix (configurable later)

WORDS: tuple[str, ...] = (
    "cedar",
    "alder",
    "birch",
    "rowan",
    "hazel",
    "willow",
    "aspen",
    "maple",
    "linden",
    "juniper",
    "olive",
    "laurel",
    "acacia",
    "baobab",
    "cypress",
    "fir",
    "holly",
    "larch",
    "oak",
    "pine",
    "poplar",
    "spruce",
    "yew",
    "elm",
    "ash",
    "beech",
    "cherry",
    "fig",
    "lemon",
    "almond",
    "river",
    "meadow",
    "harbour",
    "valley",
    "summit",
    "delta",
    "canyon",
    "island",
    "prairie",
    "glacier",
)


def set_names(
    count: int, taken: Collection[str], cycle_number: int, prefix: str = PREFIX
) -> list[str]:
    """`count` names not in `taken`: unused words first, then words with the cycle number."""
    names: list[str] = []
    candidates = [f"{prefix}-{word}" for word in WORDS] + [
        f"{prefix}-{word}-{cycle_number}" for word in WORDS
    ]
    for name in candidates:
        if len(names) == count:
            break
        if name not in taken and name not in names:
            names.append(name)
    number = 1
    while len(names) < count:  # more sets than 80 words: numbered, still neutral
        name = f"{prefix}-{cycle_number}-{number}"
        if name not in taken and name not in names:
            names.append(name)
        number += 1
    return names

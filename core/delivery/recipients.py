"""Where an outbox message goes, written as one string every platform's sender reads.

- `U0AMINA`: a person's DM. `U1,U2,U3`: a group DM with those people (peer-coaching pairs).
- `C0123`: a channel (or any conversation id the platform gave us).
- `space:<name>:U1,U2,…`: a private space for a group (an action learning set): the sender
  creates it with that name, or finds the one it created before (a crash between creating
  and recording must not make a second), invites the people, then posts. Where private
  spaces are refused it falls back to a group DM. The space's id comes back in `Delivered`.
- `archive:<conversation id>`: post the message, then archive the conversation (kept, not
  deleted). Archiving one already archived counts as done.
- `remove:<conversation id>:U1,…`: take those people out of the conversation (someone who
  left a set, or erased their data, stops reading its private channel), then post the
  message to those who remain. Someone already out counts as done; a group DM can't lose
  members, so there the message is only posted.
- `update:<conversation id>:<message id>`: replace a message the bot sent there (a
  facilitator corrected a broadcast already posted). Nothing new is posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SPACE = "space"
ARCHIVE = "archive"
REMOVE = "remove"
UPDATE = "update"


@dataclass(frozen=True)
class PrivateSpace:
    name: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class Archive:
    conversation: str


@dataclass(frozen=True)
class Remove:
    conversation: str
    user_ids: tuple[str, ...]


def private_space(name: str, user_ids: Sequence[str]) -> str:
    if ":" in name or "," in name:
        raise ValueError("a space name has no ':' or ','")
    return f"{SPACE}:{name}:{','.join(user_ids)}"


def archive(conversation: str) -> str:
    return f"{ARCHIVE}:{conversation}"


def remove(conversation: str, user_ids: Sequence[str]) -> str:
    return f"{REMOVE}:{conversation}:{','.join(user_ids)}"


@dataclass(frozen=True)
class Update:
    conversation: str
    ts: str


def update(conversation: str, ts: str) -> str:
    return f"{UPDATE}:{conversation}:{ts}"


Instruction = PrivateSpace | Archive | Remove | Update


def parse(recipient: str) -> Instruction | None:
    """The instruction in a recipient, or None for a plain DM, group DM or channel."""
    kind, _, rest = recipient.partition(":")
    if kind == SPACE and rest:
        name, _, users = rest.partition(":")
        return PrivateSpace(name, tuple(u for u in users.split(",") if u))
    if kind == ARCHIVE and rest:
        return Archive(rest)
    if kind == REMOVE and rest:
        conversation, _, users = rest.partition(":")
        return Remove(conversation, tuple(u for u in users.split(",") if u))
    if kind == UPDATE and rest:
        conversation, _, ts = rest.partition(":")
        return Update(conversation, ts) if conversation and ts else None
    return None

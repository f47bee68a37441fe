"""The resource library: search in a second, add in two clicks, curate from a DM.

`/cop resources <words>` searches (filters `#theme`, `type:…`, `lang:…` inside the words);
alone it shows the themes with counts and the newest additions. Every input is a search:
words a person types never reach the engine as syntax, and a search that finds nothing
says so, suggests a spelling or a theme, and offers to add one. Facilitators also have
`edit N`, `retire N`, `restore N`, `review`, `attach N S` and `detach N S`.
"""

from __future__ import annotations

import json

from core import i18n
from core.context import RequestContext
from core.errors import UserError
from core.i18n import N_, NP_, _, t, tn
from core.resources import notices as resource_notices
from core.resources import searching as resource_search
from core.resources import service as resources
from core.resources.models import Resource
from core.resources.notices import APPROVE, DECLINE, EDIT, card_blocks, sharer
from core.resources.search.query import parse
from core.resources.service import ResourceDraft
from core.resources.urls import first_link
from core.sessions import service as sessions
from core.text import clean_text
from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    DirectMessage,
    Divider,
    Fields,
    FormValues,
    Header,
    Message,
    OpenForm,
    RefreshHome,
    Replies,
    Reply,
    Section,
    Text,
    literal,
    notice,
    text,
    translated,
)
from handlers.ids import number_in, page_offset, record_id
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry
from handlers.resources.form import (
    ADD_FORM,
    APPROVE_ON_SAVE,
    EDIT_FORM,
    draft_from,
    resource_form,
)

MORE = "resource.more"  # untranslated: an action id
HELPFUL = "resource.helpful"  # untranslated: an action id
OPEN_LINK = "resource.open"  # untranslated: a link button: Slack opens it, nothing comes back
SEARCH = "resource.search"  # untranslated: an action id
# A second search button in the same block needs its own id: Slack refuses a block whose
# buttons share an action_id.
SEARCH_THEME = "resource.search_theme"  # untranslated: an action id
OPEN_ADD = "resource.open_add"  # untranslated: an action id
REVIEW = "resource.review"  # untranslated: an action id
SAVE_SHORTCUT = "save_to_library"  # the message shortcut's callback id
REVIEW_LISTED = 10
SHORTCUT_TEXT_MAX = 4000


def _shown(query_text: str) -> str:
    return query_text if len(query_text) <= 60 else query_text[:59] + "…"


def _result_blocks(resource: Resource, shared_by: str | None) -> list[Block]:
    helpful = (
        _("Helpful")
        if not resource.helpful_count
        # Translators: a button, with how many people found the resource helpful.
        else t("Helpful · {n}", n=i18n.number(resource.helpful_count))
    )
    return [
        *card_blocks(resource, shared_by),
        Actions(
            [
                Button(_("Open"), OPEN_LINK, url=resource.url),
                Button(helpful, HELPFUL, str(resource.id)),
            ]
        ),
    ]


def _hints(ctx: RequestContext) -> Text:
    return text(
        "Search with words, and narrow with `#anti-racism`, `type:watching` or `lang:fr`. "
        "Share a link with `{command} resources add`.",
        command=ctx.command,
    )


# ---- searching --------------------------------------------------------------------------


def _search_reply(
    ctx: RequestContext,
    raw: str,
    *,
    offset: int = 0,
    any_term: bool = False,
    typed: bool = False,
) -> Message:
    result = resource_search.search(
        ctx.session, ctx.community, raw, offset=offset, any_term=any_term
    )
    query = result.query
    # Only what someone typed is counted: More, "any of these words" and "did you mean" are
    # the same person's follow-ups to a search already counted, and a button's value is
    # whatever the client sends.
    if typed and not query.is_empty:
        resources.record_search(ctx.session, ctx.community, bool(result.resources), ctx.now())
    problems = [literal(p) for p in result.problems]
    if query.is_empty:
        return _overview(ctx, lead=problems or [text("I couldn't find words to search for.")])
    if not result.resources:
        return _no_match(ctx, result, problems)
    shown = _shown(query.text)
    first, last = result.offset + 1, result.offset + len(result.resources)
    blocks: list[Block] = [Header(t("Resources for “{words}”", words=shown)[:150])]
    if problems:
        blocks.append(Context(problems))
    if result.any_term and offset == 0:
        blocks.append(Context([text("Nothing had all of those words; these have some of them.")]))
    for resource in result.resources:
        blocks += [*_result_blocks(resource, sharer(resource, result.shared_by)), Divider()]
    footer: list[Text] = [text("Showing {a}–{b}.", a=first, b=last), _hints(ctx)]
    blocks.append(Context(footer))
    if result.has_more:
        value = resource_search.paging_value(query, result.next_offset, result.any_term)
        blocks.append(Actions([Button(_("More"), MORE, value)]))
    return Message(
        summary=tn(
            "{n} resource for {words}", "{n} resources for {words}", last - first + 1, words=shown
        )
        if offset == 0
        else _("More resources"),
        blocks=blocks,
    )


def _no_match(
    ctx: RequestContext, result: resource_search.SearchResult, problems: list[Text]
) -> Message:
    shown = _shown(result.query.text)
    blocks: list[Block] = [
        Section(text("Nothing in the library matches *{q}* yet.", q=shown)),
        *([Context(problems)] if problems else []),
    ]
    buttons: list[Button] = []
    hint = result.suggestion
    if hint.spelling:
        blocks.append(Section(text("Did you mean *{words}*?", words=hint.spelling)))
        buttons.append(
            Button(t("Search “{words}”", words=_shown(hint.spelling))[:75], SEARCH, hint.spelling)
        )
    if hint.theme:
        tag = "#" + "-".join(parse(hint.theme).terms)
        blocks.append(Section(text("The closest theme is *{theme}*.", theme=_(hint.theme))))
        buttons.append(Button(t("See {theme}", theme=_(hint.theme))[:75], SEARCH_THEME, tag))
    buttons.append(Button(_("Add one"), OPEN_ADD))
    blocks += [Actions(buttons), Context([_hints(ctx)])]
    return Message(
        summary=t("Nothing in the library matches {words} yet.", words=shown), blocks=blocks
    )


def _overview(ctx: RequestContext, lead: list[Text] | None = None) -> Message:
    seen = resource_search.overview(ctx.session, ctx.community)
    blocks: list[Block] = [Header(_("The library"))]
    if lead:
        blocks.append(Context(lead))
    if seen.total == 0:
        blocks += [
            Section(text("The library is empty so far. Be the first to share something useful.")),
            Actions([Button(_("Add a resource"), OPEN_ADD, style="primary")]),
        ]
        return Message(summary=_("The library is empty so far."), blocks=blocks)
    blocks.append(
        Section(translated(tn("{n} resource. By theme:", "{n} resources. By theme:", seen.total)))
    )
    pairs = [(_(theme), i18n.number(count)) for theme, count in seen.theme_counts if count][:10]
    if pairs:
        blocks.append(Fields(pairs))
    blocks += [Divider(), Section(text("*Newest additions*"))]
    for resource in seen.newest:
        blocks += _result_blocks(resource, sharer(resource, seen.shared_by))
    blocks += [
        Context([_hints(ctx)]),
        Actions([Button(_("Add a resource"), OPEN_ADD)]),
    ]
    return Message(
        summary=tn("The library: {n} resource", "The library: {n} resources", seen.total),
        blocks=blocks,
    )


def more(ctx: RequestContext, value: str) -> Reply:
    try:
        state = json.loads(value)
        raw, offset, any_term = str(state["q"]), page_offset(str(state["o"])), bool(state["a"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return notice(
            "That button has expired. Type `{command} resources` and your words again.",
            command=ctx.command,
        )
    return _search_reply(ctx, raw, offset=offset, any_term=any_term)


def search_again(ctx: RequestContext, value: str) -> Reply:
    return _search_reply(ctx, value[:1000])


def helpful(ctx: RequestContext, value: str) -> Reply:
    member = ctx.require_member()
    resource = _from_button(ctx, value)
    if isinstance(resource, Message):
        return resource
    if not resource.is_live:
        return notice("That resource is no longer in the library, so there's nothing to mark.")
    counted = resources.mark_helpful(ctx.session, resource, member, ctx.now())
    n = resource.helpful_count
    # The title stays a placeholder in the plural sentence, filled (escaped) by `_counted`.
    body = translated(
        tn(
            "Thanks: I've noted that *{title}* helped you. {n} person found it helpful.",
            "Thanks: I've noted that *{title}* helped you. {n} people found it helpful.",
            n,
            title="{title}",
        )
        if counted
        else tn(
            "You've already marked *{title}* as helpful; thank you. {n} person found it helpful.",
            "You've already marked *{title}* as helpful; thank you. {n} people found it helpful.",
            n,
            title="{title}",
        ),
        title=resource.title,
    )
    return Message(summary=body.plain().replace("*", ""), blocks=[Section(body)])


# ---- adding ----------------------------------------------------------------------------------


def open_add(ctx: RequestContext, _value: str) -> Reply:
    return OpenForm(resource_form(ctx))


def save_from_message(ctx: RequestContext, message_text: str) -> Reply:
    """The message shortcut: the add form, prefilled with the message's first link and text."""
    words = message_text[:SHORTCUT_TEXT_MAX]
    link = first_link(words)
    label = _link_label(words)
    readable = clean_text(_without_markup(words), multiline=True)
    title = label or clean_text(readable.split("\n", 1)[0], multiline=False)
    if link and title.strip() == link:
        title = ""
    return OpenForm(
        resource_form(
            ctx,
            prefill=ResourceDraft(
                title=title[: resources.TITLE_MAX] or None,
                url=link,
                description=readable[: resources.DESCRIPTION_MAX] or None,
            ),
        )
    )


def _link_label(message_text: str) -> str | None:
    start = message_text.find("<http")
    if start < 0:
        return None
    end = message_text.find(">", start)
    inner = message_text[start + 1 : end] if end > start else ""
    _, bar, label = inner.partition("|")
    return clean_text(label, multiline=False) if bar and label.strip() else None


def _without_markup(message_text: str) -> str:
    """Slack's `<https://…|label>` as `label (https://…)`, and `<https://…>` as the link."""
    out: list[str] = []
    rest = message_text
    while "<" in rest:
        before, _, after = rest.partition("<")
        inner, closed, rest = after.partition(">")
        out.append(before)
        if not closed:
            out.append("<" + inner)
            break
        link, bar, label = inner.partition("|")
        if link.startswith(("http://", "https://")):
            out.append(f"{label} ({link})" if bar and label else link)
        else:
            out.append(label or "")  # mentions and channel links: their label, if any
    out.append(rest)
    return "".join(out)


def submit_add(ctx: RequestContext, values: FormValues, _state: str) -> Replies:
    facilitator = ctx.is_facilitator
    resource = resources.add(
        ctx.session,
        ctx.community,
        ctx.settings,
        draft_from(values),
        ctx.now(),
        by=ctx.active_member,
        facilitator=facilitator,
    )
    body = (
        text(
            "*{title}* is in the library (number {n}). Members will find it with "
            "`{command} resources`.",
            title=resource.title,
            n=resource.number,
            command=ctx.command,
        )
        if facilitator
        else text(
            "Thank you! *{title}* is waiting for a facilitator's quick look; I'll tell you "
            "when it's in the library.",
            title=resource.title,
        )
    )
    return [
        DirectMessage(Message(summary=body.plain().replace("*", ""), blocks=[Section(body)])),
        RefreshHome(),
    ]


# ---- facilitators: review, edit, retire -------------------------------------------------------


def _from_button(ctx: RequestContext, value: str) -> Resource | Message:
    resource_id = record_id(value)
    found = (
        None if resource_id is None else resources.by_id(ctx.session, ctx.community, resource_id)
    )
    if found is None:
        return notice(
            "That resource is no longer in the library (a suggestion may have been declined). "
            "Type `{command} resources` to see what's there.",
            command=ctx.command,
        )
    return found


def _by_number(ctx: RequestContext, arg: str, verb: str) -> Resource | Message:
    word = arg.strip().lstrip("#")
    number = number_in(word)
    found = None if number is None else resources.by_number(ctx.session, ctx.community, number)
    if found is not None:
        return found
    if not word:
        return notice(
            "Which resource? Type `{command} resources {verb} 12` with its number (it's in "
            "`{command} resources export` and in the review messages).",
            command=ctx.command,
            verb=verb,
        )
    return notice(
        "There's no resource with that number. Type `{command} resources {verb} 12` with its "
        "number (it's in `{command} resources export` and in the review messages).",
        command=ctx.command,
        verb=verb,
    )


def approve(ctx: RequestContext, value: str) -> Replies:
    found = _from_button(ctx, value)
    if isinstance(found, Message):
        return [found]
    resources.approve(ctx.session, found, ctx.active_member, ctx.now(), command=ctx.command)
    body = text("Approved: *{title}* is in the library now.", title=found.title)
    return [
        Message(
            summary=body.plain().replace("*", ""), blocks=[Section(body)], replace_original=True
        ),
        RefreshHome(),
    ]


def decline(ctx: RequestContext, value: str) -> Replies:
    found = _from_button(ctx, value)
    if isinstance(found, Message):
        return [found]
    title = resources.decline(ctx.session, found, ctx.now())
    body = text("Declined *{title}*; the member has been thanked.", title=title)
    return [
        Message(
            summary=body.plain().replace("*", ""), blocks=[Section(body)], replace_original=True
        ),
        RefreshHome(),
    ]


def edit_button(ctx: RequestContext, value: str) -> Reply:
    found = _from_button(ctx, value)
    if isinstance(found, Message):
        return found
    return OpenForm(resource_form(ctx, found, approve_on_save=found.status == "pending"))


def submit_edit(ctx: RequestContext, values: FormValues, state: str) -> Replies:
    raw_id, _, flag = state.partition(":")
    resource_id = record_id(raw_id)
    found = (
        None if resource_id is None else resources.by_id(ctx.session, ctx.community, resource_id)
    )
    if found is None:
        return [DirectMessage(notice("That resource no longer exists, so nothing was changed."))]
    resources.edit(ctx.session, ctx.community, found, draft_from(values), ctx.now())
    body = text("Saved *{title}* (number {n}).", title=found.title, n=found.number)
    if ":" + flag == APPROVE_ON_SAVE and found.status == "pending":
        resources.approve(ctx.session, found, ctx.active_member, ctx.now(), command=ctx.command)
        body = text(
            "Saved and approved: *{title}* (number {n}) is in the library now.",
            title=found.title,
            n=found.number,
        )
    return [
        DirectMessage(Message(summary=body.plain().replace("*", ""), blocks=[Section(body)])),
        RefreshHome(),
    ]


def review_blocks(ctx: RequestContext) -> list[Block]:
    waiting = resources.pending(ctx.session, ctx.community)
    if not waiting:
        return [Section(text("No suggestions are waiting for review."))]
    names = resources.shared_by_names(ctx.session, waiting)
    blocks: list[Block] = [Header(t("Suggestions to review ({n})", n=i18n.number(len(waiting))))]
    for resource in waiting[:REVIEW_LISTED]:
        review = resource_notices.review_message(resource, sharer(resource, names))
        blocks += [*review.blocks, Divider()]
    if len(waiting) > REVIEW_LISTED:
        blocks.append(Context([text("…and {n} more after these.", n=len(waiting) - REVIEW_LISTED)]))
    return blocks


def review(ctx: RequestContext, _value: str = "") -> Message:
    blocks = review_blocks(ctx)
    return Message(summary=_("Suggestions waiting for review"), blocks=blocks)


def _retire(ctx: RequestContext, rest: str) -> Reply:
    found = _by_number(ctx, rest, "retire")
    if isinstance(found, Message):
        return found
    resources.retire(ctx.session, found, ctx.now())
    return notice(
        "Retired *{title}*: it's hidden from search and kept. Bring it back with "
        "`{command} resources restore {number}`.",
        title=found.title,
        command=ctx.command,
        number=found.number,
    )


def _restore(ctx: RequestContext, rest: str) -> Reply:
    found = _by_number(ctx, rest, "restore")
    if isinstance(found, Message):
        return found
    resources.restore(ctx.session, found, ctx.now())
    return notice("*{title}* is back in the library.", title=found.title)


def _attach(ctx: RequestContext, rest: str, *, attach: bool) -> Reply:
    verb = "attach" if attach else "detach"
    parts = rest.replace("to", " ").replace("from", " ").split()
    numbers = [number_in(p) for p in parts]
    if len(parts) != 2 or None in numbers:
        return notice(
            "Type `{command} resources {verb} 12 3`: the resource's number, then the session's.",
            command=ctx.command,
            verb=verb,
        )
    found = _by_number(ctx, parts[0], verb)
    if isinstance(found, Message):
        return found
    cs = sessions.by_number(ctx.session, ctx.community, numbers[1] or 0)
    if cs is None:
        return notice(
            "There's no session with that number. Type `{command} sessions` to see them.",
            command=ctx.command,
        )
    if attach:
        resources.attach(ctx.session, cs, found, ctx.now())
        return notice(
            "*{title}* is now preparation for session {number}, *{session}*.",
            title=found.title,
            number=cs.number,
            session=cs.title,
        )
    if not resources.detach(ctx.session, cs, found):
        raise UserError(t("That resource wasn't attached to session {number}.", number=cs.number))
    return notice(
        "*{title}* is no longer attached to session {number}.", title=found.title, number=cs.number
    )


# What a member typing these means is plain (and a search for "retire 1" would only
# confuse), so they are told the verb is for facilitators rather than shown search results.
# Each is the whole sentence, so a translator sees the verb where it stands.
FACILITATOR_VERBS = {
    "edit": N_(
        "Only facilitators can edit resources. To search the library, type "
        "`{command} resources` and your words."
    ),
    "retire": N_(
        "Only facilitators can retire resources. To search the library, type "
        "`{command} resources` and your words."
    ),
    "restore": N_(
        "Only facilitators can restore resources. To search the library, type "
        "`{command} resources` and your words."
    ),
    "attach": N_(
        "Only facilitators can attach resources. To search the library, type "
        "`{command} resources` and your words."
    ),
    "detach": N_(
        "Only facilitators can detach resources. To search the library, type "
        "`{command} resources` and your words."
    ),
    "review": N_(
        "Only facilitators can review suggested resources. To search the library, type "
        "`{command} resources` and your words."
    ),
}


def _means_the_verb(rest: str) -> bool:
    """`retire 12` or `review` alone is the facilitators' verb; `review of asylum policy`
    is a search."""
    first = rest.split()[0] if rest.split() else ""
    return not first or number_in(first) is not None


def resources_command(ctx: RequestContext, args: str) -> Reply:
    word, _, rest = args.strip().partition(" ")
    word = word.lower()
    if not args.strip():
        return _overview(ctx)
    if word in {"add", "share", "suggest"} and not rest.strip():
        return OpenForm(resource_form(ctx))
    if word in FACILITATOR_VERBS and not ctx.is_facilitator and _means_the_verb(rest):
        return notice(FACILITATOR_VERBS[word], command=ctx.command)
    if ctx.is_facilitator:
        if word == "edit":
            found = _by_number(ctx, rest, "edit")
            return found if isinstance(found, Message) else OpenForm(resource_form(ctx, found))
        if word == "retire":
            return _retire(ctx, rest)
        if word == "restore":
            return _restore(ctx, rest)
        if word == "review" and not rest.strip():
            return review(ctx)
        if word in {"attach", "detach"}:
            return _attach(ctx, rest, attach=word == "attach")
    return _search_reply(ctx, args, typed=True)


# ---- the home page ------------------------------------------------------------------------------


def home_blocks(ctx: RequestContext) -> list[Block]:
    """ "New in the library" (three newest) for everyone; the review queue for facilitators."""
    latest = resources.newest(ctx.session, ctx.community)
    blocks: list[Block] = [Section(text("*New in the library*"))]
    if latest:
        names = resources.shared_by_names(ctx.session, latest)
        for resource in latest:
            blocks += _result_blocks(resource, sharer(resource, names))
    else:
        blocks.append(Context([text("Nothing yet: share a useful link with the button.")]))
    blocks.append(Actions([Button(_("Add a resource"), OPEN_ADD)]))
    return blocks


def review_queue_blocks(ctx: RequestContext) -> list[Block]:
    """For facilitators: how many suggestions wait, with a button to review them."""
    waiting = resources.pending_count(ctx.session, ctx.community)
    if not waiting:
        return [Context([text("Library: no suggestions waiting for review.")])]
    return [
        Section(
            translated(
                tn(
                    "*Library:* {n} suggestion waiting for review.",
                    "*Library:* {n} suggestions waiting for review.",
                    waiting,
                )
            )
        ),
        Actions([Button(_("Review suggestions"), REVIEW, style="primary")]),
    ]


def register(registry: Registry) -> None:
    registry.add_home_section(HomePlace.MEMBER, 30, home_blocks)
    registry.add_home_section(HomePlace.FACILITATOR, 40, review_queue_blocks)
    registry.add_command(
        Command(
            NP_("command word", "resources"),
            N_("Search the library, or share a link with `add`"),
            resources_command,
            # Translators: help for the command; translate "words", keep `add` as it is.
            usage=N_("[words] | add"),
            facilitator_usage=N_(
                "`review`, `edit 12`, `retire 12`, `restore 12`, `attach 12 3` "
                "(resource 12 to session 3), `detach 12 3`"
            ),
            aliases=("library",),
            group=N_("Resources"),
        )
    )
    registry.add_action(Action(MORE, more))
    registry.add_action(Action(HELPFUL, helpful))
    registry.add_action(Action(SEARCH, search_again))
    registry.add_action(Action(SEARCH_THEME, search_again))
    registry.add_action(Action(OPEN_ADD, open_add))
    registry.add_action(Action(SAVE_SHORTCUT, save_from_message))
    registry.add_action(Action(APPROVE, approve, Access.FACILITATOR))
    registry.add_action(Action(EDIT, edit_button, Access.FACILITATOR))
    registry.add_action(Action(DECLINE, decline, Access.FACILITATOR))
    registry.add_action(Action(REVIEW, review, Access.FACILITATOR))
    registry.add_form(FormHandler(ADD_FORM, submit_add, Access.MEMBER))
    registry.add_form(FormHandler(EDIT_FORM, submit_edit, Access.FACILITATOR))

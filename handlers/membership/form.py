"""The join / edit-profile form: building it and reading it back."""

from __future__ import annotations

from core import i18n
from core.communities import ground_rules, privacy_notice
from core.context import RequestContext
from core.defaults import LANGUAGES, TIMEZONES
from core.i18n import N_, _
from core.labels import CADENCE_LABELS, ORG_SIZE_LABELS, ROLE_LEVEL_LABELS
from core.membership.service import NAME_MAX, ORGANISATION_MAX, PRONOUNS_MAX, ProfileDraft
from core.models import Member, PairingCadence
from core.newsletter import service as newsletter
from core.newsletter.models import Delivery
from core.sets import service as sets_service
from core.ui import (
    Block,
    FieldKind,
    Form,
    FormField,
    FormValues,
    Option,
    Section,
    Text,
    list_of,
    literal,
    text,
    text_of,
)

JOIN_FORM = "membership.join"  # untranslated: a form id
EDIT_FORM = "membership.edit"  # untranslated: a form id
SECTION_LIMIT = 2900  # Slack allows 3,000 characters in a section; keep a margin.

# Slack shows at most 75 characters of an option.
SET_OPTION = N_("Yes, I'd like to join an action learning set")
LIVED_EXPERIENCE_OPTION = N_(
    "Match me with peers who share lived experience of the migration system"
)


def _options(labels: dict[str, str]) -> list[Option]:
    return [Option(value=str(key), label=_(label)) for key, label in labels.items()]


def _long_text_blocks(heading: Text, body: str) -> list[Block]:
    """A community-written text, split so each piece fits a Slack section."""
    chunks = [body[i : i + SECTION_LIMIT] for i in range(0, len(body), SECTION_LIMIT)] or [""]
    blocks: list[Block] = [Section(heading)]
    blocks += [Section(literal(chunk)) for chunk in chunks]
    return blocks


def _timezones(current: str | None) -> list[Option]:
    zones = list(TIMEZONES)
    if current and current not in zones:
        zones.insert(0, current)
    return [Option(value=zone, label=zone.replace("_", " ")) for zone in zones]


def language_options() -> list[Option]:
    """Catalyst's languages, each in its own name ("English", "Français", "العربية")."""
    return [Option(value=code, label=i18n.name_of(code)) for code in i18n.available()]


def suggested_language(ctx: RequestContext, member: Member | None, locale: str | None) -> str:
    """Theirs if they chose one; else their platform's, if Catalyst speaks it; else the
    community's."""
    if member is not None:
        return member.speaks
    return i18n.member_language(locale, ctx.community.language)


def profile_form(ctx: RequestContext, member: Member | None) -> Form:
    """The join form (no member yet) or the edit form prefilled from `member`."""
    joining = member is None or not member.is_active
    platform = ctx.directory.profile(ctx.caller.user_id) if member is None else None
    tz = member.timezone if member else (platform.timezone if platform else None)
    tz = tz or ctx.community.timezone

    fields: list[FormField] = [
        FormField(
            "display_name",
            _("Your name"),
            FieldKind.TEXT,
            max_length=NAME_MAX,
            initial=member.display_name if member else (platform.name if platform else None),
            hint=_("As you'd like others in the community to see it."),
        ),
        FormField(
            "pronouns",
            _("Pronouns"),
            FieldKind.TEXT,
            required=False,
            max_length=PRONOUNS_MAX,
            placeholder=_("e.g. she/her, they/them"),
            initial=member.pronouns if member else None,
        ),
        FormField(
            "organisation",
            _("Organisation"),
            FieldKind.TEXT,
            max_length=ORGANISATION_MAX,
            initial=member.organisation if member else None,
            hint=_("Write 'Independent' if you don't work for one."),
        ),
        FormField(
            "org_size",
            _("Organisation size (annual income)"),
            FieldKind.SELECT,
            options=_options(ORG_SIZE_LABELS),
            initial=member.org_size if member else None,
            # Translators: the bands are UK charity income bands, in pounds; say so where
            # your readers' countries have no such bands.
            hint=_(
                "Your organisation's yearly income, in the bands UK charities report. Used to "
                "match you into learning sets with similar-sized organisations."
            ),
        ),
        FormField(
            "role_level",
            _("Your role"),
            FieldKind.SELECT,
            options=_options(ROLE_LEVEL_LABELS),
            initial=member.role_level if member else None,
        ),
        FormField(
            "themes",
            _("Themes you care about"),
            FieldKind.MULTI_SELECT,
            required=False,
            # A default theme is shown in the reader's language; a custom one as written.
            options=[Option(value=theme, label=_(theme)) for theme in ctx.community.themes],
            initial=list(member.themes) if member else None,
        ),
        FormField(
            "languages",
            _("Languages you're happy to talk in"),
            FieldKind.MULTI_SELECT,
            options=[Option(value=code, label=_(label)) for code, label in LANGUAGES],
            initial=list(member.languages) if member else ["en"],
        ),
        FormField(
            "language",
            _("Language"),
            FieldKind.SELECT,
            options=language_options(),
            initial=suggested_language(ctx, member, platform.locale if platform else None),
            hint=_("The language Catalyst writes to you in."),
        ),
        FormField(
            "timezone",
            _("Your timezone"),
            FieldKind.SELECT,
            options=_timezones(tz),
            initial=tz,
            hint=_("Reminders and pairing times are shown in this timezone."),
        ),
        FormField(
            "pairing_cadence",
            _("Peer-coaching partner"),
            FieldKind.SELECT,
            options=_options(CADENCE_LABELS),
            initial=member.pairing_cadence if member else PairingCadence.MONTHLY.value,
            hint=_("How often you'd like to be paired for a 45-minute GROW conversation."),
        ),
        FormField(
            "lived_experience_match",
            _("Private matching preference (optional)"),
            FieldKind.CHECKBOX,
            required=False,
            options=[Option(value="yes", label=_(LIVED_EXPERIENCE_OPTION))],
            initial=member.lived_experience_match if member else False,
            hint=_("Never shown to anyone, facilitators included; used only when matching you."),
        ),
        FormField(
            "wants_set",
            _("Would you like to join an action learning set?"),
            FieldKind.CHECKBOX,
            required=False,
            options=[Option(value="yes", label=_(SET_OPTION))],
            initial=sets_service.wants_a_set(ctx.session, member) if member else False,
            hint=_(
                "A small group of peers from similar-sized organisations who meet every few "
                "weeks to work through real problems together. Optional."
            ),
        ),
    ]
    if not joining:
        # How they get the newsletter: by DM for everyone who joins, changed here.
        fields.append(
            FormField(
                "newsletter",
                _("The monthly newsletter"),
                FieldKind.SELECT,
                options=_options(newsletter.DELIVERY_LABELS),
                initial=member.newsletter if member else Delivery.DM.value,
                required=False,  # left out: as it was
                hint=_("What happened last month and what's next, once a month."),
            )
        )
    intro: list[Block] = []
    if joining:
        intro = [
            *_long_text_blocks(text("*Ground rules*"), ground_rules(ctx.community)),
            *_long_text_blocks(text("*Privacy notice*"), privacy_notice(ctx.community)),
        ]
        fields.append(
            FormField(
                "agreed",
                _("Agreement"),
                FieldKind.CHECKBOX,
                options=[
                    Option(value="yes", label=_("I agree to the ground rules and privacy notice"))
                ],
                initial=False,
            )
        )
    return Form(
        form_id=JOIN_FORM if joining else EDIT_FORM,
        # Translators: a form's title; Slack cuts it at 24 characters.
        title=_("Join the community") if joining else _("Your profile"),
        fields=fields,
        # Translators: a button; keep it short.
        submit_label=_("Join") if joining else _("Save"),
        intro=intro,
    )


def draft_from(values: FormValues) -> ProfileDraft:
    """Read submitted values; anything missing or of the wrong shape reads as empty."""
    return ProfileDraft(
        display_name=text_of(values.get("display_name")),
        pronouns=text_of(values.get("pronouns")),
        organisation=text_of(values.get("organisation")),
        org_size=text_of(values.get("org_size")),
        role_level=text_of(values.get("role_level")),
        themes=list_of(values.get("themes")),
        languages=list_of(values.get("languages")),
        timezone=text_of(values.get("timezone")),
        pairing_cadence=text_of(values.get("pairing_cadence")),
        lived_experience_match=values.get("lived_experience_match") is True,
        agreed=values.get("agreed") is True,
        language=text_of(values.get("language")),
    )


def record_newsletter_choice(ctx: RequestContext, member: Member, values: FormValues) -> None:
    """How they get the newsletter (by DM, the channel post only, or not at all)."""
    newsletter.set_delivery(member, text_of(values.get("newsletter")), ctx.now())


def record_set_interest(ctx: RequestContext, member: Member, values: FormValues) -> None:
    """The form's action learning set question, kept by the sets service (a place on the
    next forming, or on the running cycle's waiting list). Unticking it takes them off the
    list; leaving a set they are already in is `set leave`, which asks first."""
    if values.get("wants_set") is True:
        sets_service.ask_for_a_set(ctx.session, member, ctx.now())
    elif "wants_set" in values:
        sets_service.withdraw(ctx.session, member, ctx.now())

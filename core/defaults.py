"""What a new community starts with. Facilitators can change the texts and themes later."""

from __future__ import annotations

import hashlib

from core.i18n import N_

# Stored in English in a new community's row and compared as stored; shown with `_(theme)`,
# so a default theme reads in the reader's language (a facilitator's own theme is unchanged).
DEFAULT_THEMES: tuple[str, ...] = (
    N_("Anti-racism"),
    N_("Representation"),
    N_("Access to senior positions"),
    N_("Lived experience leadership"),
    N_("Power and positionality"),
    N_("Wellbeing and care"),
)

# The texts a community starts with, until a facilitator writes its own: shown translated
# (`communities.ground_rules`), while consent is fingerprinted from the English original.
DEFAULT_GROUND_RULES = N_(
    "We keep what others share here confidential unless they say otherwise. "
    "We speak from our own experience, listen to understand, and assume good intent "
    "while owning our impact. We challenge racism and other oppression, including when it "
    "is uncomfortable. Lived experience is expertise: nobody has to share their story, and "
    "nobody is asked to prove it. It's fine to miss a session; you are always welcome back."
)

DEFAULT_PRIVACY_NOTICE = N_(
    "Catalyst keeps the profile you give here (name, pronouns, organisation and its size, "
    "role level, themes, languages, timezone, pairing choice), your answers to session "
    "invitations and the reflections you write, so it can remind you of sessions, pair you "
    "for peer coaching and match you into learning sets. Facilitators see your name, "
    "pronouns, organisation and its size, whether you're coming to a session, and the "
    "reflections you share with them; private reflections are yours alone. Your optional "
    "lived-experience preference is used only for matching and is never shown to anyone. "
    "You can see everything held about you with `my-data`, and erase it with `forget-me`; "
    "we keep only anonymous counts after that (messages already sent to you stay in your "
    "Slack DMs, like any message). The lawful basis is your consent, which you can withdraw "
    "at any time."
)

# (code, label). ISO 639 codes so matching can compare languages exactly.
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", N_("English")),
    ("ar", N_("Arabic")),
    ("fr", N_("French")),
    ("fa", N_("Farsi / Dari")),
    ("ps", N_("Pashto")),
    ("ku", N_("Kurdish")),
    ("ti", N_("Tigrinya")),
    ("am", N_("Amharic")),
    ("so", N_("Somali")),
    ("uk", N_("Ukrainian")),
    ("ru", N_("Russian")),
    ("es", N_("Spanish")),
    ("pt", N_("Portuguese")),
    ("ur", N_("Urdu")),
    ("bn", N_("Bengali")),
    ("tr", N_("Turkish")),
    ("sq", N_("Albanian")),
    ("vi", N_("Vietnamese")),
    ("zh", N_("Chinese")),
    ("sw", N_("Swahili")),
    ("other", N_("Another language")),
)

# Offered in the join form; a member's Slack timezone is added if it isn't here.
TIMEZONES: tuple[str, ...] = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Brussels",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Africa/Addis_Ababa",
    "Africa/Khartoum",
    "Asia/Amman",
    "Asia/Beirut",
    "Asia/Baghdad",
    "Asia/Tehran",
    "Asia/Dubai",
    "Asia/Kabul",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Bogota",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "UTC",
)


def consent_version(ground_rules: str, privacy_notice: str) -> str:
    """A short fingerprint of the texts a member agreed to, stored with their consent."""
    digest = hashlib.sha256(f"{ground_rules}\n---\n{privacy_notice}".encode()).hexdigest()
    return digest[:16]

"""Web links: checking what people paste, and one normal form per page for duplicates.

`https://www.Example.org/guide/?utm_source=x` and `http://example.org/guide` are the same
page to a reader, so they get the same key: the scheme, `www.`, a trailing slash, the
fragment, default ports and tracking parameters (utm_*, fbclid, gclid...) don't count.
Pure: no database.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from core import i18n
from core.i18n import N_, _, t

URL_MAX = 2000
LOOKS_WRONG = N_(
    "That link doesn't look right: please paste the full link, starting with https://."
)
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING = {
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "igshid",
    "mkt_tok",
    "_hsenc",
    "_hsmi",
    "ref_src",
    "si",  # YouTube and Spotify share links
}
_LINK_IN_TEXT = re.compile(r"<(https?://[^>|\s]+)(?:\|[^>]*)?>|(https?://[^\s<>\"']+)", re.I)


class NotALink(ValueError):
    """A sentence saying what is wrong with a pasted link."""


def check_url(raw: str | None) -> str:
    """The link as it will be stored (https:// added to a bare `www.`), or NotALink."""
    value = (raw or "").strip()
    if not value:
        raise NotALink(_("Please paste the link, starting with https://."))
    if len(value) > URL_MAX:
        raise NotALink(
            t(
                "That link is too long: please keep it to {limit} characters.",
                limit=i18n.number(URL_MAX),
            )
        )
    if value.lower().startswith("www."):
        value = "https://" + value
    if any(ch.isspace() for ch in value):
        raise NotALink(_("Please paste just the link, with no spaces in it."))
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _port = parts.port  # raises on a port that isn't a number
    except ValueError:
        raise NotALink(_(LOOKS_WRONG)) from None
    if parts.scheme.lower() not in {"http", "https"} or "." not in host.strip("."):
        raise NotALink(_(LOOKS_WRONG))
    return value


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING or lowered.startswith(_TRACKING_PREFIXES)


def normalise(url: str) -> str:
    """One spelling per page: lower-case host without `www.`, no scheme or fragment,
    no default port, no trailing slash, no tracking parameters, other parameters sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    # Decode then re-encode, so `%7E` and `~` (or `é` and `%C3%A9`) are one path.
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~")
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    query.sort()
    return urlunsplit(("", netloc, path, urlencode(query), "")).lstrip("/")


def url_key(url: str) -> str:
    """A fixed-length key of the normal form (stored and unique per community)."""
    return hashlib.sha256(normalise(url).encode("utf-8")).hexdigest()


def first_link(message_text: str) -> str | None:
    """The first web link in a chat message (Slack writes them as `<https://…|label>`)."""
    for match in _LINK_IN_TEXT.finditer(message_text or ""):
        link = (match.group(1) or match.group(2) or "").rstrip(".,;:!?)")
        try:
            return check_url(link)
        except NotALink:
            continue
    return None

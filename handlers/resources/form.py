"""The resource form (add, suggest, edit): building it, prefilled or not, and reading it."""

from __future__ import annotations

from core.context import RequestContext
from core.defaults import LANGUAGES
from core.i18n import _
from core.resources.models import FORMAT_LABELS, Resource
from core.resources.service import (
    DESCRIPTION_MAX,
    THEMES_MAX,
    TITLE_MAX,
    ResourceDraft,
)
from core.ui import (
    Context,
    FieldKind,
    FieldValue,
    Form,
    FormField,
    FormValues,
    Option,
    text,
)

ADD_FORM = "resource.add"  # untranslated: a form id
EDIT_FORM = "resource.edit"  # untranslated: a form id
APPROVE_ON_SAVE = ":approve"  # edit state suffix: the form was opened from a review


def resource_form(
    ctx: RequestContext,
    resource: Resource | None = None,
    *,
    prefill: ResourceDraft | None = None,
    approve_on_save: bool = False,
) -> Form:
    """The add form (prefilled from a message, perhaps), or the edit form for `resource`."""
    start = prefill or ResourceDraft()
    if resource is not None:
        start = ResourceDraft(
            title=resource.title,
            url=resource.url,
            format=resource.format,
            themes=list(resource.themes),
            language=resource.language,
            description=resource.description,
        )
    themes = [Option(value=theme, label=_(theme)) for theme in ctx.community.themes]
    fields = [
        FormField("title", _("Title"), FieldKind.TEXT, max_length=TITLE_MAX, initial=start.title),
        FormField("url", _("Link"), FieldKind.URL, initial=start.url, placeholder="https://…"),
        FormField(
            "format",
            _("Format"),
            FieldKind.SELECT,
            options=[Option(value=str(k), label=_(v)) for k, v in FORMAT_LABELS.items()],
            initial=start.format,
        ),
        FormField(
            "themes",
            _("Themes"),
            FieldKind.MULTI_SELECT,
            required=False,
            options=themes,
            initial=[t for t in start.themes if t in ctx.community.themes],
            max_selected=THEMES_MAX,
        ),
        FormField(
            "language",
            _("Language"),
            FieldKind.SELECT,
            options=[Option(value=code, label=_(label)) for code, label in LANGUAGES],
            initial=start.language or "en",
        ),
        FormField(
            "description",
            _("Short description"),
            FieldKind.LONG_TEXT,
            required=False,
            max_length=DESCRIPTION_MAX,
            initial=(start.description or "")[:DESCRIPTION_MAX] or None,
            hint=_("One or two sentences: what it is and why it helps."),
        ),
    ]
    if resource is not None:
        state = f"{resource.id}{APPROVE_ON_SAVE if approve_on_save else ''}"
        return Form(
            EDIT_FORM,
            _("Edit resource"),
            fields,
            submit_label=_("Save and approve") if approve_on_save else _("Save"),
            state=state,
        )
    intro = (
        text("It goes into the library straight away.")
        if ctx.is_facilitator
        else text("A facilitator will have a quick look, then it goes into the library.")
    )
    return Form(
        ADD_FORM,
        _("Add to the library"),
        fields,
        submit_label=_("Add") if ctx.is_facilitator else _("Suggest"),
        intro=[Context([intro])],
    )


def _text(value: FieldValue) -> str | None:
    return value if isinstance(value, str) else None


def draft_from(values: FormValues) -> ResourceDraft:
    themes = values.get("themes")
    return ResourceDraft(
        title=_text(values.get("title")),
        url=_text(values.get("url")),
        format=_text(values.get("format")),
        themes=[t for t in themes if isinstance(t, str)] if isinstance(themes, list) else [],
        language=_text(values.get("language")),
        description=_text(values.get("description")),
    )

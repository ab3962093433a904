"""Helpers shared by the views."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from region27.catalog.kinds import kind_all
from region27.catalog.licences import licence_get
from region27.catalog.models import Entry
from region27.catalog.selectors import EntryFilters, entry_get
from region27.catalog.themes import THEMES
from region27.territories.models import Territory
from region27.territories.selectors import territory_get, territory_parse_typed

PAGE_SIZE = 20


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    paginator = Paginator(items, per_page)
    try:
        number = int(request.GET.get("page", "1"))
    except (TypeError, ValueError):
        number = 1
    try:
        return paginator.page(max(number, 1))
    except (EmptyPage, PageNotAnInteger):
        return paginator.page(paginator.num_pages or 1)


def querystring_without(request: HttpRequest, *keys: str) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


def too_large_message(name: str) -> str:
    """The French message of an upload refused while it was read (over the size limit)."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    from region27.core.files import human_size

    return _(
        "Le fichier « %(name)s » dépasse la taille maximale de %(limit)s : rien n'a été enregistré."
    ) % {"name": name[:100], "limit": human_size(settings.REGION27_MAX_UPLOAD_SIZE)}


def wants_json(request: HttpRequest) -> bool:
    """`format=json`, or JSON asked for (and not HTML) in `Accept`."""
    if "json" in request.GET.getlist("format"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def filters_from(request: HttpRequest) -> tuple[EntryFilters, list[str]]:
    """The catalogue filters a page's query string asks for, and what it got wrong (in
    French, for the page): unknown values are dropped, an unknown territory is said."""
    problems: list[str] = []
    known_kinds = {spec.slug for spec in kind_all()}
    known_themes = {slug for slug, _l, _e in THEMES}
    f = EntryFilters(
        kinds=[k for k in request.GET.getlist("kind") if k in known_kinds],
        themes=[t for t in request.GET.getlist("theme") if t in known_themes],
        organisations=[o[:100] for o in request.GET.getlist("organisation") if o][:20],
        licences=[lic for lic in request.GET.getlist("licence") if licence_get(lic)],
        text=request.GET.get("q", "")[:200],
    )
    typed = request.GET.get("territory", "").strip()
    if typed:
        try:
            level, code = territory_parse_typed(typed)
            f.territory = territory_get(level=level, code=code)
        except (ValueError, Territory.DoesNotExist):
            problems.append(
                _("Territoire inconnu : « %(t)s » (exemple : departement:26).") % {"t": typed[:40]}
            )
    return f, problems


def entry_or_404(request: HttpRequest, slug: str) -> Entry | HttpResponse:
    """The entry the user may see at `slug`, a 301 to the address it moved to (same
    sub-page), or a French 404."""
    entry, moved_to = entry_get(user=request.user, slug=slug)
    if moved_to:
        target = request.path.replace(f"/catalogue/{slug}/", f"/catalogue/{moved_to}/", 1)
        return HttpResponseRedirect(target, status=301)
    if entry is None:
        raise Http404(_("Aucune fiche à cette adresse."))
    return entry


def attach_errors(error: ValidationError, form: Any, *more: Any) -> None:
    """Show a service's refusal on the form(s): each field's message beside the field
    of whichever form has it, the rest at the top of the first form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        owner = next((f for f in (form, *more) if field in f.fields), None)
        if owner is None:
            form.add_error(None, errors)
        else:
            owner.add_error(field, errors)


def render_form(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page with a form: 400 when a submitted form comes back with its errors (so that
    programs and tests see the refusal), 200 when it is shown."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)

"""Catalog pages: list, entry, history, forms and lifecycle actions."""

from __future__ import annotations

import difflib
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from region27.accounts.models import Membership, Organisation, Role
from region27.accounts.policy import Action, can
from region27.catalog import services, visibility
from region27.catalog.kinds import KindSpec, kind_all, kind_get
from region27.catalog.licences import LICENCES, licence_get
from region27.catalog.models import Distribution, Entry
from region27.catalog.selectors import (
    EntryFilters,
    entry_get,
    entry_list,
    entry_versions,
    organisations_sharing,
    validation_queue,
)
from region27.catalog.themes import THEMES
from region27.core.errors import NotAllowed
from region27.core.markdown import render_markdown
from region27.core.uploads import upload_refused
from region27.territories.models import Territory
from region27.territories.selectors import territory_get, territory_parse_typed
from region27.web.forms import (
    DistributionForm,
    EntryForm,
    KitItemsForm,
    RejectForm,
    detail_form_class,
)
from region27.web.views.common import paginate, querystring_without, too_large_message


def _filters_from(request: HttpRequest) -> tuple[EntryFilters, list[str]]:
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


def catalog(request: HttpRequest) -> HttpResponse:
    filters, problems = _filters_from(request)
    entries = entry_list(user=request.user, filters=filters)
    page = paginate(request, entries)
    context = {
        "page": page,
        "filters": filters,
        "problems": problems,
        "kinds": kind_all(),
        "themes": THEMES,
        "licences": [lic for lic in LICENCES if lic.open],
        "organisations": organisations_sharing(user=request.user),
        "querystring": querystring_without(request, "page"),
        "nav": "catalog",
    }
    template = "catalog/_results.html" if request.headers.get("HX-Request") else "catalog/list.html"
    return render(request, template, context)


def _entry_or_404(request: HttpRequest, slug: str) -> Entry | HttpResponse:
    entry, moved_to = entry_get(user=request.user, slug=slug)
    if moved_to:
        target = request.path.replace(f"/catalogue/{slug}/", f"/catalogue/{moved_to}/", 1)
        return HttpResponseRedirect(target, status=301)
    if entry is None:
        raise Http404(_("Aucune fiche à cette adresse."))
    return entry


def entry_detail(request: HttpRequest, slug: str) -> HttpResponse:
    found = _entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    spec = kind_get(entry.kind)
    detail = spec.detail_of(entry) if spec else None
    user = request.user
    actions = {
        "edit": can(user, Action.ENTRY_EDIT, entry),
        "submit": can(user, Action.ENTRY_SUBMIT, entry),
        "publish": can(user, Action.ENTRY_PUBLISH, entry),
        "reject": can(user, Action.ENTRY_REJECT, entry),
        "archive": can(user, Action.ENTRY_ARCHIVE, entry),
    }
    detail_rows = []
    if spec is not None and detail is not None:
        for name in spec.form_fields:
            field: Any = spec.detail_model._meta.get_field(name)
            if name in ("publiccode_yml", "anonymised"):
                continue
            value = getattr(detail, name)
            if hasattr(detail, f"get_{name}_display"):
                value = getattr(detail, f"get_{name}_display")()
            if value in (None, ""):
                continue
            if field.get_internal_type() == "TextField":
                value = render_markdown(str(value))
            detail_rows.append((field.verbose_name, value, type(field).__name__))
    return render(
        request,
        "catalog/entry.html",
        {
            "entry": entry,
            "spec": spec,
            "detail": detail,
            "detail_rows": detail_rows,
            "body_html": render_markdown(entry.body),
            "actions": actions,
            # None for an anonymised report the user is not a member of.
            "organisation": visibility.shown_organisation(user, entry),
            "territories": visibility.public_territories(user, entry),
            "distributions": entry.distributions.all() if entry.kind == "dataset" else [],
            "kit_items": entry.kit_items.select_related("item").filter(item__status="published")
            if entry.kind == "kit"
            else [],
            "reject_form": RejectForm(),
            "licence": licence_get(entry.licence),
            "nav": "catalog",
            "tab": "entry",
        },
    )


def _snapshot_lines(snapshot: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key in sorted(snapshot):
        value = snapshot[key]
        if isinstance(value, dict):
            for sub in sorted(value):
                lines.append(f"{key}.{sub} : {json.dumps(value[sub], ensure_ascii=False)}")
        elif isinstance(value, str) and "\n" in value:
            lines.extend(f"{key} : {line}" for line in value.splitlines())
        else:
            lines.append(f"{key} : {json.dumps(value, ensure_ascii=False)}")
    return lines


def entry_history(request: HttpRequest, slug: str) -> HttpResponse:
    found = _entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    versions = list(entry_versions(user=request.user, entry=entry))
    rows = []
    for i, version in enumerate(versions):
        previous = versions[i + 1] if i + 1 < len(versions) else None
        before = _snapshot_lines(previous.snapshot) if previous else []
        after = _snapshot_lines(version.snapshot)
        changes = [
            (line[0], line[2:])
            for line in difflib.ndiff(before, after)
            if line[:1] in "+-" and line[:2] != "? "
        ]
        rows.append({"version": version, "changes": changes})
    return render(
        request,
        "catalog/history.html",
        {"entry": entry, "rows": rows, "nav": "catalog", "tab": "history"},
    )


def _writer_organisations(user: Any) -> Any:
    return Organisation.objects.filter(
        memberships__user=user, memberships__role__in=[Role.AGENT, Role.ADMIN]
    ).distinct()


@login_required
def entry_new(request: HttpRequest) -> HttpResponse:
    if not _writer_organisations(request.user).exists():
        raise NotAllowed(_("Seuls les agents d'une organisation peuvent publier."))
    return render(request, "catalog/new.html", {"kinds": kind_all(), "nav": "new"})


def _save_form(
    request: HttpRequest, spec: KindSpec, entry: Entry | None
) -> tuple[Any, Any, Any, Entry | None]:
    organisations = _writer_organisations(request.user)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    initial: dict[str, Any] = {}
    detail_instance = spec.detail_of(entry) if entry else None
    if entry is not None:
        initial = {
            "title": entry.title,
            "summary": entry.summary,
            "body": entry.body,
            "licence": entry.licence,
            "themes": [t.slug for t in entry.themes.all()],
            "keywords": ", ".join(entry.keywords),
            "territories": ", ".join(t.typed_code for t in entry.territories.all()),
        }
    form = EntryForm(data, organisations=organisations, kind=spec, entry=entry, initial=initial)
    detail_form = detail_form_class(spec)(data, files, instance=detail_instance, prefix="detail")
    kit_form = None
    if spec.slug == "kit":
        kit_initial = {}
        if entry is not None:
            kit_initial["items"] = "\n".join(
                f"{i.item.slug} | {i.note}" if i.note else i.item.slug
                for i in entry.kit_items.select_related("item")
            )
        kit_form = KitItemsForm(data, initial=kit_initial, prefix="kit")
    if request.method != "POST":
        return form, detail_form, kit_form, None
    valid = form.is_valid() & detail_form.is_valid() & (kit_form.is_valid() if kit_form else True)
    refused = upload_refused(request)
    if refused:
        form.add_error(None, too_large_message(refused))
        return form, detail_form, kit_form, None
    if not valid:
        return form, detail_form, kit_form, None
    cd = form.cleaned_data
    detail = {
        name: detail_form.cleaned_data.get(name)
        for name in spec.form_fields
        if name in detail_form.cleaned_data
    }
    try:
        with transaction.atomic():
            if entry is None:
                saved = services.entry_create(
                    by=request.user,  # type: ignore[arg-type]
                    organisation=cd["organisation"],
                    kind=spec.slug,
                    title=cd["title"],
                    summary=cd["summary"],
                    body=cd["body"],
                    licence=cd["licence"],
                    themes=cd["themes"],
                    keywords=cd["keywords"],
                    territories=cd["territories"],
                    detail=detail,
                )
            else:
                saved = services.entry_update(
                    entry=entry,
                    by=request.user,  # type: ignore[arg-type]
                    title=cd["title"],
                    summary=cd["summary"],
                    body=cd["body"],
                    licence=cd["licence"],
                    keywords=cd["keywords"],
                    themes=cd["themes"],
                    territories=cd["territories"],
                    detail=detail,
                )
            if kit_form is not None:
                services.kit_set_items(
                    entry=saved,
                    by=request.user,  # type: ignore[arg-type]
                    items=kit_form.cleaned_data["items"],
                )
    except ValidationError as error:
        _attach_errors(error, form, detail_form)
        return form, detail_form, kit_form, None
    return form, detail_form, kit_form, saved


def _attach_errors(error: ValidationError, form: Any, detail_form: Any) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            if field in form.fields:
                form.add_error(field, errors)
            elif field in detail_form.fields:
                detail_form.add_error(field, errors)
            else:
                form.add_error(None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def entry_create(request: HttpRequest, kind: str) -> HttpResponse:
    spec = kind_get(kind)
    if spec is None:
        raise Http404(_("Nature de fiche inconnue."))
    if not _writer_organisations(request.user).exists():
        raise NotAllowed(_("Seuls les agents d'une organisation peuvent publier."))
    form, detail_form, kit_form, saved = _save_form(request, spec, None)
    if saved is not None:
        messages.success(
            request, _("Brouillon enregistré. Vous pouvez le compléter puis le soumettre.")
        )
        return redirect(saved.get_absolute_url())
    return render(
        request,
        "catalog/form.html",
        {
            "spec": spec,
            "form": form,
            "detail_form": detail_form,
            "kit_form": kit_form,
            "entry": None,
            "nav": "new",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def entry_edit(request: HttpRequest, slug: str) -> HttpResponse:
    found = _entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    if not can(request.user, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    spec = kind_get(entry.kind)
    if spec is None:
        raise Http404()
    form, detail_form, kit_form, saved = _save_form(request, spec, entry)
    if saved is not None:
        messages.success(request, _("Modifications enregistrées."))
        return redirect(saved.get_absolute_url())
    return render(
        request,
        "catalog/form.html",
        {
            "spec": spec,
            "form": form,
            "detail_form": detail_form,
            "kit_form": kit_form,
            "entry": entry,
            "nav": "catalog",
        },
        status=400 if request.method == "POST" else 200,
    )


def _lifecycle(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    found = _entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    user: Any = request.user
    try:
        if action == "submit":
            services.entry_submit(entry=entry, by=user)
            text = (
                _("Fiche soumise : les élus de votre organisation sont prévenus.")
                if entry.organisation.requires_validation
                else _("Fiche soumise. Vous pouvez maintenant la publier.")
            )
        elif action == "publish":
            services.entry_publish(entry=entry, by=user)
            text = _("Fiche publiée.")
        elif action == "archive":
            services.entry_archive(entry=entry, by=user)
            text = _("Fiche archivée.")
        else:
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Dites aux agents ce qui doit changer."))
                return redirect(entry.get_absolute_url())
            services.entry_reject(entry=entry, by=user, comment=form.cleaned_data["comment"])
            text = _("Fiche renvoyée à ses auteurs.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(entry.get_absolute_url())
    messages.success(request, text)
    if action in ("publish", "reject") and request.POST.get("next") == "queue":
        return redirect("web:queue")
    return redirect(entry.get_absolute_url())


@require_POST
@login_required
def entry_submit(request: HttpRequest, slug: str) -> HttpResponse:
    return _lifecycle(request, slug, "submit")


@require_POST
@login_required
def entry_publish(request: HttpRequest, slug: str) -> HttpResponse:
    return _lifecycle(request, slug, "publish")


@require_POST
@login_required
def entry_reject(request: HttpRequest, slug: str) -> HttpResponse:
    return _lifecycle(request, slug, "reject")


@require_POST
@login_required
def entry_archive(request: HttpRequest, slug: str) -> HttpResponse:
    return _lifecycle(request, slug, "archive")


@login_required
def distribution_new(request: HttpRequest, slug: str) -> HttpResponse:
    found = _entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    if entry.kind != "dataset" or not can(request.user, Action.ENTRY_EDIT, entry):
        raise NotAllowed()
    refused = upload_refused(request) if request.method == "POST" else None
    form = DistributionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        refused_message=too_large_message(refused) if refused else "",
    )
    if request.method == "POST" and form.is_valid():
        from region27.validation.services import distribution_add_with_schema

        schema_version = form.cleaned_data.get("schema")
        try:
            distribution_add_with_schema(
                entry=entry,
                by=request.user,  # type: ignore[arg-type]
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                schema_version=schema_version,
            )
        except ValidationError as error:
            _attach_errors(error, form, form)
        else:
            if schema_version is not None and form.cleaned_data["file"]:
                messages.success(
                    request,
                    _(
                        "Fichier ajouté. Sa validation selon %(s)s est en cours : le rapport "
                        "s'affiche sur la fiche."
                    )
                    % {"s": schema_version.label},
                )
            else:
                messages.success(request, _("Fichier ajouté."))
            return redirect(entry.get_absolute_url())
    return render(
        request,
        "catalog/distribution_form.html",
        {"entry": entry, "form": form, "nav": "catalog"},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def distribution_delete(request: HttpRequest, slug: str, uuid: str) -> HttpResponse:
    found = _entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    distribution = get_object_or_404(Distribution, entry=found, uuid=uuid)
    services.distribution_remove(distribution=distribution, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Fichier retiré."))
    return redirect(found.get_absolute_url())


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not Membership.objects.filter(user_id=request.user.pk or 0, role=Role.ELU).exists():
        raise NotAllowed(_("La file « à valider » est celle des élus."))
    return render(
        request,
        "catalog/queue.html",
        {
            "entries": validation_queue(user=request.user),
            "reject_form": RejectForm(),
            "nav": "queue",
        },
    )

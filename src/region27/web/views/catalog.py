"""Catalog pages: list, entry, history, forms and lifecycle actions."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from region27.accounts.models import Membership, Role
from region27.accounts.policy import Action, can, can_change
from region27.accounts.selectors import writer_organisations
from region27.catalog import services, visibility
from region27.catalog.kinds import KindSpec, kind_all, kind_get
from region27.catalog.licences import LICENCES, licence_get
from region27.catalog.models import Distribution, Entry
from region27.catalog.readable import changed_rows, chunks, snapshot_rows
from region27.catalog.selectors import (
    entry_list,
    entry_versions,
    organisations_sharing,
    pending_revision,
    revision_queue,
    validation_queue,
)
from region27.catalog.themes import THEMES
from region27.catalog.visibility import is_member, public_snapshot, shows_organisation
from region27.core.errors import NotAllowed
from region27.core.markdown import render_markdown
from region27.core.uploads import upload_refused
from region27.territories.models import Territory
from region27.web.forms import (
    DistributionForm,
    EntryForm,
    FileReplaceForm,
    KitItemsForm,
    RejectForm,
    RevisionRejectForm,
    detail_form_class,
)
from region27.web.views.common import (
    attach_errors,
    entry_or_404,
    filters_from,
    paginate,
    querystring_without,
    render_form,
    too_large_message,
)


def catalog(request: HttpRequest) -> HttpResponse:
    filters, problems = filters_from(request)
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


def entry_detail(request: HttpRequest, slug: str) -> HttpResponse:
    found = entry_or_404(request, slug)
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


def _who(version: Any, entry: Entry, member: bool, shows_org: bool) -> str:
    """Who made a version, as the rules allow: the role always; the name the person chose
    to show (members see every name); nothing more on an anonymised entry."""
    role = dict(Role.choices).get(version.role, "")
    actor = version.actor
    if actor is None or not shows_org:
        return str(role)
    name = str(actor) if member else actor.display_name
    return f"{name} ({role})" if name and role else str(name or role)


def entry_history(request: HttpRequest, slug: str) -> HttpResponse:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    user = request.user
    versions = list(entry_versions(user=user, entry=entry))
    member = is_member(user, entry)
    shows_org = shows_organisation(user, entry)
    snapshots = [public_snapshot(user, entry, v.snapshot) for v in versions]
    rows = []
    for i, version in enumerate(versions):
        # The oldest version shown is compared with nothing: the drafts before the first
        # publication are not public history.
        previous = snapshots[i + 1] if i + 1 < len(versions) else None
        rows.append(
            {
                "version": version,
                "who": _who(version, entry, member, shows_org),
                "changes": changed_rows(previous, snapshots[i]),
                "first": previous is None,
                "hash_parts": chunks(version.content_hash),
            }
        )
    return render(
        request,
        "catalog/history.html",
        {
            "entry": entry,
            "rows": rows,
            "member": member,
            "hide_org": not shows_org,
            "nav": "catalog",
            "tab": "history",
        },
    )


def _visible_version(request: HttpRequest, slug: str, number: int) -> tuple[Entry, Any] | Any:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    version = entry_versions(user=request.user, entry=found).filter(number=number).first()
    if version is None:
        raise Http404(_("Aucune version publique sous ce numéro."))
    return found, version


def entry_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One version's content, labelled and formatted (the JSON is a download beside)."""
    found = _visible_version(request, slug, number)
    if isinstance(found, HttpResponse):
        return found
    entry, version = found
    user = request.user
    snapshot = public_snapshot(user, entry, version.snapshot)
    return render(
        request,
        "catalog/version.html",
        {
            "entry": entry,
            "version": version,
            "who": _who(version, entry, is_member(user, entry), shows_organisation(user, entry)),
            "rows": snapshot_rows(snapshot),
            "nav": "catalog",
            "tab": "history",
        },
    )


def entry_version_json(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The version's snapshot as stored (what the journal hashes), for programs; an
    anonymised entry's is shown without what would name its organisation."""
    found = _visible_version(request, slug, number)
    if isinstance(found, HttpResponse):
        return found
    entry, version = found
    snapshot = public_snapshot(request.user, entry, version.snapshot)
    body = {
        "entry": entry.slug,
        "number": version.number,
        "action": version.action,
        "created_at": version.created_at.isoformat(),
        "role": version.role,
        "content_hash": version.content_hash if snapshot is version.snapshot else None,
        "snapshot": snapshot,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{entry.slug}-v{version.number}.json"'
    return response


@login_required
def entry_new(request: HttpRequest) -> HttpResponse:
    if not writer_organisations(user=request.user).exists():
        raise NotAllowed(_("Seuls les agents d'une organisation peuvent publier."))
    return render(request, "catalog/new.html", {"kinds": kind_all(), "nav": "new"})


def _save_form(
    request: HttpRequest, spec: KindSpec, entry: Entry | None
) -> tuple[Any, Any, Any, Entry | None]:
    organisations = writer_organisations(user=request.user)
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
    detail_initial: dict[str, Any] = {}
    kit_pairs: list[tuple[str, str]] | None = None
    revision = pending_revision(user=request.user, entry=entry) if entry is not None else None
    if revision is not None:  # later edits update the pending revision
        initial, detail_initial, kit_pairs = _revision_initial(revision, initial)
    form = EntryForm(data, organisations=organisations, kind=spec, entry=entry, initial=initial)
    detail_form = detail_form_class(spec)(
        data, files, instance=detail_instance, prefix="detail", initial=detail_initial
    )
    kit_form = None
    if spec.slug == "kit":
        kit_initial = {}
        if entry is not None:
            if kit_pairs is None:
                kit_pairs = [(i.item.slug, i.note) for i in entry.kit_items.select_related("item")]
            kit_initial["items"] = "\n".join(
                f"{slug} | {note}" if note else slug for slug, note in kit_pairs
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
        attach_errors(error, form, detail_form)
        return form, detail_form, kit_form, None
    return form, detail_form, kit_form, saved


def _revision_initial(
    revision: Any, initial: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[tuple[str, str]] | None]:
    """The edit form's values with the pending revision's proposals over the entry's."""
    proposed = revision.changes
    initial = dict(initial)
    for name, value in (proposed.get("fields") or {}).items():
        initial[name] = ", ".join(value) if name == "keywords" else value
    if proposed.get("themes") is not None:
        initial["themes"] = list(proposed["themes"])
    if proposed.get("territories") is not None:
        initial["territories"] = ", ".join(
            t.typed_code for t in Territory.objects.filter(pk__in=proposed["territories"])
        )
    detail = {
        name: value
        for name, value in (proposed.get("detail") or {}).items()
        if not isinstance(value, dict) and value is not False
    }
    kit = None
    if proposed.get("kit") is not None:
        slugs = dict(
            Entry.objects.filter(pk__in=[i for i, _n in proposed["kit"]]).values_list("pk", "slug")
        )
        kit = [(slugs[i], note) for i, note in proposed["kit"] if i in slugs]
    return initial, detail, kit


def _call_for_form(request: HttpRequest, form: Any, call: Any, success: str) -> bool:
    """Call a service for a valid form: its refusal shows on the form, its success as a
    message."""
    try:
        call()
    except ValidationError as error:
        attach_errors(error, form)
        return False
    messages.success(request, success)
    return True


@login_required
def entry_create(request: HttpRequest, kind: str) -> HttpResponse:
    spec = kind_get(kind)
    if spec is None:
        raise Http404(_("Nature de fiche inconnue."))
    if not writer_organisations(user=request.user).exists():
        raise NotAllowed(_("Seuls les agents d'une organisation peuvent publier."))
    form, detail_form, kit_form, saved = _save_form(request, spec, None)
    if saved is not None:
        messages.success(
            request, _("Brouillon enregistré. Vous pouvez le compléter puis le soumettre.")
        )
        return redirect(saved.get_absolute_url())
    return _entry_form_page(request, spec, (form, detail_form, kit_form), entry=None, nav="new")


def _entry_form_page(
    request: HttpRequest, spec: KindSpec, forms: tuple[Any, Any, Any], **context: Any
) -> HttpResponse:
    """The entry form page (creation or change) with its three forms."""
    form, detail_form, kit_form = forms
    context |= {"spec": spec, "form": form, "detail_form": detail_form, "kit_form": kit_form}
    return render_form(request, "catalog/form.html", context)


@login_required
def entry_edit(request: HttpRequest, slug: str) -> HttpResponse:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    proposes = can(request.user, Action.ENTRY_PROPOSE, entry)
    if not can_change(request.user, entry):
        raise NotAllowed()
    spec = kind_get(entry.kind)
    if spec is None:
        raise Http404()
    form, detail_form, kit_form, saved = _save_form(request, spec, entry)
    if saved is not None:
        if proposes:
            messages.success(
                request,
                _(
                    "Modification proposée : les élus de votre organisation sont prévenus. "
                    "Le public voit la version validée jusqu'à leur décision."
                ),
            )
        else:
            messages.success(request, _("Modifications enregistrées."))
        return redirect(saved.get_absolute_url())
    return _entry_form_page(
        request, spec, (form, detail_form, kit_form), entry=entry, nav="catalog", proposes=proposes
    )


def _lifecycle(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    found = entry_or_404(request, slug)
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
                else _("Fiche marquée prête : un agent peut maintenant la publier.")
            )
        elif action == "publish":
            if entry.status == "submitted" and entry.organisation.requires_validation:
                # An élu validates what they read: from the review page only.
                messages.info(request, _("Relisez la fiche avant de la valider."))
                return redirect("web:entry_review", slug=entry.slug)
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
    return redirect(entry.get_absolute_url())


def _lifecycle_view(action: str) -> Any:
    """The POST view of one lifecycle action (submit, publish, reject, archive)."""

    @require_POST
    @login_required
    def view(request: HttpRequest, slug: str) -> HttpResponse:
        return _lifecycle(request, slug, action)

    view.__name__ = view.__qualname__ = f"entry_{action}"
    return view


entry_submit = _lifecycle_view("submit")
entry_publish = _lifecycle_view("publish")
entry_reject = _lifecycle_view("reject")
entry_archive = _lifecycle_view("archive")


@login_required
def distribution_new(request: HttpRequest, slug: str) -> HttpResponse:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    proposes = can(request.user, Action.ENTRY_PROPOSE, entry)
    if entry.kind != "dataset" or not can_change(request.user, entry):
        raise NotAllowed()
    refused = upload_refused(request) if request.method == "POST" else None
    form = DistributionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        refused_message=too_large_message(refused) if refused else "",
    )
    if proposes:
        # The file waits for an élu; a referential can be declared once it is public.
        del form.fields["schema"]
    if request.method == "POST" and form.is_valid() and proposes:
        cd = form.cleaned_data
        if _call_for_form(
            request,
            form,
            lambda: services.distribution_add(
                entry=entry,
                by=request.user,  # type: ignore[arg-type]
                title=cd["title"],
                file=cd["file"],
                url=cd["url"],
                description=cd["description"],
            ),
            _("Fichier proposé : il sera public une fois la modification validée par un élu."),
        ):
            return redirect(entry.get_absolute_url())
    elif request.method == "POST" and form.is_valid():
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
            attach_errors(error, form)
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
    return render_form(
        request,
        "catalog/distribution_form.html",
        {"entry": entry, "form": form, "proposes": proposes, "nav": "catalog"},
    )


@require_POST
@login_required
def distribution_delete(request: HttpRequest, slug: str, uuid: str) -> HttpResponse:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    distribution = get_object_or_404(Distribution, entry=found, uuid=uuid)
    proposes = can(request.user, Action.ENTRY_PROPOSE, found)
    services.distribution_remove(distribution=distribution, by=request.user)  # type: ignore[arg-type]
    if proposes:
        messages.success(
            request, _("Retrait proposé : le fichier reste public jusqu'à la validation.")
        )
    else:
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
            "revisions": revision_queue(user=request.user),
            "nav": "queue",
        },
    )


# --- The élu's review: what they approve, then approve or send back --------------------


def _published_snapshot(entry: Entry) -> dict[str, Any] | None:
    """The content the public sees now (the latest version while published), or the last
    published one (None for an entry never published)."""
    if entry.status == "published":
        latest = entry.versions.order_by("-number").first()
        return latest.snapshot if latest else None
    published = entry.versions.filter(action__in=["publish", "approve"]).order_by("-number")
    found = published.first()
    return found.snapshot if found else None


@login_required
def entry_review(request: HttpRequest, slug: str) -> HttpResponse:
    """What an élu approves: the proposed content against the published one, the files
    with their validation status, the similar entries elsewhere; then the decision."""
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    user: Any = request.user
    if not can(user, Action.ENTRY_VIEW_DRAFT, entry):
        raise NotAllowed()
    revision = pending_revision(user=request.user, entry=entry)
    before = _published_snapshot(entry)
    if revision is not None:
        after = services.revision_preview(revision=revision, user=user)
        can_decide = can(user, Action.ENTRY_REVIEW, entry)
    elif entry.status == "submitted":
        after = services.entry_snapshot(entry)
        can_decide = can(user, Action.ENTRY_PUBLISH, entry) or can(user, Action.ENTRY_REJECT, entry)
    else:
        messages.info(request, _("Rien n'attend de validation sur cette fiche."))
        return redirect(entry.get_absolute_url())
    return render(
        request,
        "catalog/review.html",
        {
            "entry": entry,
            "revision": revision,
            "changes": changed_rows(before, after),
            "first_publication": before is None,
            "distributions": entry.distributions.all() if entry.kind == "dataset" else [],
            "file_ops": revision.files if revision is not None else [],
            "can_decide": can_decide,
            "can_abandon": revision is not None and can_change(user, entry),
            "reject_form": RevisionRejectForm(),
            "nav": "queue",
        },
    )


@require_POST
@login_required
def entry_review_decide(request: HttpRequest, slug: str) -> HttpResponse:
    """Approve (publish) or send back what the review page showed."""
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    user: Any = request.user
    decision = request.POST.get("decision", "")
    revision = pending_revision(user=request.user, entry=entry)
    try:
        if decision == "approve":
            # Only what the page showed: the proposal's digest, the entry's version.
            if revision is not None:
                if request.POST.get("revision") != str(revision.uuid):
                    raise ValidationError(
                        _("La modification a changé pendant votre relecture : relisez-la.")
                    )
                services.revision_approve(
                    revision=revision, by=user, seen=request.POST.get("seen", "")
                )
                text = _("Modification validée : elle est maintenant publique.")
            else:
                seen = request.POST.get("version", "")
                services.entry_publish(
                    entry=entry, by=user, seen_version=int(seen) if seen.isdigit() else -1
                )
                text = _("Fiche validée et publiée.")
        elif decision == "reject":
            form = RevisionRejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Dites aux agents ce qui doit changer."))
                return redirect("web:entry_review", slug=entry.slug)
            reason = form.cleaned_data["reason"]
            if revision is not None:
                services.revision_reject(revision=revision, by=user, reason=reason)
                text = _("Modification renvoyée aux agents ; la fiche publique n'a pas changé.")
            else:
                services.entry_reject(entry=entry, by=user, comment=reason)
                text = _("Fiche renvoyée à ses auteurs.")
        elif decision == "abandon" and revision is not None:
            services.revision_abandon(revision=revision, by=user)
            text = _("Modification abandonnée.")
        else:
            raise ValidationError(_("Décision inconnue."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("web:entry_review", slug=entry.slug)
    messages.success(request, text)
    return redirect(entry.get_absolute_url())


@login_required
def revision_file(request: HttpRequest, slug: str, key: str) -> HttpResponseBase:
    """A candidate file of the pending revision, for the organisation's members."""
    from django.core.files.storage import default_storage
    from django.http import FileResponse

    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    if not can(request.user, Action.ENTRY_VIEW_DRAFT, found):
        raise NotAllowed()
    revision = pending_revision(user=request.user, entry=found)
    op = revision.file_op(key) if revision is not None else None
    if op is None or not op.get("file"):
        raise Http404(_("Aucun fichier proposé à cette adresse."))
    name = op["file"]
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=op.get("original_name") or name.rsplit("/", 1)[-1],
    )


@require_POST
@login_required
def revision_file_withdraw(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    revision = pending_revision(user=request.user, entry=found)
    if revision is None:
        raise Http404(_("Aucune modification en attente."))
    try:
        services.revision_withdraw_file(revision=revision, by=request.user, key=key)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Fichier retiré de la modification proposée."))
    if pending_revision(user=request.user, entry=found) is None:
        return redirect(found.get_absolute_url())
    return redirect("web:entry_review", slug=found.slug)


@login_required
def distribution_propose_replace(request: HttpRequest, slug: str, uuid: str) -> HttpResponse:
    """Propose a new file for a distribution (it waits for an élu)."""
    found = entry_or_404(request, slug)
    if isinstance(found, HttpResponse):
        return found
    entry = found
    distribution = get_object_or_404(Distribution, entry=entry, uuid=uuid)
    if not can(request.user, Action.ENTRY_PROPOSE, entry):
        raise NotAllowed()
    refused = upload_refused(request) if request.method == "POST" else None
    form = FileReplaceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        refused_message=too_large_message(refused) if refused else "",
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _call_for_form(
            request,
            form,
            lambda: services.revision_distribution_replace(
                distribution=distribution,
                by=request.user,  # type: ignore[arg-type]
                file=form.cleaned_data["file"],
            ),
            _("Nouveau fichier proposé : le public garde l'actuel jusqu'à la validation."),
        )
    ):
        return redirect(entry.get_absolute_url())
    return render_form(
        request,
        "catalog/distribution_form.html",
        {"entry": entry, "form": form, "replacing": distribution, "nav": "catalog"},
    )

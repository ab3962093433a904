"""Entries of every kind: read (selectors) and write (services, the one permission policy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router
from ninja import Status as Reply
from ninja.files import UploadedFile

from region27.accounts.models import Organisation
from region27.accounts.policy import Action, can
from region27.api.v1.auth import READ_AUTH, WRITE_AUTH
from region27.api.v1.common import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    READ_ERRORS,
    WRITE_ERRORS,
    check_text,
    gettext_lazy,
)
from region27.api.v1.problems import Problem
from region27.api.v1.schemas import (
    DistributionOut,
    EntryCreateIn,
    EntryOut,
    EntryPage,
    EntryUpdateIn,
    KindPage,
    KitItemsIn,
    RejectIn,
)
from region27.api.v1.serialize import distribution_out, entry_full, entry_summary, page_of
from region27.catalog import services
from region27.catalog.kinds import kind_all, kind_get
from region27.catalog.licences import licence_get
from region27.catalog.models import Entry, Status
from region27.catalog.selectors import EntryFilters, entry_get, entry_get_followed, entry_list
from region27.catalog.themes import THEMES
from region27.core.uploads import upload_refused
from region27.territories.models import Territory
from region27.territories.selectors import territory_get, territory_parse_typed

router = Router(tags=["entries"])


def _unknown(field: str, value: str, allowed: str = "") -> Problem:
    message = _("Valeur inconnue pour « %(f)s » : « %(v)s ».") % {"f": field, "v": value[:60]}
    if allowed:
        message += " " + _("Valeurs possibles : %(a)s.") % {"a": allowed}
    return Problem(
        422,
        "invalid-parameters",
        message,
        title=_("Paramètres invalides"),
        errors=[{"location": "query", "field": field, "message": message, "type": "unknown"}],
    )


def _territory(value: str, field: str) -> Territory:
    try:
        level, code = territory_parse_typed(value[:60])
        return territory_get(level=level, code=code)
    except ValueError as error:
        raise ValidationError({field: str(error)}) from error
    except Territory.DoesNotExist as error:
        raise ValidationError(
            {field: _("Territoire inconnu : « %(t)s ».") % {"t": value[:60]}}
        ) from error


@router.get(
    "/kinds",
    response={200: KindPage, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy("Les natures de fiche et leurs champs propres"),
)
def kinds(request: HttpRequest) -> Any:
    items = [
        {
            "slug": spec.slug,
            "label": str(spec.label),
            "label_plural": str(spec.label_plural),
            "description": str(spec.description),
            "fields": list(spec.form_fields),
        }
        for spec in kind_all()
    ]
    return page_of(items, page=1, page_size=max(1, len(items)))


@router.get(
    "/entries",
    response={200: EntryPage, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy(
        "Lister les fiches (publiées, et les brouillons de vos organisations si vous les demandez)"
    ),
)
def entry_index(
    request: HttpRequest,
    kind: list[str] = Query([], max_length=20),  # noqa: B008
    theme: list[str] = Query([], max_length=20),  # noqa: B008
    organisation: list[str] = Query([], max_length=20),  # noqa: B008
    licence: list[str] = Query([], max_length=20),  # noqa: B008
    status: list[str] = Query(  # noqa: B008
        [],
        max_length=4,
        description="draft, submitted, published, archived (non-published: your organisations')",
    ),
    territory: str = Query("", max_length=60, description="Typed code, e.g. departement:84"),
    q: str = Query("", max_length=200, description="Words in the title or summary"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
) -> Any:
    known_kinds = {spec.slug for spec in kind_all()}
    known_themes = {slug for slug, _l, _e in THEMES}
    for field, values, ok in (
        ("kind", kind, lambda v: v in known_kinds),
        ("theme", theme, lambda v: v in known_themes),
        ("licence", licence, lambda v: licence_get(v) is not None),
        ("status", status, lambda v: v in Status.values),
    ):
        for value in values:
            if not ok(value):
                raise _unknown(field, value)
    filters = EntryFilters(
        kinds=kind,
        themes=theme,
        organisations=[o[:100] for o in organisation],
        licences=licence,
        statuses=status,
        text=q,
    )
    if territory:
        try:
            filters.territory = _territory(territory, "territory")
        except ValidationError as error:
            raise _unknown("territory", territory) from error
    qs = entry_list(user=request.user, filters=filters).prefetch_related("themes")
    result = page_of(qs, page=page, page_size=page_size)
    result["data"] = [entry_summary(request, e) for e in result["data"]]
    return result


def visible_entry(request: HttpRequest, slug: str) -> Entry:
    entry, moved_to = entry_get(user=request.user, slug=slug[:120])
    if moved_to:
        raise Problem(
            404,
            "moved",
            _("Cette fiche a changé d'adresse : %(s)s.") % {"s": moved_to},
            title=_("Fiche déplacée"),
            moved_to=moved_to,
            headers={"Location": f"/api/1/entries/{moved_to}"},
        )
    if entry is None:
        raise Problem(404, "not-found", _("Aucune fiche à cette adresse."), title=_("Introuvable"))
    return entry


@router.get(
    "/entries/{slug}",
    response={200: EntryOut, 301: None, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy("Une fiche, avec les champs de sa nature et ses fichiers"),
)
def entry_read(request: HttpRequest, slug: str) -> Any:
    try:
        entry = visible_entry(request, slug)
    except Problem as problem:
        if problem.slug == "moved":
            response = HttpResponse(status=301)
            response["Location"] = problem.headers["Location"]
            return response
        raise
    return entry_full(request, entry)


def _territories(codes: list[str]) -> list[Territory]:
    return [_territory(code, "territories") for code in codes]


def _detail_in(kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    spec = kind_get(kind)
    if spec is None:
        return detail
    out: dict[str, Any] = {}
    for name, value in detail.items():
        if name not in spec.form_fields:
            raise ValidationError(
                {
                    "detail": _(
                        "Champ inconnu pour la nature « %(k)s » : « %(f)s » (champs : %(a)s)."
                    )
                    % {"k": kind, "f": name[:60], "a": ", ".join(spec.form_fields)}
                }
            )
        field: Any = spec.detail_model._meta.get_field(name)
        if name in spec.file_fields:
            raise ValidationError(
                {
                    f"detail.{name}": _(
                        "Les fichiers ne s'envoient pas en JSON : utilisez le formulaire web."
                    )
                }
            )
        if value is None and not field.null:
            value = "" if field.empty_strings_allowed else value
        elif value is not None:
            try:  # a date given as `true` or `5` must be a 422, not a TypeError later
                field.to_python(value)
            except (TypeError, ValueError, OverflowError) as exc:
                raise ValidationError(
                    {f"detail.{name}": _("Valeur invalide pour ce champ.")}
                ) from exc
        out[name] = value
    return out


def _writer_organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug[:100]).first()
    if organisation is None:
        raise ValidationError(
            {"organisation": _("Organisation inconnue : « %(o)s ».") % {"o": slug[:60]}}
        )
    return organisation


@router.post(
    "/entries",
    response={201: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy(
        "Créer une fiche en brouillon (agents et administrateurs de l'organisation)"
    ),
)
def entry_create(request: HttpRequest, payload: EntryCreateIn) -> Any:
    check_text(payload.model_dump(), "body")
    organisation = _writer_organisation(request, payload.organisation)
    if not can(request.user, Action.ENTRY_CREATE, organisation):
        raise Problem(
            403,
            "forbidden",
            _("Vous n'écrivez pas pour l'organisation « %(o)s ».") % {"o": organisation.slug},
            title=_("Action non autorisée"),
        )
    if kind_get(payload.kind) is None:
        raise ValidationError(
            {
                "kind": _("Nature de fiche inconnue : « %(k)s » (natures : %(a)s).")
                % {"k": payload.kind[:32], "a": ", ".join(s.slug for s in kind_all())}
            }
        )
    entry = services.entry_create(
        by=request.user,  # type: ignore[arg-type]
        organisation=organisation,
        kind=payload.kind,
        title=payload.title,
        summary=payload.summary,
        licence=payload.licence,
        body=payload.body,
        slug=payload.slug,
        territories=_territories(payload.territories),
        themes=payload.themes,
        keywords=payload.keywords,
        detail=_detail_in(payload.kind, payload.detail),
    )
    entry = visible_entry(request, entry.slug)
    return Reply(201, entry_full(request, entry))


@router.patch(
    "/entries/{slug}",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy("Modifier une fiche (seulement les champs envoyés)"),
)
def entry_update(request: HttpRequest, slug: str, payload: EntryUpdateIn) -> Any:
    entry = _editable(request, slug)
    changes = payload.model_dump(exclude_unset=True)
    check_text(changes, "body")
    for name, value in changes.items():
        if value is None:
            raise ValidationError({name: _("Valeur nulle refusée.")})
    territories = changes.pop("territories", None)
    themes = changes.pop("themes", None)
    detail = changes.pop("detail", None)
    comment = changes.pop("comment", "")
    saved = services.entry_update(
        entry=entry,
        by=request.user,  # type: ignore[arg-type]
        territories=_territories(territories) if territories is not None else None,
        themes=themes,
        detail=_detail_in(entry.kind, detail) if detail is not None else None,
        comment=comment,
        **changes,
    )
    return entry_full(request, visible_entry(request, saved.slug))


def _transition(request: HttpRequest, slug: str, action: str, **extra: Any) -> Any:
    entry = visible_entry(request, slug)
    user: Any = request.user
    functions: dict[str, tuple[Callable[..., Entry], Action]] = {
        "submit": (services.entry_submit, Action.ENTRY_SUBMIT),
        "publish": (services.entry_publish, Action.ENTRY_PUBLISH),
        "archive": (services.entry_archive, Action.ENTRY_ARCHIVE),
        "reject": (services.entry_reject, Action.ENTRY_REJECT),
    }
    function, permission = functions[action]
    if not can(user, permission, entry):
        raise Problem(
            403,
            "forbidden",
            _("Action « %(a)s » impossible sur cette fiche (statut « %(s)s ») avec vos rôles.")
            % {"a": action, "s": entry.status},
            title=_("Action non autorisée"),
            entry_status=entry.status,
        )
    saved = function(entry=entry, by=user, **extra)
    return entry_full(request, visible_entry(request, saved.slug))


@router.post(
    "/entries/{slug}/submit",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy(
        "Soumettre un brouillon (aux élus quand l'organisation demande une validation)"
    ),
)
def entry_submit(request: HttpRequest, slug: str) -> Any:
    return _transition(request, slug, "submit")


@router.post(
    "/entries/{slug}/publish",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy(
        "Publier (les élus là où une validation est demandée, sinon agents et administrateurs)"
    ),
)
def entry_publish(request: HttpRequest, slug: str) -> Any:
    return _transition(request, slug, "publish")


@router.post(
    "/entries/{slug}/archive",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy("Archiver une fiche publiée"),
)
def entry_archive(request: HttpRequest, slug: str) -> Any:
    return _transition(request, slug, "archive")


@router.post(
    "/entries/{slug}/reject",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy("Renvoyer une fiche soumise à ses auteurs, en disant pourquoi (élus)"),
)
def entry_reject(request: HttpRequest, slug: str, payload: RejectIn) -> Any:
    check_text(payload.comment, "comment")
    return _transition(request, slug, "reject", comment=payload.comment)


@router.post(
    "/entries/{slug}/distributions",
    response={201: DistributionOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy("Ajouter un fichier (multipart) ou un lien à un jeu de données"),
)
def distribution_create(
    request: HttpRequest,
    slug: str,
    title: Form[str] = "",
    url: Form[str] = "",
    description: Form[str] = "",
    format: Form[str] = "",
    file: File[UploadedFile] = None,  # type: ignore[assignment]
) -> Any:
    _refuse_too_large(request)
    entry = _editable(request, slug)
    for name, value in (
        ("title", title),
        ("url", url),
        ("description", description),
        ("format", format),
    ):
        check_text(value, name)
    distribution = services.distribution_add(
        entry=entry,
        by=request.user,  # type: ignore[arg-type]
        title=title[:200],
        file=file,
        url=url,
        description=description[:10_000],
        format=format[:20],
    )
    return Reply(201, distribution_out(request, distribution))


def _editable(request: HttpRequest, slug: str) -> Entry:
    """The entry, if the acting user may change it (else a 403 problem)."""
    entry = visible_entry(request, slug)
    if can(request.user, Action.ENTRY_PROPOSE, entry):
        raise Problem(
            403,
            "approval-required",
            _(
                "Cette fiche publiée ne change qu'après la validation d'un élu de son "
                "organisation : proposez la modification depuis la page de la fiche."
            ),
            title=_("Validation par un élu requise"),
        )
    if not can(request.user, Action.ENTRY_EDIT, entry):
        raise Problem(
            403,
            "forbidden",
            _("Vous ne pouvez pas modifier cette fiche."),
            title=_("Action non autorisée"),
        )
    return entry


def _refuse_too_large(request: HttpRequest) -> None:
    """A 413 problem when the request's file went over the upload limit."""
    refused = upload_refused(request)
    if refused:
        raise Problem(
            413,
            "file-too-large",
            _("Le fichier « %(n)s » dépasse la taille maximale : rien n'a été enregistré.")
            % {"n": refused[:100]},
            title=_("Fichier trop volumineux"),
        )


def _kit_item(request: HttpRequest, slug: str, index: int) -> Entry:
    """A published entry, read as the acting user (an old slug follows its move)."""
    found = entry_get_followed(user=request.user, slug=slug.strip()[:120])
    if found is None or found.status != Status.PUBLISHED:
        raise ValidationError(
            {
                f"items[{index}].entry": _("Aucune fiche publiée ne porte l'identifiant « %(s)s ».")
                % {"s": slug[:80]}
            }
        )
    return found


@router.put(
    "/entries/{slug}/items",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy(
        "Remplacer les fiches d'un kit (toute la liste ordonnée, avec des notes facultatives)"
    ),
)
def kit_items_replace(request: HttpRequest, slug: str, payload: KitItemsIn) -> Any:
    entry = _editable(request, slug)
    check_text(payload.model_dump(), "items")
    if entry.kind != "kit":
        raise ValidationError({"items": _("Seuls les kits contiennent d'autres fiches.")})
    items = [
        (_kit_item(request, item.entry, index), item.note)
        for index, item in enumerate(payload.items)
    ]
    saved = services.kit_set_items(
        entry=entry,
        by=request.user,  # type: ignore[arg-type]
        items=items,
    )
    return entry_full(request, visible_entry(request, saved.slug))


def _document_field(entry: Entry) -> str:
    """The kind's own file field (a study's `document`), or a 422 problem."""
    spec = kind_get(entry.kind)
    if spec is not None and "document" in spec.form_fields and "document" in spec.file_fields:
        return "document"
    raise ValidationError(
        {"document": _("Les fiches de nature « %(k)s » n'ont pas de document.") % {"k": entry.kind}}
    )


@router.post(
    "/entries/{slug}/document",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy(
        "Envoyer le document d'une étude (multipart `file`) ; il remplace le précédent"
    ),
)
def document_upload(
    request: HttpRequest,
    slug: str,
    file: File[UploadedFile] = None,  # type: ignore[assignment]
) -> Any:
    _refuse_too_large(request)
    entry = _editable(request, slug)
    if file is None:
        raise ValidationError({"file": _("Envoyez le document dans le champ « file ».")})
    check_text(file.name or "", "file")
    name = _document_field(entry)
    saved = services.entry_update(
        entry=entry,
        by=request.user,  # type: ignore[arg-type]
        detail={name: file},
        comment=_("Nouveau document « %(n)s »") % {"n": (file.name or "")[:100]},
    )
    return entry_full(request, visible_entry(request, saved.slug))


@router.delete(
    "/entries/{slug}/document",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary=gettext_lazy("Retirer le document d'une étude (son adresse, `document_url`, reste)"),
)
def document_remove(request: HttpRequest, slug: str) -> Any:
    entry = _editable(request, slug)
    name = _document_field(entry)
    saved = services.entry_update(
        entry=entry,
        by=request.user,  # type: ignore[arg-type]
        detail={name: False},
        comment=_("Document retiré"),
    )
    return entry_full(request, visible_entry(request, saved.slug))

"""The public journal's records (read-only), newest first."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from region27.accounts.models import Organisation
from region27.api.v1.auth import READ_AUTH
from region27.api.v1.common import MAX_PAGE, MAX_PAGE_SIZE, READ_ERRORS, gettext_lazy
from region27.api.v1.problems import Problem
from region27.api.v1.schemas import JournalPage, JournalRecordOut
from region27.api.v1.serialize import page_of
from region27.catalog.selectors import entries_visible_to
from region27.journal import selectors as journal_selectors
from region27.journal.models import Record
from region27.journal.registry import is_entry_kind

router = Router(tags=["journal"])


def _records_out(request: HttpRequest, records: list[Record]) -> list[dict[str, Any]]:
    entry_ids = {r.object_id for r in records if is_entry_kind(r.kind)}
    visible = dict(
        entries_visible_to(request.user).filter(pk__in=entry_ids).values_list("pk", "slug")
    )
    org_ids = {r.organisation_id for r in records if r.organisation_id is not None}
    org_slugs = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "slug"))
    labels = journal_selectors.actor_labels(
        refs={r.actor for r in records}, roles={r.actor: r.role for r in records}
    )
    return [
        {
            "seq": r.seq,
            "time": r.time,
            "action": r.action,
            "kind": r.kind,
            "object_id": r.object_id,
            "object_version": r.object_version,
            "content_hash": r.content_hash,
            "actor": labels.get(r.actor, r.actor),
            "role": r.role,
            "organisation": org_slugs.get(r.organisation_id or 0),
            "entry": visible.get(r.object_id) if is_entry_kind(r.kind) else None,
            "leaf_hash": base64.b64encode(bytes(r.leaf_hash)).decode(),
            "url": request.build_absolute_uri(f"/journal/{r.seq}/"),
        }
        for r in records
    ]


@router.get(
    "/journal",
    response={200: JournalPage, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy("Les enregistrements du journal public, du plus récent au plus ancien"),
)
def journal_index(
    request: HttpRequest,
    organisation: str = Query("", max_length=100, description="Organisation slug"),
    kind: str = Query("", max_length=32),
    action: str = Query("", max_length=32),
    since: dt.date | None = Query(None),  # noqa: B008
    until: dt.date | None = Query(None),  # noqa: B008
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> Any:
    org_id = None
    if organisation:
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise Problem(
                422,
                "invalid-parameters",
                _("Organisation inconnue : « %(o)s ».") % {"o": organisation[:60]},
                title=_("Paramètres invalides"),
            )
        org_id = org.pk
    records = journal_selectors.record_list(
        user=request.user, organisation=org_id, kind=kind, action=action, since=since, until=until
    )
    result = page_of(records, page=page, page_size=page_size)
    result["data"] = _records_out(request, result["data"])
    return result


@router.get(
    "/journal/{seq}",
    response={200: JournalRecordOut, **READ_ERRORS},
    auth=READ_AUTH,
    summary=gettext_lazy("Un enregistrement du journal"),
)
def journal_read(request: HttpRequest, seq: int) -> Any:
    record = Record.objects.defer("leaf").filter(seq=seq).first() if 0 <= seq < 2**62 else None
    if record is None:
        raise Problem(
            404, "not-found", _("Cet enregistrement n'existe pas."), title=_("Introuvable")
        )
    return _records_out(request, [record])[0]

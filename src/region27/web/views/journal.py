"""The public journal: its pages (French) and its fixed machine endpoints (English)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from region27.accounts.models import Organisation
from region27.journal import keys
from region27.journal import selectors as journal_selectors
from region27.journal.models import Cosignature, Record, SigningKey
from region27.journal.registry import HOOKS, journaled_kinds
from region27.journal.services import checkpoint_latest
from region27.territories.models import Territory
from region27.territories.selectors import territory_parse_typed
from region27.web.views.common import paginate, querystring_without

TEXT = "text/plain; charset=utf-8"


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _int(request: HttpRequest, name: str, *, required: bool = True) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        if required:
            raise ValueError(f"missing parameter '{name}'")
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ValueError(f"parameter '{name}' must be a non-negative integer")
    return int(raw)


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint, with the cosignatures witnesses made of it."""
    latest = checkpoint_latest()
    lines = Cosignature.objects.filter(
        direction=Cosignature.RECEIVED, size=latest.size, root_hash=latest.root_hash
    ).values_list("signature_line", flat=True)
    note = latest.note + "".join(f"{line}\n" for line in lines)
    return _cors(HttpResponse(note, content_type=TEXT))


@require_GET
def key(request: HttpRequest) -> HttpResponse:
    return _cors(HttpResponse(keys.signer().verifier.vkey + "\n", content_type=TEXT))


@require_GET
def key_history(request: HttpRequest) -> HttpResponse:
    lines = [
        f"{k.first_used.isoformat()} {k.vkey}" for k in SigningKey.objects.order_by("first_used")
    ]
    return _cors(HttpResponse("".join(f"{line}\n" for line in lines), content_type=TEXT))


@require_GET
def entries(request: HttpRequest) -> HttpResponse:
    try:
        start, end = _int(request, "start"), _int(request, "end")
        assert start is not None and end is not None
        leaves = journal_selectors.entries(start=start, end=end)
    except ValueError as exc:
        return _bad(str(exc))
    return _cors(JsonResponse({"start": start, "entries": leaves}))


@require_GET
def proof_inclusion(request: HttpRequest) -> HttpResponse:
    try:
        index, size = _int(request, "index"), _int(request, "size")
        assert index is not None and size is not None
        proof = journal_selectors.inclusion(index=index, size=size)
    except ValueError as exc:
        return _bad(str(exc))
    return _cors(
        JsonResponse(
            {
                "index": proof["index"],
                "size": proof["size"],
                "leaf_hash": _b64(proof["leaf_hash"]),
                "hashes": [_b64(h) for h in proof["hashes"]],
                "root_hash": _b64(proof["root"]),
            }
        )
    )


@require_GET
def proof_consistency(request: HttpRequest) -> HttpResponse:
    try:
        first, second = _int(request, "from"), _int(request, "to")
        assert first is not None and second is not None
        proof = journal_selectors.consistency(first=first, second=second)
    except ValueError as exc:
        return _bad(str(exc))
    return _cors(
        JsonResponse(
            {
                "from": proof["from"],
                "to": proof["to"],
                "hashes": [_b64(h) for h in proof["hashes"]],
                "from_root_hash": _b64(proof["first_root"]),
                "to_root_hash": _b64(proof["second_root"]),
            }
        )
    )


def _cosignature_json(c: Cosignature) -> dict[str, Any]:
    return {
        "origin": c.origin,
        "size": c.size,
        "root_hash": _b64(bytes(c.root_hash)),
        "witness": c.witness,
        "witness_key": c.witness_vkey,
        "timestamp": c.timestamp,
        "line": c.signature_line,
    }


@require_GET
def cosignatures(request: HttpRequest) -> HttpResponse:
    """The cosignatures this instance made (as a witness) and received (on its log)."""
    made = journal_selectors.cosignatures(direction=Cosignature.MADE)[:1000]
    received = journal_selectors.cosignatures(direction=Cosignature.RECEIVED)[:1000]
    return _cors(
        JsonResponse(
            {
                "origin": keys.origin(),
                "made": [_cosignature_json(c) for c in made],
                "received": [_cosignature_json(c) for c in received],
                "peers": [
                    {
                        "origin": p.origin,
                        "url": p.url,
                        "size": p.size,
                        "fork_detected": p.fork_detected,
                    }
                    for p in journal_selectors.peers()
                ],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    )


# Pages -------------------------------------------------------------------------


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _kind_labels() -> dict[str, Any]:
    return {kind: spec.label for kind, spec in journaled_kinds().items()}


def _decorate(request: HttpRequest, records: list[Record]) -> list[dict[str, Any]]:
    """What a row shows: the object if the user may see it (each kind's registry entry
    decides), the organisation when the record names one (a sealed record does not)."""
    subjects: dict[str, dict[int, Any]] = {}
    for kind, spec in journaled_kinds().items():
        ids = {r.object_id for r in records if r.kind == kind}
        if ids and spec.visible is not None:
            subjects[kind] = spec.visible(request.user, ids)
    org_ids = {r.organisation_id for r in records if r.organisation_id is not None}
    organisations = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids)}
    labels = journal_selectors.actor_labels(
        refs={r.actor for r in records}, roles={r.actor: r.role for r in records}
    )
    kinds = _kind_labels()
    actions = HOOKS.action_labels()
    rows = []
    for record in records:
        subject = subjects.get(record.kind, {}).get(record.object_id)
        rows.append(
            {
                "record": record,
                "subject": subject,
                "kind_label": kinds.get(record.kind, record.kind),
                "action_label": actions.get(record.action, record.action),
                "organisation": organisations.get(record.organisation_id or 0),
                "actor": labels.get(record.actor, record.actor),
                # The platform acts in no role of its own: « La plateforme », said once.
                "role": journal_selectors.role_label(record.role)
                if record.role and record.role != record.actor
                else "",
            }
        )
    return rows


@dataclass
class JournalFilters:
    """The filters of /journal/ and of its Atom feed, read from a query string."""

    organisation: Organisation | None = None
    territory: Territory | None = None
    kind: str = ""
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    errors: list[str] = field(default_factory=list)
    # As typed, to fill the form again.
    typed: dict[str, str] = field(default_factory=dict)

    def records(self, user: Any) -> QuerySet[Record]:
        """The records these filters select (none when a filter could not be read)."""
        records = journal_selectors.record_list(
            user=user,
            organisation=self.organisation.pk if self.organisation else None,
            territory=self.territory,
            kind=self.kind,
            action=self.action,
            since=self.since,
            until=self.until,
        )
        return records.none() if self.errors else records


def journal_filters(query: QueryDict) -> JournalFilters:
    """Read the filters; each one that cannot be read adds a message in French."""
    typed = {
        name: query.get(name, "").strip()[:100]
        for name in ("organisation", "territory", "kind", "action", "since", "until")
    }
    filters = JournalFilters(kind=typed["kind"][:32], action=typed["action"][:32], typed=typed)
    if typed["organisation"]:
        filters.organisation = Organisation.objects.filter(slug=typed["organisation"]).first()
        if filters.organisation is None:
            filters.errors.append(_("Organisation inconnue."))
    if typed["territory"]:
        try:
            level, code = territory_parse_typed(typed["territory"])
        except ValueError as exc:
            filters.errors.append(str(exc))
        else:
            filters.territory = Territory.objects.filter(level=level, code=code).first()
            if filters.territory is None:
                filters.errors.append(_("Territoire inconnu."))
    filters.since, filters.until = _date(typed["since"]), _date(typed["until"])
    if (typed["since"] and filters.since is None) or (typed["until"] and filters.until is None):
        filters.errors.append(_("Date mal écrite : utilisez le format AAAA-MM-JJ."))
    return filters


def journal_list(request: HttpRequest) -> HttpResponse:
    filters = journal_filters(request.GET)
    errors = filters.errors
    records = filters.records(request.user)
    page = paginate(request, records, per_page=50)
    return render(
        request,
        "journal/list.html",
        {
            "page": page,
            "rows": _decorate(request, list(page.object_list)),
            "errors": errors,
            "organisations": Organisation.objects.order_by("name").only("slug", "name"),
            "kinds": sorted(_kind_labels().items(), key=lambda kv: str(kv[1])),
            "actions": sorted(HOOKS.action_labels().items(), key=lambda kv: str(kv[1])),
            "filters": filters.typed,
            "querystring": querystring_without(request, "page"),
            "size": journal_selectors.tree_size(),
            "nav": "journal",
        },
    )


def journal_record(request: HttpRequest, seq: int) -> HttpResponse:
    record = Record.objects.filter(seq=seq).first()
    if record is None:
        raise Http404(_("Cet enregistrement n'existe pas."))
    latest = checkpoint_latest()
    try:
        hashes = journal_selectors.inclusion(index=seq, size=latest.size)["hashes"]
    except ValueError:  # not yet covered by a signed checkpoint
        hashes = None
    leaf = json.loads(record.leaf)
    opening = None
    if record.organisation_commitment:
        opening = journal_selectors.authorship_opening(
            user=request.user, commitment=record.organisation_commitment
        )
    return render(
        request,
        "journal/record.html",
        {
            "row": _decorate(request, [record])[0],
            "opening": opening,
            "leaf_pretty": json.dumps(leaf, ensure_ascii=False, indent=2),
            "leaf_hash": _b64(bytes(record.leaf_hash)),
            "hashes": [_b64(h) for h in hashes] if hashes is not None else None,
            "checkpoint": latest,
            "nav": "journal",
        },
    )


def witnesses(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "journal/witnesses.html",
        {
            "origin": keys.origin(),
            "vkey": keys.signer().verifier.vkey,
            "made": journal_selectors.cosignatures(direction=Cosignature.MADE)[:100],
            "received": journal_selectors.cosignatures(direction=Cosignature.RECEIVED)[:100],
            "peers": journal_selectors.peers(),
            "nav": "journal",
        },
    )

"""The CKAN actions region27 answers, read-only, for anonymous clients.

Each action takes the request's data dictionary and returns the `result`; problems
are raised as `CkanError` subclasses that carry CKAN's `__type` and HTTP code.
Only entries of kind `dataset` are packages; themes are groups.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from region27.accounts.models import Organisation
from region27.api.ckan import dicts
from region27.api.ckan.query import QueryError, parse
from region27.api.ckan.search import evaluate
from region27.api.dcat.ids import looks_like_id, pk_from_public_id
from region27.catalog.models import Entry, Status, Theme
from region27.catalog.selectors import entries_visible_to
from region27.search.ckan import ckan_datasets

MAX_ROWS = 1000
DEFAULT_ROWS = 10
DEFAULT_FACET_LIMIT = 50
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id")


class CkanError(Exception):
    status = 400
    type_name = "Bad request"

    def __init__(self, message: str = "", fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"__type": self.type_name}
        if self.message:
            error["message"] = self.message
        error.update(self.fields)
        return error


class BadRequest(CkanError):
    def as_dict(self) -> dict[str, Any]:
        return {"__type": "Bad request", "message": f"Bad request - {self.message}"}


class NotFound(CkanError):
    status = 404
    type_name = "Not Found Error"


class NotAuthorized(CkanError):
    status = 403
    type_name = "Authorization Error"


class ValidationError(CkanError):
    status = 409
    type_name = "Validation Error"


class SearchQueryError(CkanError):
    status = 409
    type_name = "Search Query Error"


# --- parameter helpers ---------------------------------------------------------------


MAX_NATURAL = 2**31 - 1


def _natural(data: dict[str, Any], key: str, default: int, *, maximum: int | None = None) -> int:
    raw = data.get(key, default)
    if raw in (None, ""):
        return default
    try:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except (TypeError, ValueError):
        raise ValidationError(fields={key: ["Invalid integer"]}) from None
    if value < 0:
        raise ValidationError(fields={key: ["Must be a natural number"]})
    # Beyond what any database integer holds, an offset or a limit means "all of it".
    return min(value, maximum if maximum is not None else MAX_NATURAL)


def _bool(data: dict[str, Any], key: str, default: bool = False) -> bool:
    raw = data.get(key, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ValidationError(fields={key: ["Value must be one of: true, false"]})


def _text(data: dict[str, Any], key: str, default: str = "") -> str:
    raw = data.get(key, default)
    if raw is None:
        return default
    if isinstance(raw, dict | list):
        raise ValidationError(fields={key: ["Must be a string"]})
    if "\x00" in str(raw):
        raise ValidationError(fields={key: ["Must not contain NUL characters"]})
    return str(raw)


def _required_id(data: dict[str, Any]) -> str:
    value = _text(data, "id") or _text(data, "name")
    if not value.strip():
        raise ValidationError(fields={"id": ["Missing value"]})
    return value.strip()[:200]


def _list(data: dict[str, Any], key: str) -> list[str] | None:
    raw = data.get(key)
    if raw in (None, ""):
        return None
    if isinstance(raw, str):
        if not raw.lstrip().startswith("["):
            raw = [raw.strip()]
        else:
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise ValidationError(fields={key: ["Must be a JSON list"]}) from None
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ValidationError(fields={key: ["Must be a list of strings"]})
    return raw


# --- packages ------------------------------------------------------------------------


def datasets() -> QuerySet[Entry]:
    """The public datasets: `entries_visible_to` decides what an anonymous visitor sees.

    No relation is joined here, so no DISTINCT is needed: counts, facets and pages over
    100,000 entries stay cheap.
    """
    return (
        entries_visible_to(AnonymousUser())
        .filter(kind="dataset", status=Status.PUBLISHED)
        .select_related("organisation")
    )


def _find_dataset(value: str) -> Entry:
    qs = datasets()
    pk = pk_from_public_id("entry", value) if looks_like_id(value) else None
    found = qs.filter(pk=pk).first() if pk is not None else qs.filter(slug=value).first()
    if found is None:
        raise NotFound("Not found")
    return dicts.package_queryset(Entry.objects.filter(pk=found.pk)).get()


def package_show(data: dict[str, Any]) -> dict[str, Any]:
    return dicts.package_dict(_find_dataset(_required_id(data)))


def package_list(data: dict[str, Any]) -> list[str]:
    limit = _natural(data, "limit", 0)
    offset = _natural(data, "offset", 0)
    names = datasets().order_by("slug").values_list("slug", flat=True)
    if limit:
        return list(names[offset : offset + limit])
    return list(names[offset:])


def current_package_list_with_resources(data: dict[str, Any]) -> list[dict[str, Any]]:
    limit = _natural(data, "limit", 100, maximum=MAX_ROWS) or 100
    offset = _natural(data, "offset", 0)
    page = dicts.package_queryset(datasets().order_by("-modified_at", "pk"))
    return [dicts.package_dict(e) for e in page[offset : offset + limit]]


SORTS = {
    "metadata_modified": "modified",
    "metadata_created": "created",
    "name": "name",
    "title_string": "title",
    "title": "title",
    "score": None,
    "views_recent": None,
    "views_total": None,
}


def _ordering(sort: str) -> list[tuple[str, bool]]:
    """(key of the index, descending) for each sort clause CKAN sent; `score` and the view
    counts are accepted and ignored (then newest first, as CKAN's default)."""
    ordering: list[tuple[str, bool]] = []
    for clause in sort.split(",")[:5]:
        parts = clause.split()
        if not parts:
            continue
        if len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
            raise SearchQueryError(f"Invalid sort: {clause.strip()[:60]!r}")
        if parts[0] not in SORTS:
            raise SearchQueryError(f"Cannot sort by field {parts[0][:40]!r}")
        key = SORTS[parts[0]]
        if key is None:
            continue
        descending = len(parts) == 1 or parts[1].lower() == "desc"
        if parts[0] in ("name", "title_string", "title") and len(parts) == 1:
            descending = False
        ordering.append((key, descending))
    return ordering


# CKAN facet field -> field of the index.
FACET_INDEX_FIELDS = {
    "organization": "organisation",
    "groups": "theme",
    "tags": "tag",
    "res_format": "format",
    "license_id": "licence",
}


def _facet_title(field: str, value: str, labels: dict[str, dict[str, str]]) -> str:
    return labels.get(field, {}).get(value, value)


def _facet_limit(data: dict[str, Any]) -> int:
    raw = data.get("facet.limit", DEFAULT_FACET_LIMIT)
    if isinstance(raw, bool | dict | list):
        raise ValidationError(fields={"facet.limit": ["Invalid integer"]})
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValidationError(fields={"facet.limit": ["Invalid integer"]}) from None


def package_search(data: dict[str, Any]) -> dict[str, Any]:
    """Search the published datasets: `q`, `fq`, `fq_list`, `rows`, `start`, `sort`,
    `facet`, `facet.field`, `facet.limit` (a subset of Solr's syntax, see docs/api.md)."""
    q = _text(data, "q")
    fq = _text(data, "fq")
    fq_list = _list(data, "fq_list") or []
    rows = _natural(data, "rows", DEFAULT_ROWS, maximum=MAX_ROWS)
    start = _natural(data, "start", 0)
    sort = _text(data, "sort") or "score desc, metadata_modified desc"
    facet = _bool(data, "facet", True)
    facet_fields = _list(data, "facet.field") or []
    facet_limit = _facet_limit(data)
    include_private = _bool(data, "include_private", False)  # accepted; nothing is private
    del include_private
    ordering = _ordering(sort)
    try:
        conditions = [parse(q.strip())] if q.strip() not in ("", "*:*") else []
        conditions += [parse(extra) for extra in [fq, *fq_list] if extra.strip()]
    except QueryError as exc:
        raise SearchQueryError(f"Search Query is invalid: {exc}") from None
    index = ckan_datasets()
    matched = index.everything()
    for condition in conditions:
        matched &= evaluate(condition, index)
    count = index.count(matched)
    results = []
    if rows and start < count:
        # Order in the index, then load only the page's entries in full.
        ids = [int(i) for i in index.ordered_ids(matched, ordering)[start : start + rows]]
        found = {e.pk: e for e in dicts.package_queryset(datasets().filter(pk__in=ids))}
        results = [dicts.package_dict(found[pk]) for pk in ids if pk in found]
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict[str, Any]] = {}
    if facet and facet_fields:
        counted: dict[str, list[tuple[str, int]]] = {}
        for field in dict.fromkeys(facet_fields[:10]):
            if field in FACET_INDEX_FIELDS:
                pairs = index.facet_counts(matched, FACET_INDEX_FIELDS[field])
                counted[field] = pairs if facet_limit < 0 else pairs[:facet_limit]
        labels = _facet_labels(counted.get("organization", []))
        for field in facet_fields[:10]:
            counts = counted.get(field, [])
            facets[field] = dict(counts)
            search_facets[field] = {
                "title": field,
                "items": [
                    {"name": v, "display_name": _facet_title(field, v, labels), "count": n}
                    for v, n in counts
                ],
            }
    return {
        "count": count,
        "sort": sort,
        "facets": facets,
        "search_facets": search_facets,
        "results": results,
    }


def _facet_labels(organisations: list[tuple[str, int]]) -> dict[str, dict[str, str]]:
    from region27.catalog.licences import LICENCES
    from region27.catalog.themes import THEMES

    slugs = [slug for slug, _n in organisations]
    return {
        "organization": dict(
            Organisation.objects.filter(slug__in=slugs).values_list("slug", "name")
        ),
        "groups": {slug: str(label) for slug, label, _eu in THEMES},
        "license_id": {lic.id: str(lic.title) for lic in LICENCES},
    }


# --- organizations, groups, tags -----------------------------------------------------


def _dataset_counts(field: str) -> dict[str, int]:
    """Published datasets per organisation, theme or tag (from the search index)."""
    index = ckan_datasets()
    return dict(index.facet_counts(index.everything(), field))


def _name_sort(data: dict[str, Any], default: str = "name asc") -> tuple[str, bool]:
    sort = (_text(data, "sort") or default).strip().lower()
    parts = sort.split()
    field = parts[0] if parts else "name"
    if field not in ("name", "title", "package_count"):
        raise ValidationError(fields={"sort": [f"Cannot sort by field `{field[:40]}`"]})
    return field, len(parts) > 1 and parts[1] == "desc"


def _sorted_page(items: list[dict[str, Any]], data: dict[str, Any]) -> list[dict[str, Any]]:
    field, descending = _name_sort(data)
    if field == "package_count":
        items.sort(key=lambda d: (int(d.get("package_count") or 0), d["name"]), reverse=descending)
    else:
        items.sort(key=lambda d: str(d[field]).lower(), reverse=descending)
    offset = _natural(data, "offset", 0)
    limit = _natural(data, "limit", 0, maximum=MAX_ROWS)
    return items[offset : offset + limit] if limit else items[offset:]


def _list_answer(items: list[dict[str, Any]], data: dict[str, Any]) -> list[Any]:
    """A list action's page: whole dictionaries with `all_fields`, else their names."""
    page = _sorted_page(items, data)
    if _bool(data, "all_fields", False):
        return page
    return [item["name"] for item in page]


def organization_list(data: dict[str, Any]) -> list[Any]:
    counts = _dataset_counts("organisation")
    wanted = _list(data, "organizations")
    orgs = Organisation.objects.order_by("slug")
    if wanted:
        orgs = orgs.filter(slug__in=wanted)
    items = [dicts.organization_dict(o, package_count=counts.get(o.slug, 0)) for o in orgs]
    return _list_answer(items, data)


def _find_organisation(value: str) -> Organisation:
    pk = pk_from_public_id("organisation", value) if looks_like_id(value) else None
    org = (
        Organisation.objects.filter(pk=pk).first()
        if pk is not None
        else Organisation.objects.filter(slug=value).first()
    )
    if org is None:
        raise NotFound("Organization was not found.")
    return org


def _with_datasets(result: dict[str, Any], own: Any, data: dict[str, Any]) -> dict[str, Any]:
    """An organisation's or group's dictionary, with its datasets when asked
    (`include_datasets`), and the empty `users` and `extras` CKAN clients expect."""
    if _bool(data, "include_datasets", False):
        packages = dicts.package_queryset(own.order_by("-modified_at", "pk"))[:MAX_ROWS]
        result["packages"] = [dicts.package_dict(e) for e in packages]
    result["users"] = []
    result["extras"] = []
    return result


def organization_show(data: dict[str, Any]) -> dict[str, Any]:
    org = _find_organisation(_required_id(data))
    own = datasets().filter(organisation=org)
    return _with_datasets(dicts.organization_dict(org, package_count=own.count()), own, data)


def group_list(data: dict[str, Any]) -> list[Any]:
    counts = _dataset_counts("theme")
    wanted = _list(data, "groups")
    themes = Theme.objects.order_by("position")
    if wanted:
        themes = themes.filter(slug__in=wanted)
    items = [dicts.group_dict(t, package_count=counts.get(t.slug, 0)) for t in themes]
    return _list_answer(items, data)


def group_show(data: dict[str, Any]) -> dict[str, Any]:
    value = _required_id(data)
    pk = pk_from_public_id("theme", value) if looks_like_id(value) else None
    theme = (
        Theme.objects.filter(pk=pk).first()
        if pk is not None
        else Theme.objects.filter(slug=value).first()
    )
    if theme is None:
        raise NotFound("Group was not found.")
    own = datasets().filter(
        pk__in=Entry.themes.through.objects.filter(theme=theme).values("entry_id")
    )
    return _with_datasets(dicts.group_dict(theme, package_count=own.count()), own, data)


def tag_list(data: dict[str, Any]) -> list[Any]:
    query = _text(data, "query").strip().lower()
    names = sorted(_dataset_counts("tag"))
    if query:
        names = [n for n in names if query in n.lower()]
    if _bool(data, "all_fields", False):
        return [dicts.tag_dict(n) for n in names]
    return names


def license_list(data: dict[str, Any]) -> list[dict[str, Any]]:
    return dicts.licences()


def status_show(data: dict[str, Any]) -> dict[str, Any]:
    return dicts.status()


def help_show(data: dict[str, Any]) -> str:
    name = _text(data, "name")
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(f"Action function not found: {name[:60]}")
    return (action.__doc__ or name).strip()


ACTIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "package_search": package_search,
    "package_show": package_show,
    "package_list": package_list,
    "current_package_list_with_resources": current_package_list_with_resources,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "license_list": license_list,
    "status_show": status_show,
    "help_show": help_show,
}

# CKAN write actions: known, but region27 publishes through its own forms and API.
WRITE_ACTIONS = frozenset(
    {
        "package_create",
        "package_update",
        "package_patch",
        "package_delete",
        "resource_create",
        "resource_update",
        "resource_patch",
        "resource_delete",
        "organization_create",
        "organization_update",
        "organization_delete",
        "group_create",
        "group_update",
        "group_delete",
        "tag_create",
    }
)

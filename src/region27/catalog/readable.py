"""Versions as people read them: French labels, formatted values, and what changed.

The history page, a version's page and the élu's review page show snapshots (the JSON
each version stores) through these functions; programs download the JSON itself.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from region27.catalog.kinds import kind_get
from region27.catalog.licences import licence_get
from region27.catalog.models import Status
from region27.catalog.themes import THEMES

LABELS: dict[str, Any] = {
    "kind": gettext_lazy("Nature"),
    "title": gettext_lazy("Titre"),
    "slug": gettext_lazy("Identifiant dans l'adresse"),
    "summary": gettext_lazy("Résumé"),
    "body": gettext_lazy("Description"),
    "organisation": gettext_lazy("Organisation"),
    "territories": gettext_lazy("Territoires couverts"),
    "themes": gettext_lazy("Thèmes"),
    "keywords": gettext_lazy("Mots-clés"),
    "licence": gettext_lazy("Licence"),
    "status": gettext_lazy("Statut"),
    "distributions": gettext_lazy("Fichiers et liens"),
    "items": gettext_lazy("Contenu du kit"),
}
ORDER = list(LABELS)
TEXTS = {"summary", "body"}


@dataclass
class FileRow:
    title: str
    url: str
    size: int | None
    checksum: str
    format: str
    change: str = ""  # "added", "removed", "changed" or ""

    @property
    def checksum_parts(self) -> list[str]:
        return chunks(self.checksum)


def chunks(value: str, size: int = 16) -> list[str]:
    """A long hash in pieces, so that a page can break it on a narrow screen."""
    return [value[i : i + size] for i in range(0, len(value), size)]


@dataclass
class Row:
    key: str
    label: Any
    value: Any = ""  # formatted (a string, or a list of strings)
    before: Any = ""
    segments: list[tuple[str, str]] = field(default_factory=list)  # text diff: (op, text)
    files: list[FileRow] = field(default_factory=list)


def _territory_names(codes: list[str]) -> list[str]:
    from region27.territories.models import Territory

    query = Q(pk__in=[])
    for code in codes:
        level, _sep, value = str(code).partition(":")
        query |= Q(level=level, code=value)
    names = {t.typed_code: t.name for t in Territory.objects.filter(query)} if codes else {}
    return [names.get(code, code) for code in codes]


def _theme_label(slug: str) -> str:
    for known, label, _eu in THEMES:
        if known == slug:
            return str(label)
    return slug


def _date(value: str) -> str | None:
    try:
        if "T" in value or len(value) > 10:
            return str(formats.date_format(dt.datetime.fromisoformat(value), "j F Y à H:i"))
        return str(formats.date_format(dt.date.fromisoformat(value), "j F Y"))
    except ValueError:
        return None


def _detail_value(kind: str, name: str, value: Any) -> Any:
    spec = kind_get(kind)
    model_field: Any = None
    if spec is not None:
        try:
            model_field = spec.detail_model._meta.get_field(name)
        except FieldDoesNotExist:  # a field the kind dropped since
            model_field = None
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if model_field is not None and getattr(model_field, "choices", None):
        return str(dict(model_field.choices).get(value, value))
    internal = model_field.get_internal_type() if model_field is not None else ""
    if internal in ("DateField", "DateTimeField") and isinstance(value, str):
        return _date(value) or value
    if internal == "DecimalField" or isinstance(value, Decimal):
        try:
            return formats.number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)
        except InvalidOperation:
            return str(value)
    if isinstance(value, int | float):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def _detail_label(kind: str, name: str) -> Any:
    spec = kind_get(kind)
    if spec is not None:
        try:
            found: Any = spec.detail_model._meta.get_field(name)
            label = str(found.verbose_name)
            return label[:1].upper() + label[1:]
        except FieldDoesNotExist:
            return name
    return name


def format_value(key: str, value: Any, kind: str = "") -> Any:
    """A snapshot's value as people read it."""
    if key == "licence":
        licence = licence_get(value or "")
        return str(licence.title) if licence else value
    if key == "territories":
        return _territory_names(list(value or [])) or "—"
    if key == "themes":
        return [_theme_label(v) for v in value or []] or "—"
    if key == "keywords":
        return ", ".join(value or []) or "—"
    if key == "status":
        try:
            return str(Status(value).label)
        except ValueError:
            return value
    if key == "kind":
        spec = kind_get(value)
        return str(spec.label) if spec else value
    if key == "organisation":
        from region27.accounts.models import Organisation

        found = Organisation.objects.filter(slug=value).first()
        return found.name if found else value
    if key == "items":
        return [f"{i.get('slug')}" + (f" — {i['note']}" if i.get("note") else "") for i in value]
    if key.startswith("detail."):
        return _detail_value(kind, key.split(".", 1)[1], value)
    return "—" if value in (None, "") else value


def _flatten(snapshot: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in snapshot.items() if k != "detail"}
    for name, value in (snapshot.get("detail") or {}).items():
        flat[f"detail.{name}"] = value
    return flat


def _label(key: str, kind: str) -> Any:
    if key.startswith("detail."):
        return _detail_label(kind, key.split(".", 1)[1])
    return LABELS.get(key, key)


def _keys(*snapshots: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for snapshot in snapshots:
        keys += [k for k in snapshot if k not in keys]
    return sorted(keys, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))


def _file_url(name: str) -> str:
    try:
        return str(default_storage.url(name)) if name else ""
    except Exception:
        return ""


def _file_row(item: dict[str, Any], change: str = "") -> FileRow:
    return FileRow(
        title=str(item.get("title", "")),
        url=_file_url(str(item.get("file") or "")) or str(item.get("url") or ""),
        size=item.get("size"),
        checksum=str(item.get("checksum") or ""),
        format=str(item.get("format") or ""),
        change=change,
    )


def text_segments(before: str, after: str) -> list[tuple[str, str]]:
    """A word-level diff: ("=", kept), ("-", removed), ("+", added) segments."""
    old, new = re.split(r"(\s+)", before or ""), re.split(r"(\s+)", after or "")
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("=", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            segments.append(("-", "".join(old[a1:a2])))
        if b2 > b1:
            segments.append(("+", "".join(new[b1:b2])))
    return [(op, text) for op, text in segments if text]


def snapshot_rows(snapshot: dict[str, Any], *, skip_empty: bool = False) -> list[Row]:
    """Every value of a snapshot, labelled and formatted (a version's page)."""
    kind = str(snapshot.get("kind", ""))
    flat = _flatten(snapshot)
    rows = []
    for key in _keys(flat):
        if skip_empty and flat[key] in (None, "", [], {}):
            continue
        if key == "distributions":
            rows.append(Row(key, _label(key, kind), files=[_file_row(d) for d in flat[key] or []]))
        else:
            rows.append(Row(key, _label(key, kind), value=format_value(key, flat[key], kind)))
    return rows


def changed_rows(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Row]:
    """What changed from `before` to `after` (every value given, when there is no `before`)."""
    if before is None:
        return snapshot_rows(after, skip_empty=True)
    kind = str(after.get("kind", ""))
    old, new = _flatten(before or {}), _flatten(after)
    rows = []
    for key in _keys(old, new):
        if old.get(key) == new.get(key):
            continue
        label = _label(key, kind)
        if key == "distributions":
            rows.append(Row(key, label, files=_file_changes(old.get(key), new.get(key))))
        elif key in TEXTS or (isinstance(new.get(key), str) and "\n" in new.get(key, "")):
            rows.append(
                Row(
                    key,
                    label,
                    value=new.get(key, ""),
                    before=old.get(key, ""),
                    segments=text_segments(str(old.get(key) or ""), str(new.get(key) or "")),
                )
            )
        else:
            rows.append(
                Row(
                    key,
                    label,
                    value=format_value(key, new.get(key), kind),
                    before=format_value(key, old.get(key), kind) if key in old else "—",
                )
            )
    return rows


def _file_changes(before: Any, after: Any) -> list[FileRow]:
    old = {d.get("uuid"): d for d in before or [] if isinstance(d, dict)}
    new = {d.get("uuid"): d for d in after or [] if isinstance(d, dict)}
    rows = [_file_row(d, "removed") for uuid, d in old.items() if uuid not in new]
    for uuid, item in new.items():
        if uuid not in old:
            rows.append(_file_row(item, "added"))
        elif old[uuid] != item:
            rows.append(_file_row(item, "changed"))
    return rows

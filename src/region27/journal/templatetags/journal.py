"""Template tags linking catalog pages to the journal."""

from __future__ import annotations

from typing import Any

from django import template

from region27.journal.models import Record
from region27.journal.registry import HOOKS
from region27.journal.selectors import records_for_entry, records_for_object

register = template.Library()


@register.simple_tag
def journal_records(entry: Any) -> dict[int, Record]:
    """`{% journal_records entry as records %}`: the record of each version, by number."""
    return records_for_entry(entry=entry)


@register.simple_tag
def journal_record_of(records: dict[int, Record], number: int) -> Record | None:
    """`{% journal_record_of records version.number as record %}`."""
    return records.get(number)


@register.inclusion_tag("journal/_object_history.html")
def journal_history(kind: str, object_id: int) -> dict[str, Any]:
    """`{% journal_history "indicator" indicator.pk %}`: the object's records, each linked
    to its page on the journal and its inclusion proof."""
    return {"records": records_for_object(kind=kind, object_id=object_id)}


@register.filter
def action_label(action: str) -> str:
    """The French label of a record's action (`publish` → « publication »)."""
    return str(HOOKS.action_labels().get(action, action))


@register.filter
def hexgroups(value: str) -> str:
    """A long hexadecimal string in groups of 16, so that it wraps on a narrow screen
    (`bytes.fromhex` reads it back with the spaces)."""
    text = str(value)
    return " ".join(text[i : i + 16] for i in range(0, len(text), 16))

"""Template tags linking catalog pages to the journal."""

from __future__ import annotations

from typing import Any

from django import template

from region27.journal.models import Record
from region27.journal.selectors import records_for_entry

register = template.Library()


@register.simple_tag
def journal_records(entry: Any) -> dict[int, Record]:
    """`{% journal_records entry as records %}`: the record of each version, by number."""
    return records_for_entry(entry=entry)


@register.simple_tag
def journal_record_of(records: dict[int, Record], number: int) -> Record | None:
    """`{% journal_record_of records version.number as record %}`."""
    return records.get(number)

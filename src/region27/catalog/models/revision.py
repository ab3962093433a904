"""A change proposed to a published entry, waiting for an élu of its organisation."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from region27.catalog.models.entry import Entry


class RevisionState(models.TextChoices):
    PENDING = "pending", _("en attente de validation")
    APPROVED = "approved", _("validée")
    REJECTED = "rejected", _("renvoyée aux agents")
    ABANDONED = "abandoned", _("abandonnée")


class EntryRevision(models.Model):
    """The changes agents propose to a published entry of an organisation whose élus
    validate: the public keeps seeing the approved entry until an élu approves them.

    `changes` holds the proposed content (`fields`: title, summary, body, licence,
    keywords, slug; `territories`: ids; `themes`: slugs; `detail`: the kind's fields,
    a file field as `{"file": stored name, "name", "size"}` or `false` to remove it;
    `kit`: `[[entry id, note], ...]`). `files` lists the operations on the dataset's
    distributions, in order: `{"op": "add" | "replace" | "remove", ...}` with the
    candidate file's stored name, size and checksum. One pending revision per entry:
    later edits update it.
    """

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="revisions")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(
        _("état"),
        max_length=16,
        choices=RevisionState.choices,
        default=RevisionState.PENDING,
        db_index=True,
    )
    changes = models.JSONField(default=dict, blank=True)
    files = models.JSONField(default=list, blank=True)
    comment = models.CharField(_("note des agents"), max_length=500, blank=True)
    reason = models.CharField(_("motif du renvoi"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("modification proposée")
        verbose_name_plural = _("modifications proposées")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(state="pending"),
                name="entry_revision_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=[c.value for c in RevisionState]),
                name="entry_revision_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} ({self.state})"

    @property
    def stored_files(self) -> list[str]:
        """Every candidate file this revision stored (deleted if it is not approved)."""
        names = [op.get("file") or "" for op in self.files if op.get("op") in ("add", "replace")]
        for value in (self.changes.get("detail") or {}).values():
            if isinstance(value, dict) and value.get("file"):
                names.append(value["file"])
        return [name for name in names if name]

    @property
    def digest(self) -> str:
        """What the proposal says, hashed: the review page sends it back with the élu's
        decision, so an élu approves only what they read."""
        from region27.core.hashing import canonical_json, sha256_hex

        return sha256_hex(canonical_json({"changes": self.changes, "files": self.files}))

    @property
    def is_pending(self) -> bool:
        return self.state == RevisionState.PENDING

    def file_op(self, key: str) -> dict[str, Any] | None:
        for op in self.files:
            if op.get("key") == key:
                return op
        return None

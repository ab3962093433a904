"""The public journal: records (Merkle leaves), stored subtrees, signed checkpoints,
the actor table that keeps names out of the leaves, and what witnesses saw.

`Record`, `Node` and `Checkpoint` are append-only: database triggers refuse UPDATE
and DELETE (see `journal.db`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

NODE_LEVEL_SHIFT = 48  # Node.key = level << 48 | index


class Actor(models.Model):
    """An opaque reference used in leaves; the name lives here and can be erased."""

    ref = models.CharField(max_length=32, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="journal_actor",
    )
    pseudonym = models.CharField(_("pseudonyme"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("auteur du journal")
        verbose_name_plural = _("auteurs du journal")

    def __str__(self) -> str:
        return self.pseudonym


class Record(models.Model):
    """One leaf. `leaf` is the canonical JSON that is hashed; the other columns copy it
    for filtering (and `verify` checks that they agree)."""

    seq = models.BigIntegerField(primary_key=True)
    time = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=32, db_index=True)
    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    object_version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    actor = models.CharField(max_length=32)
    organisation_id = models.BigIntegerField(null=True, db_index=True)
    # A sealed leaf's SHA-256(organisation id ‖ nonce), instead of the organisation id.
    # NULL, not "": leaves without a commitment keep their former shape, and a nullable
    # column without a default is added in place (no table rebuild past the triggers).
    organisation_commitment = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True
    )
    role = models.CharField(max_length=16, blank=True)
    leaf = models.TextField()
    leaf_hash = models.BinaryField(max_length=32)
    # Not in the leaf: where verify finds the object's stored history (EntryVersion pk).
    source_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("enregistrement du journal")
        verbose_name_plural = _("enregistrements du journal")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["kind", "object_id", "object_version"]),
            models.Index(fields=["source_id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.kind} {self.object_id} v{self.object_version}"


class SealedAuthorship(models.Model):
    """Private: the opening of a sealed object's commitment. Leaves of an object whose
    organisation chose not to be named (an anonymised failure report) carry
    `commitment` = SHA-256(organisation id as 8 bytes big-endian ‖ `nonce`) instead of
    the organisation id, `actor_ref` instead of the person's own reference, and a
    content hash keyed with `nonce`. Only the organisation's admins may read the opening
    (`journal.selectors.authorship_opening`); it is never shown publicly. Not
    append-only: erasing a row makes the commitment impossible to open (and the sealed
    records impossible for this instance to re-check)."""

    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField()
    nonce = models.BinaryField(max_length=32)
    commitment = models.CharField(max_length=64, unique=True)
    actor_ref = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("autorat scellé")
        verbose_name_plural = _("autorats scellés")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "organisation_id"], name="sealed_authorship_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} → {self.commitment[:12]}…"


class Node(models.Model):
    """The hash of a complete subtree of 2**level leaves (level >= 1)."""

    key = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("nœud de l'arbre")

    def __str__(self) -> str:
        return f"{self.key >> NODE_LEVEL_SHIFT}/{self.key & ((1 << NODE_LEVEL_SHIFT) - 1)}"


class Checkpoint(models.Model):
    """A signed note (C2SP signed-note + tlog-checkpoint) over the tree at `size`."""

    size = models.BigIntegerField(db_index=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()
    key_id = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size", "-pk"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class SigningKey(models.Model):
    """Every public key this instance has signed with (kept after a rotation)."""

    vkey = models.CharField(max_length=300, unique=True)
    key_id = models.CharField(max_length=8, db_index=True)
    first_used = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.vkey


class Peer(models.Model):
    """Another instance this one witnesses, and the last checkpoint it showed us."""

    url = models.URLField(unique=True)
    origin = models.CharField(max_length=200)
    vkey = models.CharField(max_length=300)
    size = models.BigIntegerField(default=0)
    root_hash = models.BinaryField(max_length=32, default=b"")
    note = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    fork_detected = models.BooleanField(default=False)
    fork_evidence = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.origin


class Cosignature(models.Model):
    """A cosignature (C2SP tlog-cosignature) this instance made, or received on its own log."""

    MADE = "made"
    RECEIVED = "received"
    direction = models.CharField(max_length=8, choices=[(MADE, MADE), (RECEIVED, RECEIVED)])
    origin = models.CharField(max_length=200)
    size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    witness = models.CharField(max_length=200)
    witness_vkey = models.CharField(max_length=300)
    timestamp = models.BigIntegerField()
    signature_line = models.CharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["direction", "origin", "size", "witness"], name="cosignature_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.witness} on {self.origin}@{self.size}"

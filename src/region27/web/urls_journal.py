"""Routes of the journal pages and endpoints (fixed paths: other programs rely on them)."""

from django.urls import URLPattern, path

from region27.web.views import journal

urlpatterns: list[URLPattern] = [
    path("journal/", journal.journal_list, name="journal"),
    path("journal/<int:seq>/", journal.journal_record, name="journal_record"),
    path("journal/checkpoint", journal.checkpoint, name="journal_checkpoint"),
    path("journal/key", journal.key, name="journal_key"),
    path("journal/keys", journal.key_history, name="journal_keys"),
    path("journal/entries", journal.entries, name="journal_entries"),
    path("journal/proof/inclusion", journal.proof_inclusion, name="journal_proof_inclusion"),
    path("journal/proof/consistency", journal.proof_consistency, name="journal_proof_consistency"),
    path("journal/cosignatures", journal.cosignatures, name="journal_cosignatures"),
    path("journal/temoins/", journal.witnesses, name="journal_witnesses"),
]

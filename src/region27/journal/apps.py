from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "region27.journal"
    label = "journal"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Journal public"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from region27.journal.db import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="region27_journal_switch")

        from region27.journal.registry import declare_private

        for model, reason in (
            ("journal.record", "the journal itself: checked leaf by leaf by verify"),
            ("journal.node", "the journal's stored subtrees: recomputed by verify"),
            ("journal.checkpoint", "signed notes over the journal: checked by verify"),
            ("journal.signingkey", "the journal's public keys: checked with the checkpoints"),
            ("journal.actor", "names behind the leaves' opaque references (erasable)"),
            ("journal.sealedauthorship", "private openings of sealed leaves' commitments"),
            ("journal.peer", "other instances this one witnesses (not content)"),
            ("journal.cosignature", "witness signatures, each verifiable by itself"),
        ):
            declare_private(model, reason)

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

        from django.utils.translation import gettext_lazy as _

        from region27.journal.registry import StateKind, register
        from region27.journal.services import (
            ORGANISATION_KIND,
            organisation_states,
            organisations_visible,
        )

        register(
            StateKind(
                ORGANISATION_KIND, _("Organisation"), organisation_states, organisations_visible
            )
        )

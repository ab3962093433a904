from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


def _pending_replacements(name: str) -> list[str]:
    """The replacement files waiting for a decision that use the stored file `name`."""
    from region27.validation.models import ValidationRun

    runs = ValidationRun.objects.filter(candidate=name, decision="").select_related(
        "distribution__entry"
    )
    return [
        _("remplacement en attente pour la fiche « %(e)s »") % {"e": run.distribution.entry.slug}
        for run in runs
    ]


def _unlink_purged(name: str) -> None:
    """Reports stop linking a purged file (a refused file kept for its report, say)."""
    from region27.validation.models import ValidationRun

    ValidationRun.objects.filter(candidate=name).update(candidate="")


def _release(distribution: Any) -> None:
    from region27.validation.services import distribution_files_release

    distribution_files_release(distribution=distribution)


class ValidationConfig(AppConfig):
    name = "region27.validation"
    label = "validation"
    verbose_name = _lazy("Référentiels et validation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from region27.catalog import hooks
        from region27.validation.kinds import register_schema_kind

        register_schema_kind()

        from region27.validation.journaled import register

        register()

        hooks.on_distribution_removed(_release)
        hooks.on_stored_file_uses(_pending_replacements)
        hooks.on_stored_file_purged(_unlink_purged)

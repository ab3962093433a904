from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValidationConfig(AppConfig):
    name = "region27.validation"
    label = "validation"
    verbose_name = _("Référentiels et validation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from region27.validation.kinds import register_schema_kind

        register_schema_kind()

        from region27.validation.journaled import register

        register()

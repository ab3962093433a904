from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "region27.evaluation"
    label = "evaluation"
    verbose_name = _("Expérimentations et évaluation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from region27.evaluation.kinds import register_experiment_kind

        register_experiment_kind()

        from region27.evaluation.journaled import register

        register()

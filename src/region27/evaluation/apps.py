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

        from region27.evaluation.snapshots import (
            EVALUATION_KIND,
            INDICATOR_KIND,
            evaluation_states,
            evaluations_visible,
            indicator_states,
            indicators_visible,
        )
        from region27.journal.registry import StateKind, register

        register(StateKind(INDICATOR_KIND, _("Indicateur"), indicator_states, indicators_visible))
        register(
            StateKind(EVALUATION_KIND, _("Évaluation"), evaluation_states, evaluations_visible)
        )

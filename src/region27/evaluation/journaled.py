"""What the public journal records of `evaluation`: the `experiment` kind (with its
phases) as catalog entries, and indicators and evaluations, which keep only their
current state (`evaluation/snapshots.py`). Registered from `EvaluationConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from region27.catalog.journaled import register_entry_kind
    from region27.evaluation.snapshots import (
        EVALUATION_KIND,
        INDICATOR_KIND,
        evaluation_states,
        evaluations_visible,
        indicator_states,
        indicators_visible,
    )
    from region27.journal.registry import JournaledKind
    from region27.journal.registry import register as journal_register

    register_entry_kind(
        "experiment", models=("evaluation.experimentdetail", "evaluation.experimentphase")
    )
    journal_register(
        JournaledKind(
            kind=INDICATOR_KIND,
            label=_("Indicateur"),
            states=indicator_states,
            models=("evaluation.indicator", "evaluation.indicatorvalue"),
            visible=indicators_visible,
        )
    )
    journal_register(
        JournaledKind(
            kind=EVALUATION_KIND,
            label=_("Évaluation"),
            states=evaluation_states,
            models=("evaluation.evaluation",),
            visible=evaluations_visible,
        )
    )

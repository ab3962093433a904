"""Every write of the evaluation app, one module per part:

- `records`: the public journal's records of indicators and evaluations;
- `indicators`: indicators and the import of their values;
- `experiments`: an experiment's phases and followed indicators;
- `evaluations`: evaluations, requested, run in the background and stored.

Callers import from `region27.evaluation.services`, which names every service.
"""

from region27.evaluation.services.evaluations import (
    RETRY_RESET,
    TREATED_POOLED,
    evaluation_create_from_panel,
    evaluation_execute,
    evaluation_give_up,
    evaluation_request,
)
from region27.evaluation.services.experiments import (
    experiment_phase_add,
    experiment_set_indicators,
)
from region27.evaluation.services.indicators import (
    IMPORT_BATCH,
    KEEP_REFUSED,
    REFUSAL_REASONS,
    ImportReport,
    RefusedRow,
    indicator_create,
    indicator_import_csv,
    indicator_import_distribution,
)

__all__ = [
    "IMPORT_BATCH",
    "KEEP_REFUSED",
    "REFUSAL_REASONS",
    "RETRY_RESET",
    "TREATED_POOLED",
    "ImportReport",
    "RefusedRow",
    "evaluation_create_from_panel",
    "evaluation_execute",
    "evaluation_give_up",
    "evaluation_request",
    "experiment_phase_add",
    "experiment_set_indicators",
    "indicator_create",
    "indicator_import_csv",
    "indicator_import_distribution",
]

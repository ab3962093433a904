"""Statistics engine for ex-post evaluation (numpy + scipy, no Django, pure functions).

Synthetic control (Abadie, Diamond & Hainmueller), its placebo inference, donor pools and
difference-in-differences (TWFE, event study, Callaway & Sant'Anna).
"""

from .did import (
    AggregateEffect,
    CSResult,
    EventStudyResult,
    GroupTimeATT,
    TWFEResult,
    callaway_santanna,
    cohorts_from_indicator,
    event_study,
    twfe,
)
from .donors import DonorPool, build_donor_pool
from .errors import EvaluationError, EvaluationWarning, PoorFitWarning, SpecificationWarning
from .inference import (
    InTimePlaceboResult,
    LeaveOneOutResult,
    PlaceboFit,
    PlaceboResult,
    in_space_placebos,
    in_time_placebo,
    leave_one_out,
)
from .panel import Panel, format_period
from .repro import RunRecord, json_finite, run_record, software_versions
from .simplex import simplex_least_squares
from .synth import (
    BalanceRow,
    Predictor,
    ReferenceComparison,
    SolverReport,
    SynthOptions,
    SynthResult,
    fit_synth,
)

__all__ = [
    "AggregateEffect",
    "BalanceRow",
    "CSResult",
    "DonorPool",
    "EvaluationError",
    "EvaluationWarning",
    "EventStudyResult",
    "GroupTimeATT",
    "InTimePlaceboResult",
    "LeaveOneOutResult",
    "Panel",
    "PlaceboFit",
    "PlaceboResult",
    "PoorFitWarning",
    "Predictor",
    "ReferenceComparison",
    "RunRecord",
    "SolverReport",
    "SpecificationWarning",
    "SynthOptions",
    "SynthResult",
    "TWFEResult",
    "build_donor_pool",
    "callaway_santanna",
    "cohorts_from_indicator",
    "event_study",
    "fit_synth",
    "format_period",
    "in_space_placebos",
    "in_time_placebo",
    "json_finite",
    "leave_one_out",
    "run_record",
    "simplex_least_squares",
    "software_versions",
    "twfe",
]

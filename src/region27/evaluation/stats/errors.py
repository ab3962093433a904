"""Errors and warnings of the evaluation engine.

Every error carries a stable English machine ``code`` and a French, user-facing ``message``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "EvaluationError",
    "EvaluationWarning",
    "PoorFitWarning",
    "SpecificationWarning",
]


class EvaluationError(ValueError):
    """Bad input or an estimation that cannot be carried out.

    ``code`` is a stable English identifier (e.g. ``"missing_values"``) for programs;
    ``message`` is a French sentence for people; ``details`` holds structured context.
    """

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details


class EvaluationWarning(UserWarning):
    """Base class for the engine's warnings (carries a machine ``code``)."""

    code = "evaluation_warning"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class PoorFitWarning(EvaluationWarning):
    """The synthetic unit does not reproduce the treated unit before treatment."""

    code = "poor_pre_treatment_fit"


class SpecificationWarning(EvaluationWarning):
    """The specification was adjusted or is fragile (e.g. few pre-treatment periods)."""

    code = "specification"

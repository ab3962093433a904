"""What the parts share: the engine's version, limits and error cap, and where a run's
complete list of errors is stored."""

from __future__ import annotations

from importlib import metadata

from django.conf import settings

from region27.validation.engine import Limits
from region27.validation.models import ValidationRun


def engine_version() -> str:
    try:
        return f"region27 {metadata.version('region27')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "region27"


def engine_limits() -> Limits:
    return Limits(
        max_file_size=settings.REGION27_MAX_UPLOAD_SIZE,
        fetch_timeout=settings.REGION27_VALIDATION_FETCH_TIMEOUT,
        allow_private_addresses=bool(
            getattr(settings, "REGION27_VALIDATION_ALLOW_PRIVATE_URLS", False)
        ),
        allowed_networks=tuple(getattr(settings, "REGION27_VALIDATION_ALLOWED_NETWORKS", ())),
    )


def max_errors() -> int | None:
    """The cap on errors kept in one report (`REGION27_VALIDATION_MAX_ERRORS`; 0: none)."""
    cap = int(settings.REGION27_VALIDATION_MAX_ERRORS)
    return cap if cap > 0 else None


def errors_csv_name(run: ValidationRun) -> str:
    """Stored name of the CSV of every error of ``run`` (when its report lists part)."""
    return f"validation/erreurs/{run.uuid}.csv"


def errors_counts_name(run: ValidationRun) -> str:
    """Stored name of the counts of every error of ``run`` per type, column and
    constraint (JSON, beside the CSV; the run has no field for them)."""
    return f"validation/erreurs/{run.uuid}.json"

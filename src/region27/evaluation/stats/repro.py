"""Reproducibility: fingerprint of inputs (panel + parameters) and of the software."""

from __future__ import annotations

import hashlib
import json
import math
import platform
from collections.abc import Mapping
from dataclasses import asdict, dataclass, is_dataclass
from importlib import metadata
from typing import Any

from .panel import Panel

__all__ = [
    "ENGINE_VERSION",
    "RunRecord",
    "canonical_json",
    "json_finite",
    "run_record",
    "software_versions",
]

ENGINE_VERSION = "1.1.0"
"""Bumped whenever a change may alter numerical results."""


def json_finite(value: Any) -> Any:
    """The value with every NaN or infinity (which JSON cannot hold) turned into None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_finite(v) for v in value]
    return value


def _normalise(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _normalise(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    if isinstance(value, float):
        return float.hex(value)  # exact, platform independent
    return value


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, exact floats) used for hashing."""
    return json.dumps(_normalise(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def software_versions() -> dict[str, str]:
    """Versions of the engine, Python and the numerical libraries."""
    out = {"engine": ENGINE_VERSION, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "polars", "numba"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "absent"
    return out


@dataclass(frozen=True, slots=True)
class RunRecord:
    input_hash: str
    """SHA-256 of the panel content and the canonical parameters."""
    panel_hash: str
    parameters_hash: str
    versions: Mapping[str, str]

    def to_dict(self) -> dict[str, object]:
        return {
            "input_hash": self.input_hash,
            "panel_hash": self.panel_hash,
            "parameters_hash": self.parameters_hash,
            "versions": dict(self.versions),
        }


def run_record(panel: Panel, parameters: Mapping[str, Any]) -> RunRecord:
    """Hash the inputs of a run and record the software versions.

    Same panel and parameters (including solver options and seed) → same hash; the engine
    is deterministic, so the same hash and versions give identical outputs.
    """
    panel_hash = panel.fingerprint()
    params_hash = hashlib.sha256(canonical_json(parameters).encode()).hexdigest()
    total = hashlib.sha256(f"{panel_hash}:{params_hash}".encode()).hexdigest()
    return RunRecord(total, panel_hash, params_hash, software_versions())

"""`region27 validate FILE --schema NAME`: catalogue names, exit codes 0/1/2, --json."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from region27.validation.cli import run_validate
from tests.validation.platform.conftest import subventions_csv


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    valid = tmp_path / "valide.csv"
    valid.write_bytes(subventions_csv())
    invalid = tmp_path / "invalide.csv"
    invalid.write_bytes(subventions_csv(bad_sirets=1))
    return {"valid": str(valid), "invalid": str(invalid), "absent": str(tmp_path / "absent.csv")}


@pytest.mark.django_db
def test_catalogue_names_and_exit_codes(files: dict[str, str], schemas: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_validate([files["valid"], "--schema", "scdl/subventions", "--json"], stdout=out) == 0
    assert json.loads(out.getvalue())["valid"] is True
    out = io.StringIO()
    code = run_validate(
        [files["invalid"], "--schema", "scdl/subventions@2.1.1", "--json"], stdout=out
    )
    assert code == 1
    payload = json.loads(out.getvalue())
    assert payload["valid"] is False
    assert payload["errors"][0]["type"] == "french-siret-value"
    assert run_validate([files["absent"], "--schema", "scdl/subventions"], stderr=err) == 2
    assert "Erreur" in err.getvalue()
    err = io.StringIO()
    assert run_validate([files["valid"], "--schema", "scdl/inconnu"], stderr=err) == 2


@pytest.mark.django_db
def test_management_command(files: dict[str, str], schemas: None) -> None:
    out = io.StringIO()
    call_command("validate", files["valid"], "--schema", "scdl/subventions", stdout=out)
    assert "VALIDE" in out.getvalue()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "validate", files["invalid"], "--schema", "scdl/subventions", "--json", stdout=out
        )
    assert exit_info.value.code == 1


def _region27(*args: str, env: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "region27.cli", "validate", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_command_line_without_database_knows_shipped_schemas(
    files: dict[str, str], tmp_path: Path
) -> None:
    """`region27 validate` in a fresh data folder (no tables): shipped schemas by name."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="region27.config.settings.test",
        REGION27_DATA_DIR=str(tmp_path / "data"),
    )
    env.pop("DATABASE_URL", None)
    result = _region27(files["valid"], "--schema", "scdl/subventions", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True
    result = _region27(files["invalid"], "--schema", "scdl/subventions@2.1.1", env=env)
    assert result.returncode == 1
    result = _region27(files["absent"], "--schema", "scdl/subventions", env=env)
    assert result.returncode == 2
    result = _region27(files["valid"], "--schema", "scdl/subventions@1.0.0", env=env)
    assert result.returncode == 2

"""The production settings pass `check --deploy` with no warning; the command works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "REGION27_DATA_DIR": str(tmp_path),
        "REGION27_SECRET_KEY": "k" * 20 + "Zx9!ab#cd$ef%gh^ij&kl*mn(op)qr_st+uv",
        "REGION27_ALLOWED_HOSTS": "27e-region.example.fr",
        **env,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    # The browser tests' conftest allows async-unsafe calls; production must not.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "region27.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_command_prints_french_help(tmp_path: Path) -> None:
    result = _run(["--help"], tmp_path)
    assert result.returncode == 0
    assert "load-territories" in result.stdout and "serve" in result.stdout

"""The catalog knows no other app: what they do with its files, they register."""

from __future__ import annotations

import ast
from pathlib import Path

import region27.catalog
from region27.catalog import hooks


def test_catalog_imports_neither_validation_nor_evaluation() -> None:
    root = Path(region27.catalog.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            found += [
                f"{path.relative_to(root)}: {name}"
                for name in names
                if name.startswith(("region27.validation", "region27.evaluation"))
            ]
    assert not found, found


def test_validation_registers_its_file_hooks() -> None:
    """Registered once each, whatever how many times the apps are made ready."""
    from django.apps import apps

    apps.get_app_config("validation").ready()
    assert [fn.__module__ for fn in hooks._removed] == ["region27.validation.apps"]
    assert [fn.__module__ for fn in hooks._uses] == ["region27.validation.apps"]
    assert [fn.__module__ for fn in hooks._purged] == ["region27.validation.apps"]

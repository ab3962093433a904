"""`region27 validate`: the engine's command line, knowing the catalogue's référentiels.

`scdl/subventions` means the latest published version in the catalogue,
`scdl/subventions@2.1.1` that version. When the database cannot be reached
(a fresh install, a machine without the platform's data), the schemas shipped
with region27 are still known by name. Paths and URLs work as in the engine.
"""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

from region27.validation.engine.cli import run_cli


def _shipped(name: str) -> dict[str, Any]:
    from region27.validation.services import SHIPPED_DIR, SHIPPED_SCHEMAS

    base, _sep, version = name.strip().partition("@")
    for folder, shipped_name, shipped_version in SHIPPED_SCHEMAS:
        if shipped_name == base.lower() and version.lstrip("vV") in ("", shipped_version):
            data: dict[str, Any] = json.loads(
                (SHIPPED_DIR / folder / "schema.json").read_text(encoding="utf-8")
            )
            return data
    raise LookupError(name)


def resolve_schema(name: str) -> dict[str, Any]:
    """A catalogue name to its descriptor; LookupError lets the engine try a path or URL."""
    if "://" in name or name.endswith(".json") or os.path.exists(name):
        raise LookupError(name)
    try:
        from region27.validation.selectors import schema_resolve

        descriptor: dict[str, Any] = schema_resolve(name).descriptor
        return descriptor
    except LookupError:
        pass
    except Exception:  # noqa: S110 - no settings or no database: shipped schemas only
        pass
    return _shipped(name)


def run_validate(
    argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """`argv` as typed after `region27 validate`; returns the exit status."""
    return run_cli(["validate", *argv], resolve_schema=resolve_schema, stdout=stdout, stderr=stderr)


def main(argv: list[str]) -> int:
    """Entry point of `region27 validate`: set Django up if it can, else work from files."""
    try:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.prod")
        django.setup()
    except Exception:  # noqa: S110 - without settings the shipped schemas still work
        pass
    return run_validate(argv)

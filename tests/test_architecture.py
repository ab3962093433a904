"""The layering rules of docs/architecture.md, enforced on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import region27

ROOT = Path(region27.__file__).parent
INTERFACES = ("region27.web", "region27.api")
DOMAIN_APPS = [
    p.name
    for p in ROOT.iterdir()
    if p.is_dir() and p.name not in ("web", "api", "config", "__pycache__", "locale")
]
PURE = {"validation/engine": ("django",), "evaluation/stats": ("django",)}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_domain_never_imports_interfaces() -> None:
    offenders = []
    for app in DOMAIN_APPS:
        for path in (ROOT / app).rglob("*.py"):
            for name in _imports(path):
                if name.startswith(INTERFACES):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_engines_are_pure_python() -> None:
    offenders = []
    for folder, forbidden in PURE.items():
        base = ROOT / folder
        if not base.exists():
            continue
        for path in base.rglob("*.py"):
            for name in _imports(path):
                if name.split(".")[0] in forbidden or (
                    name.startswith("region27.")
                    and not name.startswith("region27." + folder.replace("/", "."))
                ):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_only_services_write() -> None:
    """Interfaces and commands never call save(), create() or delete() on models."""
    writes = (".save(", ".objects.create(", ".delete(", ".bulk_create(", ".update(")
    offenders = []
    for folder in ("web",):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), 1):
                if any(w in line for w in writes) and "session" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_journal_imports_no_other_app() -> None:
    """The journal learns what it records from its registry (`journal/registry.py`): it
    imports no other region27 app but `core`, not even for type checking."""
    allowed = ("region27.journal", "region27.core")
    offenders = []
    for path in (ROOT / "journal").rglob("*.py"):
        for name in _imports(path):
            if name.startswith("region27") and not name.startswith(allowed):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_every_model_is_journaled_or_declared_private() -> None:
    """A model of region27 is part of a journaled kind (registered in its app's
    `journaled.py`) or declared not journaled, with a reason; never both. A new model
    that a public page shows must be one or the other."""
    from django.apps import apps

    from region27.catalog.kinds import kind_all
    from region27.journal.registry import journaled_kinds, journaled_models, private_models

    journaled, private = journaled_models(), private_models()
    undeclared, both = [], []
    for model in apps.get_models():
        if not model.__module__.startswith("region27."):
            continue
        label = model._meta.label_lower
        if label in journaled and label in private:
            both.append(label)
        elif label not in journaled and label not in private:
            undeclared.append(label)
    assert not undeclared, f"neither journaled nor declared private: {undeclared}"
    assert not both, f"journaled and declared private: {both}"
    known = {m._meta.label_lower for m in apps.get_models()}
    assert set(journaled) <= known and set(private) <= known
    assert all(reason.strip() for reason in private.values())
    kinds = journaled_kinds()
    for spec in kind_all():
        assert spec.slug in kinds and kinds[spec.slug].history, spec.slug
        assert spec.detail_model._meta.label_lower in journaled, spec.slug

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


WRITE_METHODS = {"save", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "select_related", "prefetch_related"}


def _chain(node: ast.AST) -> list[str]:
    """The attribute and call names a receiver is built from (`X.objects.filter(...)`)."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names
        else:
            return names


def _model_writes(path: Path, base: Path = ROOT) -> list[str]:
    """Calls that write through the ORM: `obj.save()`, `Model.objects.create(...)`,
    `qs.update(...)`/`qs.delete()` on a queryset, `obj.delete()`, bulk writes."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method, receiver = node.func.attr, _chain(node.func.value)
        if "session" in receiver or "request" in receiver:
            continue  # the session is the request's own state, not the domain's
        writes = (
            method in WRITE_METHODS
            or (method == "create" and "objects" in receiver)
            or (method in ("update", "delete") and QUERYSET_STEPS & set(receiver))
            or (method == "delete" and not node.args and not node.keywords)
        )
        if writes:
            found.append(f"{path.relative_to(base)}:{node.lineno}: .{method}()")
    return found


def _interface_and_command_files() -> list[Path]:
    files = [p for folder in INTERFACES for p in (ROOT / folder.split(".")[1]).rglob("*.py")]
    files += list(ROOT.glob("*/management/commands/*.py"))
    return sorted(files)


def test_only_services_write() -> None:
    """Interfaces (web, api) and management commands never write models themselves:
    they call services, which check permissions and record versions."""
    offenders = [w for path in _interface_and_command_files() for w in _model_writes(path)]
    assert not offenders, offenders


def test_the_write_check_catches_writes(tmp_path: Path) -> None:
    """The check above finds each way of writing (so that it cannot pass by missing them)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(entry, Entry, qs, data, router):\n"
        "    entry.save()\n"
        "    Entry.objects.create(title='x')\n"
        "    Entry.objects.filter(pk=1).update(title='y')\n"
        "    qs.all().delete()\n"
        "    entry.delete()\n"
        "    data.update({'a': 1})\n"
        "    router.delete('/path')\n",
        encoding="utf-8",
    )
    found = _model_writes(sample, base=tmp_path)
    assert [line.split(": ")[1] for line in found] == [
        ".save()",
        ".create()",
        ".update()",
        ".delete()",
        ".delete()",
    ]


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


def test_no_private_name_crosses_modules() -> None:
    """A name starting with `_` belongs to its module: another module imports a public
    one (shared view helpers live in `web/views/common.py`, the catalog's recorder is
    `catalog.services.record_change`)."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            # `from region27.x import _y` and `from .x import _y`; `from . import _kernels`
            # names a private module of the same package, which is how a package keeps a
            # part to itself.
            ours = (node.module or "").startswith("region27") or bool(node.level and node.module)
            private = [a.name for a in node.names if a.name.startswith("_")]
            if ours and private:
                offenders.append(f"{path.relative_to(ROOT)}: {node.module} {private}")
    assert not offenders, offenders

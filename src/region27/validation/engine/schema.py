"""Loading and checking Table Schema descriptors (Table Schema v1 as used in practice)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fetch import fetch_url
from .model import Limits, SchemaError

FIELD_TYPES = {
    "string",
    "number",
    "integer",
    "boolean",
    "date",
    "datetime",
    "time",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "any",
    "object",
    "array",
    "geojson",
}
STRING_FORMATS = {"default", "email", "uri", "uuid", "binary"}
GEOPOINT_FORMATS = {"default", "array", "object"}
CONSTRAINTS = {
    "required",
    "unique",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
}
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]


@dataclass
class Field:
    """One schema field, normalised."""

    name: str
    type: str = "string"
    format: str = "default"
    constraints: dict[str, Any] = field(default_factory=dict)
    true_values: list[str] = field(default_factory=lambda: list(DEFAULT_TRUE))
    false_values: list[str] = field(default_factory=lambda: list(DEFAULT_FALSE))
    decimal_char: str = "."
    group_char: str | None = None
    bare_number: bool = True
    missing_values: list[str] | None = None  # field-level override (Table Schema v2)

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))


@dataclass
class Schema:
    """A checked Table Schema."""

    fields: list[Field]
    missing_values: list[str] = field(default_factory=lambda: [""])
    primary_key: list[str] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)
    custom_checks: list[dict[str, Any]] = field(default_factory=list)
    descriptor: dict[str, Any] = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def get(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


def _err(code: str, message: str) -> SchemaError:
    return SchemaError(code, message)


def _read_descriptor(source: dict[str, Any] | str | Path, limits: Limits) -> dict[str, Any]:
    if isinstance(source, dict):
        return source
    text: str | bytes
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        text = fetch_url(source, limits)
    elif isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    else:
        path = Path(source)
        try:
            if path.stat().st_size > limits.max_schema_size:
                raise _err("schema-too-large", "Le schéma dépasse la taille maximale autorisée.")
            text = path.read_bytes()
        except OSError as exc:
            raise _err(
                "schema-unreadable", f"Le fichier de schéma {source} ne peut pas être lu."
            ) from exc
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _err(
            "schema-invalid-json", f"Le schéma n'est pas un document JSON valide ({exc})."
        ) from exc
    if not isinstance(data, dict):
        raise _err("schema-invalid", "Le schéma doit être un objet JSON.")
    return data


def _str_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err("schema-invalid", f"{what} doit être une liste de chaînes de caractères.")
    return list(value)


def _check_field(raw: Any, index: int) -> Field:
    if not isinstance(raw, dict):
        raise _err("schema-invalid", f"Le champ n° {index + 1} doit être un objet JSON.")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _err("schema-invalid", f"Le champ n° {index + 1} n'a pas de nom (« name »).")
    ftype = raw.get("type", "string")
    if ftype not in FIELD_TYPES:
        raise _err(
            "schema-unknown-type",
            f"Le champ « {name} » a un type inconnu « {ftype} » ; types possibles : "
            + ", ".join(sorted(FIELD_TYPES))
            + ".",
        )
    fmt = raw.get("format", "default")
    if not isinstance(fmt, str):
        raise _err("schema-invalid", f"Le format du champ « {name} » doit être une chaîne.")
    if ftype == "string" and fmt not in STRING_FORMATS:
        raise _err(
            "schema-unknown-format",
            f"Le champ « {name} » a un format de chaîne inconnu « {fmt} ».",
        )
    if ftype == "geopoint" and fmt not in GEOPOINT_FORMATS:
        raise _err(
            "schema-unknown-format",
            f"Le champ « {name} » a un format géographique inconnu « {fmt} ».",
        )
    constraints = raw.get("constraints", {})
    if not isinstance(constraints, dict):
        raise _err("schema-invalid", f"Les contraintes du champ « {name} » doivent être un objet.")
    for cname, cvalue in constraints.items():
        if cname not in CONSTRAINTS:
            raise _err(
                "schema-unknown-constraint",
                f"Le champ « {name} » a une contrainte inconnue « {cname} ».",
            )
        if cname in ("required", "unique") and not isinstance(cvalue, bool):
            raise _err(
                "schema-invalid", f"La contrainte « {cname} » de « {name} » doit être booléenne."
            )
        if cname in ("minLength", "maxLength") and (
            not isinstance(cvalue, int) or isinstance(cvalue, bool)
        ):
            raise _err(
                "schema-invalid", f"La contrainte « {cname} » de « {name} » doit être entière."
            )
        if cname == "enum" and not isinstance(cvalue, list):
            raise _err(
                "schema-invalid", f"La contrainte « enum » de « {name} » doit être une liste."
            )
        if cname == "pattern":
            if not isinstance(cvalue, str):
                raise _err("schema-invalid", f"Le motif de « {name} » doit être une chaîne.")
            try:
                re.compile(cvalue)
            except re.error as exc:
                raise _err(
                    "schema-invalid-pattern",
                    f"Le motif (« pattern ») du champ « {name} » n'est pas une expression "
                    f"régulière valide ({exc}).",
                ) from exc
    result = Field(name=name, type=ftype, format=fmt, constraints=dict(constraints))
    if "trueValues" in raw:
        result.true_values = _str_list(raw["trueValues"], f"trueValues de « {name} »")
    if "falseValues" in raw:
        result.false_values = _str_list(raw["falseValues"], f"falseValues de « {name} »")
    if "decimalChar" in raw:
        result.decimal_char = str(raw["decimalChar"])
    if "groupChar" in raw:
        result.group_char = str(raw["groupChar"])
    if "bareNumber" in raw:
        result.bare_number = bool(raw["bareNumber"])
    if "missingValues" in raw:
        result.missing_values = _str_list(raw["missingValues"], f"missingValues de « {name} »")
    return result


def _key_list(value: Any, names: set[str], what: str) -> list[str]:
    keys = [value] if isinstance(value, str) else value
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise _err("schema-invalid", f"{what} doit être un nom de champ ou une liste de noms.")
    for key in keys:
        if key not in names:
            raise _err("schema-invalid", f"{what} désigne un champ inexistant « {key} ».")
    return list(keys)


def parse_schema(descriptor: dict[str, Any]) -> Schema:
    """Check a descriptor already decoded from JSON and return a :class:`Schema`."""
    raw_fields = descriptor.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise _err("schema-invalid", "Le schéma doit déclarer une liste de champs (« fields »).")
    fields = [_check_field(raw, i) for i, raw in enumerate(raw_fields)]
    names = [f.name for f in fields]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _err("schema-invalid", f"Le champ « {name} » est déclaré deux fois.")
        seen.add(name)
    schema = Schema(fields=fields, descriptor=descriptor)
    if "missingValues" in descriptor:
        schema.missing_values = _str_list(descriptor["missingValues"], "missingValues")
    if "primaryKey" in descriptor:
        schema.primary_key = _key_list(descriptor["primaryKey"], seen, "La clé primaire")
    for key in descriptor.get("uniqueKeys", []) or []:
        schema.unique_keys.append(_key_list(key, seen, "Une clé d'unicité (« uniqueKeys »)"))
    checks = descriptor.get("custom_checks", []) or []
    if not isinstance(checks, list):
        raise _err("schema-invalid", "« custom_checks » doit être une liste.")
    for check in checks:
        if not isinstance(check, dict) or not isinstance(check.get("name"), str):
            raise _err("schema-invalid", "Chaque contrôle de « custom_checks » doit avoir un nom.")
        if not isinstance(check.get("params", {}), dict):
            raise _err(
                "schema-invalid", f"Les paramètres du contrôle « {check['name']} » sont invalides."
            )
        schema.custom_checks.append(check)
    return schema


def load_schema(
    source: dict[str, Any] | str | Path | Schema, *, limits: Limits | None = None
) -> Schema:
    """Load a Table Schema from a dict, a JSON string, a file path or an http(s) URL.

    Raises :class:`SchemaError` (a subclass of ``EngineInputError``) with a French
    message when the schema cannot be read or is not a valid Table Schema.
    """
    if isinstance(source, Schema):
        return source
    return parse_schema(_read_descriptor(source, limits or Limits()))

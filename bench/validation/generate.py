"""Deterministic generator of SCDL subventions / délibérations CSV files with injected errors.

Usage: python bench/validation/generate.py subventions 100000 out.csv [--pk] [--error-rate 0.001]

About ``error_rate`` of the rows carry one injected error, cycling through every
kind (type, each constraint, missing/extra cell, blank row, duplicate key,
lenient date, SIRET checksum, Validata cross-column checks). The same seed
always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "src" / "region27" / "validation" / "data" / "schemas"

SUBVENTION_ERRORS = [
    "type-number",
    "type-date",
    "type-boolean",
    "required",
    "pattern",
    "enum",
    "maxLength",
    "minimum",
    "maximum",
    "missing-cell",
    "extra-cell",
    "blank-row",
    "empty-line",
    "duplicate-key",
    "lenient-date",
    "siret",
]
DELIB_ERRORS = [
    "type-integer",
    "type-date",
    "required",
    "pattern",
    "missing-cell",
    "extra-cell",
    "blank-row",
    "duplicate-key",
    "lenient-date",
    "siret",
    "sum",
    "compare",
    "cohesive",
    "nomenclature",
    "uri",
]
NATURES = ["aide en numéraire", "aide en nature", "aide en numéraire;aide en nature"]
MATIERES = [
    ("1.1", "Commande publique/Marchés publics"),
    ("2.1", "Urbanisme/Documents d'urbanisme"),
    ("7.1", "Finances locales/Décisions budgétaires"),
    ("4.1", "Fonction publique/Personnel titulaire"),
]


def luhn_complete(body: str) -> str:
    """Append the Luhn check digit to ``body``."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def siret(rng: random.Random) -> str:
    siren = luhn_complete(f"{rng.randrange(10**7, 10**8)}")
    return luhn_complete(siren + f"{rng.randrange(0, 10**4):04d}")


def schema_for(kind: str, pk: bool) -> dict[str, Any]:
    name = "subventions" if kind == "subventions" else "deliberations"
    schema: dict[str, Any] = json.loads((SCHEMAS / name / "schema.json").read_text("utf-8"))
    if pk:
        schema["primaryKey"] = ["referenceDecision"] if kind == "subventions" else ["DELIB_ID"]
    return schema


def _subvention(rng: random.Random, i: int, error: str | None, pk: bool) -> list[str] | None:
    montant = f"{rng.randrange(100, 10**6)}.{rng.randrange(0, 100):02d}"
    row = [
        rng.choice(["Ville d'Antibes", "Région, Sud", 'Commune "Les Pins"', "Département 27"]),
        siret(rng),
        f"20{rng.randrange(10, 25)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        f"DEC-{i:08d}",
        rng.choice(["Association sportive", "Club de lecture", "CCAS\nAntibes"]),
        siret(rng),
        f"W{rng.randrange(10**8, 10**9)}",
        rng.choice(["Fonctionnement", "Projet culturel", "Équipement; matériel"]),
        montant,
        rng.choice(NATURES),
        rng.choice(["unique", "échelonné"]),
        "2021-03-30/2021-05-24",
        "",
        rng.choice(["oui", "non"]),
        f"0.{rng.randrange(1, 100):02d}",
        "",
    ]
    if error is None:
        return row
    if error == "type-number":
        row[8] = "12 000,50 €"
    elif error == "type-date":
        row[2] = "31/12/2020"
    elif error == "type-boolean":
        row[13] = "peut-être"
    elif error == "required":
        row[0] = ""
    elif error == "pattern":
        row[1] = "1234"
    elif error == "enum":
        row[9] = "aide en or"
    elif error == "maxLength":
        row[7] = "x" * 300
    elif error == "minimum":
        row[14] = "0"
    elif error == "maximum":
        row[14] = "1.5"
    elif error == "missing-cell":
        row = row[:-3]
    elif error == "extra-cell":
        row = [*row, "surplus"]
    elif error == "blank-row":
        row = [""] * len(row)
    elif error == "empty-line":
        return None
    elif error == "duplicate-key":
        row[3] = f"DEC-{max(i - 1, 0):08d}" if pk else row[3]
    elif error == "lenient-date":
        row[2] = "2019-3-7"
    elif error == "siret":
        row[5] = row[5][:-1] + str((int(row[5][-1]) + 1) % 10)
    return row


def _deliberation(rng: random.Random, i: int, error: str | None, pk: bool) -> list[str] | None:
    code, nom = rng.choice(MATIERES)
    effectif = rng.randrange(20, 60)
    reel = effectif - rng.randrange(0, 5)
    pour = reel - rng.randrange(0, 5)
    contre = rng.randrange(0, reel - pour + 1)
    abst = reel - pour - contre
    year = rng.randrange(2015, 2024)
    row = [
        rng.choice(["Conseil régional", "Ville de Rouen", "Métropole, Nord"]),
        siret(rng),
        f"DEL-{i:08d}",
        f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}",
        code,
        nom,
        rng.choice(["Approbation du budget", "Vote des taux", 'Marché "voirie"']),
        str(year),
        "Budget principal",
        "",
        f"{year + 1}-01-15",
        str(effectif),
        str(reel),
        str(pour),
        str(contre),
        str(abst),
        f"https://example.org/delib/{i}.pdf",
    ]
    if error is None:
        return row
    if error == "type-integer":
        row[13] = "douze"
    elif error == "type-date":
        row[3] = "2020-02-30"
    elif error == "required":
        row[6] = ""
    elif error == "pattern":
        row[4] = "1-1"
    elif error == "missing-cell":
        row = row[:-2]
    elif error == "extra-cell":
        row = [*row, "x", ""]
    elif error == "blank-row":
        row = [""] * len(row)
    elif error == "duplicate-key":
        row[2] = f"DEL-{max(i - 1, 0):08d}" if pk else row[2]
    elif error == "lenient-date":
        row[10] = f"{year + 1}-1-5"
    elif error == "siret":
        row[1] = row[1][:-1] + str((int(row[1][-1]) + 1) % 10)
    elif error == "sum":
        row[13] = str(pour + 1)
    elif error == "compare":
        row[10] = f"{year - 1}-01-01"
    elif error == "cohesive":
        row[8] = ""
    elif error == "nomenclature":
        row[5] = "Finances / Budget"
    elif error == "uri":
        row[16] = "pas une adresse"
    return row


def generate(
    kind: str,
    rows: int,
    out: io.TextIOBase | Any,
    *,
    pk: bool = False,
    error_rate: float = 0.001,
    seed: int = 27,
    wrong_siret: bool = False,
) -> None:
    """Write ``rows`` data rows (plus header) of ``kind`` to the text stream ``out``.

    ``wrong_siret``: the SIRET of the attributing body (second column) has a wrong
    key on every row, as in a file whose SIRET column was exported badly (one
    ``french-siret-value`` error per row on top of the injected ones).
    """
    rng = random.Random(seed)
    schema = schema_for(kind, pk)
    header = [f["name"] for f in schema["fields"]]
    make = _subvention if kind == "subventions" else _deliberation
    kinds = SUBVENTION_ERRORS if kind == "subventions" else DELIB_ERRORS
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    period = max(int(1 / error_rate), 1) if error_rate > 0 else 0
    k = 0
    for i in range(rows):
        error = None
        if period and i % period == period // 2:
            error = kinds[k % len(kinds)]
            k += 1
        row = make(rng, i, error, pk)
        if row is not None and wrong_siret and len(row) > 1 and row[1].isdigit():
            row[1] = row[1][:-1] + str((int(row[1][-1]) + 1) % 10)
        if row is None:
            out.write("\n")
        else:
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["subventions", "deliberations"])
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--pk", action="store_true")
    parser.add_argument("--error-rate", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--wrong-siret", action="store_true", help="a wrong SIRET key on every row")
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        generate(
            args.kind,
            args.rows,
            handle,
            pk=args.pk,
            error_rate=args.error_rate,
            seed=args.seed,
            wrong_siret=args.wrong_siret,
        )
    schema_path = Path(args.out).with_suffix(".schema.json")
    schema_path.write_text(json.dumps(schema_for(args.kind, args.pk), ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()

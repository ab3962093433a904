"""Build the packaged COG extract from @etalab/decoupage-administratif's `data/` folder.

Usage: ``python -m region27.territories.build_extract SRC_DIR [OUT_FILE]``

SRC_DIR holds the package's JSON files (regions.json, departements.json, epci.json,
communes.json). The extract is a gzipped JSON document with one compact row list per
kind, written deterministically (sorted rows, no timestamp in the gzip header) so that
rebuilding from the same source gives the same content. Only this extract is read at
run time; users' machines have no copy of the source.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

SOURCE = "@etalab/decoupage-administratif 6.0.0"
LICENSE = "MIT, Copyright (c) 2018-2019 Etalab"
FORMAT_VERSION = 1
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "data" / "cog.json.gz"

# Column order of each row list in the extract.
COLUMNS: dict[str, list[str]] = {
    "regions": ["code", "name", "zone"],
    "departements": ["code", "name", "region"],
    "epci": ["code", "name", "type", "population"],
    # "type" column: commune-actuelle, commune-deleguee, commune-associee or
    # arrondissement-municipal;
    # parent: the commune a delegated/associated commune or arrondissement belongs to;
    # epci: SIREN of the EPCI the (current) commune is a member of.
    "communes": [
        "code",
        "name",
        "type",
        "departement",
        "region",
        "siren",
        "population",
        "postal_codes",
        "parent",
        "epci",
    ],
}


def _read(src: Path, name: str) -> list[dict[str, Any]]:
    with (src / name).open(encoding="utf-8") as handle:
        rows: list[dict[str, Any]] = json.load(handle)
    return rows


def build_extract_data(src: Path) -> dict[str, Any]:
    """Return the extract as a JSON-serialisable dict, read from the source folder."""
    regions = [[r["code"], r["nom"], r.get("zone", "")] for r in _read(src, "regions.json")]
    departements = [
        [d["code"], d["nom"], d.get("region", "")] for d in _read(src, "departements.json")
    ]
    epci_rows: list[list[Any]] = []
    epci_of_commune: dict[str, str] = {}
    for e in _read(src, "epci.json"):
        population = e.get("populationMunicipale")
        epci_rows.append([e["code"], e["nom"], e.get("type", ""), population])
        for member in e.get("membres", []):
            epci_of_commune[member["code"]] = e["code"]
    communes: list[list[Any]] = []
    for c in _read(src, "communes.json"):
        kind = c["type"]
        if kind == "commune-actuelle":
            parent = ""
        elif kind == "arrondissement-municipal":
            parent = c.get("commune", "")
        else:  # delegated / associated communes name their commune as chef-lieu
            parent = c.get("chefLieu", "")
        communes.append(
            [
                c["code"],
                c["nom"],
                kind,
                c.get("departement", ""),
                c.get("region", ""),
                c.get("siren", ""),
                c.get("population"),
                " ".join(c.get("codesPostaux", [])),
                parent,
                epci_of_commune.get(c["code"], "") if kind == "commune-actuelle" else "",
            ]
        )
    regions.sort()
    departements.sort()
    epci_rows.sort()
    communes.sort(key=lambda row: (row[2], row[0]))
    return {
        "format": FORMAT_VERSION,
        "source": SOURCE,
        "license": LICENSE,
        "columns": COLUMNS,
        "regions": regions,
        "departements": departements,
        "epci": epci_rows,
        "communes": communes,
    }


def dump_extract(data: dict[str, Any]) -> bytes:
    """Serialise the extract deterministically and gzip it (no name, mtime 0)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # One row per line keeps diffs of the decompressed file readable.
    text = text.replace("],[", "],\n[")
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def read_extract(path: Path = DEFAULT_OUTPUT) -> dict[str, Any]:
    """Read a packaged extract back into a dict."""
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    return data


def build_extract(src: Path, out: Path = DEFAULT_OUTPUT) -> dict[str, Any]:
    """Build the extract from `src` and write it to `out`; return its content."""
    data = build_extract_data(src)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(dump_extract(data))
    return data


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(args[0])
    out = Path(args[1]) if len(args) == 2 else DEFAULT_OUTPUT
    data = build_extract(src, out)
    counts = ", ".join(f"{key}: {len(data[key])}" for key in COLUMNS)
    print(f"{out} ({out.stat().st_size} bytes) — {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

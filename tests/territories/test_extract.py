"""The shipped extract: its attribution, and that it is rebuilt identically from ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from region27.territories.build_extract import (
    DEFAULT_OUTPUT,
    build_extract,
    build_extract_data,
    read_extract,
)

SHARED = Path(
    os.environ.get(
        "REGION27_SHARED_TERRITORIES",
        Path(__file__).resolve().parents[2].parent / "shared" / "data" / "territories",
    )
)


def test_shipped_extract_is_small_and_attributed() -> None:
    assert DEFAULT_OUTPUT.stat().st_size < 2_000_000
    data = read_extract()
    assert data["source"] == "@etalab/decoupage-administratif 6.0.0"
    assert "Etalab" in data["license"]
    folder = DEFAULT_OUTPUT.parent
    assert "Etalab" in (folder / "LICENSE").read_text(encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "@etalab/decoupage-administratif" in readme
    assert "6.0.0" in readme
    assert "MIT" in readme
    assert {key: len(data[key]) for key in ("regions", "departements", "epci", "communes")} == {
        "regions": 26,
        "departements": 109,
        "epci": 1255,
        "communes": 37590,
    }


@pytest.mark.skipif(not (SHARED / "communes.json").exists(), reason="../shared absent")
def test_extract_rebuilds_identically_from_shared(tmp_path: Path) -> None:
    assert build_extract_data(SHARED) == read_extract()
    # The file itself is deterministic too (no timestamp in the gzip header).
    rebuilt = tmp_path / "cog.json.gz"
    build_extract(SHARED, rebuilt)
    assert read_extract(rebuilt) == read_extract()
    assert rebuilt.read_bytes()[4:8] == b"\0\0\0\0"

from __future__ import annotations

from typing import Any

from region27.evaluation import services
from region27.evaluation.models import IndicatorValue
from region27.territories.models import Level
from tests import factories


def test_import_reports_refused_rows_with_reasons(db: Any) -> None:
    factories.territory(Level.DEPARTEMENT, code="29", name="Finistère")
    factories.territory(Level.DEPARTEMENT, code="35", name="Ille-et-Vilaine")
    indicator = services.indicator_create(name="Chômage", level=Level.DEPARTEMENT, unit="%")
    data = (
        b"code;periode;valeur\n"
        b"29;2019;7,5\n"
        b"35;2019;6.1\n"
        b"99;2019;5\n"  # unknown territory
        b"29;2019;8\n"  # duplicate
        b"35;2020;beaucoup\n"  # non-numeric
        b"35;1850;3\n"  # out of range
        b"35;2019-Q2;3\n"  # another frequency
        b"35;20-19;3\n"  # malformed
    )
    report = services.indicator_import_csv(indicator=indicator, data=data)
    assert report.created == 2
    assert [(r.line, r.reason) for r in report.refused] == [
        (4, "unknown_territory"),
        (5, "duplicate"),
        (6, "non_numeric"),
        (7, "out_of_range_period"),
        (8, "mixed_granularity"),
        (9, "invalid_period"),
    ]
    assert report.refused[0].message == "code de territoire inconnu"
    assert IndicatorValue.objects.get(territory__code="29").value == 7.5
    again = services.indicator_import_csv(
        indicator=indicator, data="code,periode,valeur\n29,2019,1\n"
    )
    assert again.created == 0 and again.reasons() == {"duplicate": 1}


def test_import_missing_column(db: Any) -> None:
    indicator = services.indicator_create(name="X", level=Level.DEPARTEMENT)
    report = services.indicator_import_csv(indicator=indicator, data="a,b\n1,2\n")
    assert report.reasons() == {"missing_column": 1}


def test_import_wide_table(db: Any) -> None:
    """One row per territory, one column per period (with a label column, as INSEE
    tables have it); empty cells are missing values, an unknown code is refused once."""
    factories.territory(Level.DEPARTEMENT, code="29", name="Finistère")
    factories.territory(Level.DEPARTEMENT, code="35", name="Ille-et-Vilaine")
    indicator = services.indicator_create(name="Chômage", level=Level.DEPARTEMENT)
    data = (
        "CODGEO;LIBGEO;2018;2019;2020\n"
        "29;Finistère;7,2;7,5;\n"
        "35;Ille-et-Vilaine;6;6,1;n.d.\n"
        "99;Inconnu;1;2;3\n"
    )
    report = services.indicator_import_csv(indicator=indicator, data=data)
    assert report.created == 4
    assert [(r.line, r.reason, r.value) for r in report.refused] == [
        (3, "non_numeric", "n.d."),
        (4, "unknown_territory", "99"),
    ]
    stored = dict(
        IndicatorValue.objects.filter(territory__code="29").values_list("period", "value")
    )
    assert stored == {"2018": 7.2, "2019": 7.5}
    # a header that is neither long nor wide (no period column)
    bad = services.indicator_import_csv(indicator=indicator, data="code;total\n29;2\n")
    assert bad.reasons() == {"missing_column": 1} and bad.created == 0


def test_periods_are_written_with_ascii_digits(db: Any) -> None:
    """« ٢٠١٩ » (Arabic-Indic digits) would sit beside « 2019 » for the same territory."""
    factories.territory(Level.DEPARTEMENT, code="29", name="Finistère")
    indicator = services.indicator_create(name="Chômage", level=Level.DEPARTEMENT)
    report = services.indicator_import_csv(
        indicator=indicator, data="code;periode;valeur\n29;2019;1\n29;٢٠١٩;2\n29;２０２０;3\n"
    )
    assert report.created == 1
    assert report.reasons() == {"invalid_period": 2}


def test_wide_table_tolerates_empty_and_unknown_columns(db: Any) -> None:
    """A trailing separator (spreadsheets add one) gives an empty header cell; an extra
    column is refused by name, cell by cell, and the periods are still imported."""
    factories.territory(Level.DEPARTEMENT, code="29", name="Finistère")
    indicator = services.indicator_create(name="Chômage", level=Level.DEPARTEMENT)
    report = services.indicator_import_csv(
        indicator=indicator, data="code;2018;2019;region;\n29;7,2;7,5;53;\n"
    )
    assert report.created == 2
    assert [(r.line, r.reason, r.value) for r in report.refused] == [
        (1, "unknown_column", "region")
    ]


def test_large_imports_are_bounded(db: Any, monkeypatch: Any, settings: Any) -> None:
    """Values are stored in batches, refused cells are all counted but only the first
    ones kept, and a file over the size limit is refused before it is read."""
    import pytest
    from django.core.exceptions import ValidationError

    factories.territory(Level.DEPARTEMENT, code="29", name="Finistère")
    indicator = services.indicator_create(name="Chômage", level=Level.DEPARTEMENT)
    from region27.evaluation.services import indicators as indicator_services

    monkeypatch.setattr(indicator_services, "IMPORT_BATCH", 3)
    monkeypatch.setattr(indicator_services, "KEEP_REFUSED", 4)
    good = "".join(f"29;{year};{year - 1999}\n" for year in range(2000, 2011))
    bad = "".join(f"99;{year};1\n" for year in range(2000, 2010))
    report = services.indicator_import_csv(
        indicator=indicator, data="code;periode;valeur\n" + good + bad
    )
    assert report.created == 11 and IndicatorValue.objects.count() == 11
    assert report.refused_total == 10 and len(report.refused) == 4
    assert report.reasons() == {"unknown_territory": 10}
    settings.REGION27_INDICATOR_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        services.indicator_import_csv(indicator=indicator, data="code;periode;valeur\n" + good)
    assert caught.value.code == "too_large"
    assert IndicatorValue.objects.count() == 11


def test_import_reads_tables_as_the_validation_engine_does(db: Any) -> None:
    """One way to read a table: quoted cells, a Windows-1252 file and a spreadsheet are
    read by the validation engine's reader."""
    import io

    from openpyxl import Workbook

    factories.territory(Level.DEPARTEMENT, code="29", name="Finistère")
    factories.territory(Level.DEPARTEMENT, code="35", name="Ille-et-Vilaine")
    quoted = services.indicator_create(name="Emploi", level=Level.DEPARTEMENT)
    text = 'code;"période";valeur\n"29";2019;"7,5"\n35;2019;6\n'
    report = services.indicator_import_csv(indicator=quoted, data=text.encode("cp1252"))
    assert report.created == 2 and not report.refused
    assert IndicatorValue.objects.get(indicator=quoted, territory__code="29").value == 7.5

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "2018", "2019"])
    sheet.append(["29", 1.5, 2.5])
    sheet.append(["35", 3, None])
    buffer = io.BytesIO()
    book.save(buffer)
    wide = services.indicator_create(name="Logement", level=Level.DEPARTEMENT)
    report = services.indicator_import_csv(indicator=wide, data=buffer.getvalue())
    assert report.created == 3 and not report.refused
    assert sorted(IndicatorValue.objects.filter(indicator=wide).values_list("period", "value")) == [
        ("2018", 1.5),
        ("2018", 3.0),
        ("2019", 2.5),
    ]

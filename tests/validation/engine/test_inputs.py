"""Real-world and hostile inputs: encodings, delimiters, spreadsheets, limits."""

from __future__ import annotations

import io
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from region27.validation.engine import EngineInputError, Limits, SchemaError, load_schema, validate

SCHEMA = {
    "fields": [
        {"name": "nom", "type": "string", "constraints": {"required": True}},
        {"name": "montant", "type": "number"},
        {"name": "date", "type": "date"},
    ]
}
ROWS = "nom{d}montant{d}date\nÉcole{d}12.5{d}2020-01-31\nMairie{d}x{d}2020-02-30\n"


def _kinds(report: object) -> list[tuple[str, int | None, str | None]]:
    return [(e.type, e.row, e.field) for e in report.errors]  # type: ignore[attr-defined]


EXPECTED = [("type-error", 3, "montant"), ("type-error", 3, "date")]


@pytest.mark.parametrize(
    ("encoding", "bom", "reported"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("cp1252", b"", "windows-1252"),
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_and_delimiters(encoding: str, bom: bytes, reported: str, delimiter: str) -> None:
    data = bom + ROWS.format(d=delimiter).encode(encoding)
    report = validate(data, SCHEMA)
    assert report.encoding == reported
    assert report.delimiter == delimiter
    assert _kinds(report) == EXPECTED
    assert report.rows == 2


def test_crlf_quoting_and_trailing_empty_line() -> None:
    data = b'nom,montant,date\r\n"A, ""B""",1,2020-01-01\r\n"multi\r\nligne",2,2020-01-02\r\n\r\n'
    report = validate(data, SCHEMA)
    assert _kinds(report) == [("blank-row", 4, None)]
    assert report.rows == 3


def test_header_only_and_empty() -> None:
    report = validate(b"nom,montant,date\n", SCHEMA)
    assert report.valid and report.rows == 0
    assert [w.type for w in report.warnings] == ["no-data"]
    with pytest.raises(EngineInputError) as exc:
        validate(b"", SCHEMA)
    assert exc.value.code == "empty-file"
    with pytest.raises(EngineInputError):
        validate(b"\n\n", SCHEMA)


def test_binary_renamed_csv(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(EngineInputError) as exc:
        validate(path, SCHEMA)
    assert exc.value.code == "binary-file"
    assert "PNG" in exc.value.message
    with pytest.raises(EngineInputError) as exc:
        validate(b"a,b\n\x00\x01\x02", SCHEMA)
    assert exc.value.code == "binary-file"


def test_mixed_encodings() -> None:
    data = "nom,montant,date\nÉcole,1,2020-01-01\n".encode() + "Général,2,2020-01-01\n".encode(
        "cp1252"
    )
    with pytest.raises(EngineInputError) as exc:
        validate(data, SCHEMA)
    assert exc.value.code == "mixed-encoding"


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"nom,montant,date\n" + b"a,1,2020-01-01\n" * 1000)
    with pytest.raises(EngineInputError) as exc:
        validate(path, SCHEMA, limits=Limits(max_file_size=1000))
    assert exc.value.code == "file-too-large"
    with pytest.raises(EngineInputError):
        validate(io.BytesIO(path.read_bytes()), SCHEMA, limits=Limits(max_file_size=1000))


def test_too_many_columns() -> None:
    header = ",".join(f"c{i}" for i in range(100_000))
    with pytest.raises(EngineInputError) as exc:
        validate((header + "\n").encode(), SCHEMA)
    assert exc.value.code == "too-many-columns"
    assert "100000 colonnes" in exc.value.message


def test_column_limit_is_the_setting() -> None:
    """The limit comes from ``Limits.max_columns``: one column more than it is refused."""
    data = b"nom,montant,date\nA,1,2020-01-01\n"
    assert validate(data, SCHEMA, limits=Limits(max_columns=3)).valid
    with pytest.raises(EngineInputError) as exc:
        validate(data, SCHEMA, limits=Limits(max_columns=2))
    assert exc.value.code == "too-many-columns"
    assert "le maximum autorisé est 2" in exc.value.message


def test_one_huge_line() -> None:
    limits = Limits(max_line_length=10_000, chunk_size=4096)
    with pytest.raises(EngineInputError) as exc:
        validate(b"nom,montant,date\n" + b"x" * 200_000 + b"\n", SCHEMA, limits=limits)
    assert exc.value.code == "line-too-long"
    with pytest.raises(EngineInputError) as exc:
        validate(b"x" * 200_000, SCHEMA, limits=limits)
    assert exc.value.code == "line-too-long"


def _xlsx_bytes(rows: list[list[object]], sheet: str = "Feuil1") -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = "Autre"
    ws.append(["x"])
    ws2 = workbook.create_sheet(sheet)
    for row in rows:
        ws2.append(
            [dt.date.fromisoformat(v) if isinstance(v, str) and v[:2] == "20" else v for v in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_named_sheet() -> None:
    data = _xlsx_bytes(
        [["nom", "montant", "date"], ["École", 12.5, "2020-01-31"], ["Mairie", "x", "2020-02-01"]]
    )
    report = validate(data, SCHEMA, sheet="Feuil1")
    assert _kinds(report) == [("type-error", 3, "montant")]
    assert report.encoding is None and report.delimiter is None
    with pytest.raises(EngineInputError) as exc:
        validate(data, SCHEMA, sheet="Inconnue")
    assert exc.value.code == "sheet-not-found"
    first = validate(data, SCHEMA)  # first sheet has only a column "x"
    assert {e.type for e in first.errors} >= {"missing-label", "extra-label"}


def _ods_bytes() -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Données">'
    )
    for row in [["nom", "montant", "date"], ["A", "1", "2020-01-01"], ["", "deux", "2020-01-01"]]:
        content += "<table:table-row>"
        for cell in row:
            content += (
                '<table:table-cell office:value-type="string"><text:p>'
                f"{cell}</text:p></table:table-cell>"
                if cell
                else "<table:table-cell/>"
            )
        content += "</table:table-row>"
    content += "</table:table></office:spreadsheet></office:body></office:document-content>"
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def test_ods() -> None:
    report = validate(_ods_bytes(), SCHEMA)
    assert _kinds(report) == [("constraint-error", 3, "nom"), ("type-error", 3, "montant")]


def test_zip_bomb_disguised_as_xlsx(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    path = tmp_path / "bombe.xlsx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 100_000
    with pytest.raises(EngineInputError) as exc:
        validate(path, SCHEMA)
    assert exc.value.code == "zip-bomb"


def test_zip_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "bonjour")
    with pytest.raises(EngineInputError) as exc:
        validate(buffer.getvalue(), SCHEMA)
    assert exc.value.code == "unsupported-format"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(EngineInputError) as exc:
        validate(tmp_path / "absent.csv", SCHEMA)
    assert exc.value.code == "file-unreadable"


# ----------------------------------------------------------------------------- schemas


def test_schema_errors(tmp_path: Path) -> None:
    bad_json = tmp_path / "s.json"
    bad_json.write_text("{ pas du json", "utf-8")
    with pytest.raises(SchemaError) as exc:
        load_schema(bad_json)
    assert exc.value.code == "schema-invalid-json"
    with pytest.raises(SchemaError) as exc:
        load_schema({"fields": [{"name": "a", "type": "texte"}]})
    assert exc.value.code == "schema-unknown-type"
    assert "texte" in exc.value.message and "inconnu" in exc.value.message
    with pytest.raises(SchemaError) as exc:
        load_schema({"fields": [{"name": "a", "constraints": {"pattern": "("}}]})
    assert exc.value.code == "schema-invalid-pattern"
    with pytest.raises(SchemaError):
        load_schema({"fields": []})
    with pytest.raises(SchemaError):
        load_schema({"fields": [{"name": "a"}], "primaryKey": ["b"]})
    with pytest.raises(SchemaError) as exc:
        load_schema(tmp_path / "absent.json")
    assert exc.value.code == "schema-unreadable"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/schema.json"
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def test_remote_schema_timeout(silent_server: str) -> None:
    limits = Limits(fetch_timeout=0.5, allow_private_addresses=True)
    with pytest.raises(SchemaError) as exc:
        load_schema(silent_server, limits=limits)
    assert exc.value.code == "schema-timeout"
    assert "délai de 0.5 s dépassé" in exc.value.message


def test_remote_schema_on_loopback_refused_by_default(silent_server: str) -> None:
    with pytest.raises(SchemaError) as exc:
        load_schema(silent_server, limits=Limits(fetch_timeout=0.5))
    assert exc.value.code == "schema-url-forbidden"
    assert "127.0.0.1" in exc.value.message


@pytest.mark.parametrize("extra", [False, True])
def test_encoding_found_block_by_block_without_a_separate_utf8_pass(extra: bool) -> None:
    """Blocks after the first 64 KiB are checked as UTF-8 by the parser itself: a
    UTF-8 block then a Windows-1252 one is a mixed file, even when the Windows-1252
    byte sits in a cell beyond the header's columns (one polars does not keep)."""
    head = "nom,montant,date\n" + "a,1,2020-01-01\n" * 6_000
    utf8 = "École,1,2020-01-01\n" * 300
    tail = "x,1,2020-01-01,Général\n" if extra else "Général,1,2020-01-01\n"
    small = Limits(chunk_size=8_192)
    with pytest.raises(EngineInputError) as exc:
        validate((head + utf8).encode() + tail.encode("cp1252"), SCHEMA, limits=small)
    assert exc.value.code == "mixed-encoding"
    report = validate((head + utf8 + tail).encode("cp1252"), SCHEMA, limits=small)
    assert report.encoding == "windows-1252" and report.rows == 6_301
    assert report.error_count == (1 if extra else 0)
    assert all(e.value in (None, "", "Général") for e in report.errors)
    report = validate((head + utf8 + tail).encode(), SCHEMA, limits=small)
    assert report.encoding == "utf-8" and report.error_count == (1 if extra else 0)

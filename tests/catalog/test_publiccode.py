"""Tests for region27.catalog.publiccode.

Fixtures in data/publiccode/ (see its README.md for sources and licences): the
conformance test data of the reference validator (italia/publiccode-parser-go,
EUPL-1.2), the standard's examples (CC0-1.0) and a few real files.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from region27.catalog.publiccode import (
    MAX_FILE_SIZE,
    PubliccodeIssue,
    PubliccodeResult,
    parse_publiccode,
)

DATA = Path(__file__).parent / "data" / "publiccode"
V0 = DATA / "parser-testdata" / "v0"

# Invalid fixtures whose problem can only be detected online, from files next
# to the publiccode.yml, or with registries we do not embed. Keep this small.
SKIP_INVALID: dict[str, str] = {
    # Existence / content of files referenced by the publiccode.yml (relative to
    # the repository, or remote): we only get the YAML text.
    "logo_missing_file.yml": "needs the repository files (logo must exist)",
    "no-network/logo_missing_file.yml": "needs the repository files (logo must exist)",
    "logo_missing_url.yml": "needs network access (HTTP GET of the logo URL)",
    "monochromeLogo_missing_file.yml": "needs the repository files (logo must exist)",
    "no-network/logo_invalid_png.yml": "needs the repository files (decode the PNG)",
    "no-network/monochromeLogo_invalid_png.yml": "needs the repository files (decode the PNG)",
    "description_en_screenshots_missing_file.yml": "needs the repository files (screenshot)",
    "legal_authorsFile_missing_file.yml": "needs the repository files (AUTHORS file)",
    # Remote services / registries.
    "description_en_videos_invalid_oembed.yml": "needs network access (oEmbed discovery)",
    "organisation_uri_wrong_italian_pa2.yml": "needs the Italian iPA registry",
    "fundedBy_uri_wrong_italian_pa2.yml": "needs the Italian iPA registry",
    "it_riuso_codiceIPA_invalid.yml": "needs the Italian iPA registry",
    "no-network/supports_unknown_alias.yml": "needs the standard's alias vocabulary",
}


def _fixtures(kind: str) -> list[Path]:
    return sorted((V0 / kind).rglob("*.yml"))


def _id(path: Path) -> str:
    return str(path.relative_to(V0))


def _rel(path: Path, kind: str) -> str:
    return str(path.relative_to(V0 / kind))


def _parse_file(path: Path) -> PubliccodeResult:
    return parse_publiccode(path.read_bytes())


# --------------------------------------------------------------------------- reference fixtures


def test_fixture_sets_are_present() -> None:
    assert len(_fixtures("valid")) >= 25
    assert len(_fixtures("valid_with_warnings")) >= 10
    assert len(_fixtures("invalid")) >= 120
    assert (DATA / "parser-testdata" / "LICENSE.EUPL-1.2.txt").is_file()
    assert (DATA / "README.md").is_file()


@pytest.mark.parametrize("path", _fixtures("valid"), ids=_id)
def test_valid_fixtures_have_no_errors(path: Path) -> None:
    result = _parse_file(path)
    assert result.errors == [], [str(e) for e in result.errors]
    assert result.valid
    assert result.data is not None


@pytest.mark.parametrize("path", _fixtures("valid_with_warnings"), ids=_id)
def test_valid_with_warnings_fixtures_have_no_errors(path: Path) -> None:
    result = _parse_file(path)
    assert result.errors == [], [str(e) for e in result.errors]
    assert result.valid


@pytest.mark.parametrize("path", _fixtures("invalid"), ids=_id)
def test_invalid_fixtures_have_errors(path: Path) -> None:
    relative = _rel(path, "invalid")
    if relative in SKIP_INVALID:
        pytest.skip(SKIP_INVALID[relative])
    result = _parse_file(path)
    assert result.errors, f"{relative}: no error found"
    assert not result.valid


def test_skip_set_only_names_existing_fixtures() -> None:
    existing = {_rel(p, "invalid") for p in _fixtures("invalid")}
    assert set(SKIP_INVALID) <= existing
    assert len(SKIP_INVALID) <= 15


# Same key as the reference validator for these (its other keys are decoder
# artefacts such as "isBasedOn.foobar", or cascades of one problem).
_EXPECTED_KEYS_OK_TO_DIFFER = {
    "isBasedOn_wrong_type.yml",
    "isBasedOn_bad_url_string.yml",
    "organisation_wrong_type.yml",
    "inputTypes_wrong_type.yml",
    "outputTypes_wrong_type.yml",
    "fundedBy_wrong_type.yml",
    "description_en_localisedName_wrong_type.yml",
    "description_en_documentation_wrong_type.yml",
    "description_en_apiDocumentation_wrong_type.yml",
    "description_en_awards_wrong_type.yml",
    "legal_wrong_type.yml",
    "maintenance_contractors_invalid_type.yml",
    "dependsOn_open_name_wrong_type.yml",
    "localisation_localisationReady_yaml11_yes.yml",
    "localisation_localisationReady_yaml11_no.yml",
    "localisation_localisationReady_yaml11_on.yml",
    "localisation_localisationReady_yaml11_off.yml",
}


def _expected_error_rows() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with (DATA / "parser-testdata" / "expected_v0.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["severity"] != "error" or not row["file"]:
                continue
            if not row["test_function"].startswith("TestInvalidTestcasesV0"):
                continue
            sub = "no-network/" if row["test_function"].endswith("NoNetwork") else ""
            relative = sub + row["file"]
            if relative in SKIP_INVALID or row["file"] in _EXPECTED_KEYS_OK_TO_DIFFER:
                continue
            rows.append((relative, re.sub(r"\[([A-Za-z-]+)\]", r".\1", row["key"])))
    return rows


@pytest.mark.parametrize(("relative", "key"), _expected_error_rows())
def test_error_keys_match_reference_validator(relative: str, key: str) -> None:
    result = _parse_file(V0 / "invalid" / relative)
    assert key in {issue.key for issue in result.errors}, [str(e) for e in result.errors]


def test_expected_deprecation_warnings() -> None:
    cases = {
        "valid_with_legal_repoOwner.yml": "legal.repoOwner",
        "valid.mime_types.yml": "inputTypes",
        "valid_with_it_conforme.yml": "IT.conforme",
        "valid_with_country_specific_section_downcase.yml": "it",
        "valid_with_lowercase_countries.yml": "intendedAudience.countries[0]",
        "valid.minimal.v0.2.yml": "publiccodeYmlVersion",
        "unicode_grapheme_clusters.yml": "description.en.genericName",
    }
    for name, key in cases.items():
        result = _parse_file(V0 / "valid_with_warnings" / name)
        assert key in {w.key for w in result.warnings}, (name, result.warnings)


# --------------------------------------------------------------------------- examples


def test_standard_examples_are_valid() -> None:
    for name in ("publiccode.yml", "publiccode.minimal.yml"):
        result = _parse_file(DATA / "standard-examples" / name)
        assert result.valid, (name, [str(e) for e in result.errors])
    full = _parse_file(DATA / "standard-examples" / "publiccode.yml")
    assert full.name == "Medusa"
    assert full.url == "https://example.com/italia/medusa.git"
    assert full.version == "1.0"
    assert full.release_date == "2017-04-15"
    assert full.development_status == "development"
    assert full.software_type == "standalone/desktop"
    assert full.licence == "AGPL-3.0-or-later"
    assert full.platforms == ["android", "ios"]
    assert full.categories == ["content-management", "office"]
    assert "en" in full.languages
    assert full.short_description_en
    assert full.short_description == full.short_description_en  # no French block
    assert full.short_description_fr == ""


def test_real_example_reference_parser_file_is_valid() -> None:
    result = _parse_file(DATA / "real-examples" / "italia_publiccode-parser-go.publiccode.yml")
    assert result.valid, [str(e) for e in result.errors]
    assert result.name
    assert result.licence == "EUPL-1.2"


def test_real_example_amsterdam_v02_is_valid_with_deprecations() -> None:
    result = _parse_file(DATA / "real-examples" / "Amsterdam_signals-frontend.publiccode.yml")
    assert result.valid, [str(e) for e in result.errors]
    assert result.publiccode_version == "0.2"
    assert result.licence == "MPL-2.0"
    warned = {w.key for w in result.warnings}
    assert "legal.repoOwner" in warned
    assert any(key.endswith(".genericName") for key in warned)
    assert result.short_description  # first available language (nl)


def test_real_example_codegouvfr_is_not_compliant() -> None:
    result = _parse_file(DATA / "real-examples" / "codegouvfr_codegouvfr-fetch-data.publiccode.yml")
    assert not result.valid
    keys = {e.key for e in result.errors}
    assert {"platforms", "maintenance.contacts", "localisation.availableLanguages"} <= keys
    assert "description.en.features" in keys
    assert result.name  # data is still available for display
    assert all(e.message and e.code for e in result.errors)


def test_real_example_catala_dialect_is_not_compliant() -> None:
    result = _parse_file(DATA / "real-examples" / "CatalaLang_catala.publiccode.yml")
    assert not result.valid
    keys = {e.key for e in result.errors}
    assert "creationDate" in keys  # awesome-codegouvfr dialect key
    assert "developmentStatus" in keys
    assert result.short_description_fr


# --------------------------------------------------------------------------- behaviour

MINIMAL = (DATA / "standard-examples" / "publiccode.minimal.yml").read_text(encoding="utf-8")


def _with(replacements: dict[str, str], text: str = MINIMAL) -> str:
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_result_shape_and_issue_fields() -> None:
    result = parse_publiccode(_with({"developmentStatus: development": "developmentStatus: wip"}))
    assert isinstance(result.errors[0], PubliccodeIssue)
    issue = result.errors[0]
    assert issue.key == "developmentStatus"
    assert issue.code == "invalid_choice"
    assert "wip" in issue.message and "stable" in issue.message
    assert str(issue).startswith("developmentStatus: ")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "not_a_mapping"),
        ("- a\n- b\n", "not_a_mapping"),
        ("juste du texte", "not_a_mapping"),
        ("name: [unterminated\n", "yaml_error"),
        ("a: b\n  c: d\n", "yaml_error"),
        ("!!python/object/apply:os.system ['echo hacked']\n", "yaml_error"),
        ("x: &a [*a]\n" + "y: 1\n", "required"),
    ],
)
def test_bad_documents_give_errors_not_exceptions(text: str, code: str) -> None:
    result = parse_publiccode(text)
    assert not result.valid
    assert code in {e.code for e in result.errors}


def test_yaml_error_message_is_french_and_positioned() -> None:
    result = parse_publiccode("name: Medusa\nurl: [\n")
    assert result.data is None
    assert "ligne" in result.errors[0].message


def test_invalid_utf8_bytes() -> None:
    result = parse_publiccode(b"name: \xff\xfe\n")
    assert [e.code for e in result.errors] == ["invalid_utf8"]


def test_utf8_bom_is_accepted() -> None:
    assert parse_publiccode(("\ufeff" + MINIMAL).encode("utf-8")).valid


def test_file_too_large() -> None:
    big = MINIMAL + "\n#" + "x" * MAX_FILE_SIZE
    for payload in (big, big.encode("utf-8")):
        result = parse_publiccode(payload)
        assert [e.code for e in result.errors] == ["too_large"]
        assert result.data is None


def test_yaml11_booleans_are_not_booleans() -> None:
    result = parse_publiccode(_with({"localisationReady: true": "localisationReady: yes"}))
    assert ("localisation.localisationReady", "wrong_type") in {
        (e.key, e.code) for e in result.errors
    }


def test_unquoted_date_stays_a_string_and_data_is_json_serialisable() -> None:
    text = _with({"platforms:": "releaseDate: 2024-02-30\nplatforms:"})
    result = parse_publiccode(text)
    assert ("releaseDate", "invalid_date") in {(e.key, e.code) for e in result.errors}
    json.dumps(result.data)
    ok = parse_publiccode(_with({"platforms:": "releaseDate: 2024-02-29\nplatforms:"}))
    assert ok.valid
    assert ok.release_date == "2024-02-29"


def test_categories_mandatory_before_v04_only() -> None:
    for version in ("0.2", "0.3", "0.2.1"):
        text = _with({'publiccodeYmlVersion: "0"': f'publiccodeYmlVersion: "{version}"'})
        result = parse_publiccode(text)
        assert ("categories", "required") in {(e.key, e.code) for e in result.errors}, version
    for version in ("0", "0.4", "0.4.0", "0.5", "0.7.0"):
        text = _with({'publiccodeYmlVersion: "0"': f'publiccodeYmlVersion: "{version}"'})
        assert parse_publiccode(text).valid, version


def test_unsupported_version() -> None:
    result = parse_publiccode(_with({'publiccodeYmlVersion: "0"': 'publiccodeYmlVersion: "1.0"'}))
    assert ("publiccodeYmlVersion", "unsupported_version") in {
        (e.key, e.code) for e in result.errors
    }


def test_short_description_too_long_and_french_key() -> None:
    text = _with({"  en:\n": "  fr:\n", "- en\n": "- fr\n"})
    text = text.replace("A rather short description which\n      is probably useless", "é" * 151)
    result = parse_publiccode(text)
    assert ("description.fr.shortDescription", "too_long") in {
        (e.key, e.code) for e in result.errors
    }
    assert "150" in result.errors[0].message


def test_french_accessors() -> None:
    text = _with(
        {
            "description:\n": "description:\n  fr:\n    shortDescription: Outil d'analyse\n"
            "    longDescription: " + "é" * 160 + "\n    features:\n      - Cartes\n"
        }
    )
    result = parse_publiccode(text)
    assert result.valid, [str(e) for e in result.errors]
    assert result.short_description == "Outil d'analyse"
    assert result.short_description_fr == "Outil d'analyse"
    assert result.short_description_en.startswith("A rather short description")
    assert result.description("fr-FR")["features"] == ["Cartes"]
    assert result.description_languages == ["fr", "en"]


@pytest.mark.parametrize(
    ("licence", "ok"),
    [
        ("EUPL-1.2", True),
        ("MIT OR Apache-2.0", True),
        ("(MIT AND BSD-3-Clause) OR GPL-3.0-or-later", True),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", True),
        ("LicenseRef-Proprietaire-Region", True),
        ("CECILL-2.1", True),
        ("Invalid License", False),
        ("MIT OR", False),
        ("(MIT", False),
        ("MIT AND AND MIT", False),
        ("", False),
    ],
)
def test_licence_expressions(licence: str, ok: bool) -> None:
    text = _with({"license: AGPL-3.0-or-later": f"license: {licence!r}"})
    result = parse_publiccode(text)
    codes = {e.code for e in result.errors if e.key == "legal.license"}
    assert (not codes) is ok, (licence, codes)


def test_unknown_licence_id_is_a_warning() -> None:
    text = _with({"license: AGPL-3.0-or-later": "license: Some-Exotic-1.0"})
    result = parse_publiccode(text)
    assert result.valid
    assert "unknown_license" in {w.code for w in result.warnings}


def test_maintenance_rules() -> None:
    text = _with({'type: "community"': 'type: "contract"'})
    result = parse_publiccode(text)
    assert ("maintenance.contractors", "required") in {(e.key, e.code) for e in result.errors}
    text = _with(
        {
            'type: "community"': 'type: "contract"\n  contractors:\n'
            "    - name: Entreprise SAS\n      until: '2030-12-31'\n"
            "      email: contact@entreprise.fr\n      website: https://entreprise.fr"
        }
    )
    assert parse_publiccode(text).valid


def test_never_raises_on_odd_types() -> None:
    for text in (
        "name: 1\nurl: 2\nplatforms: 3\ndescription: 4\nlegal: 5\nmaintenance: 6\n",
        "description: {1: 2}\nlocalisation: {availableLanguages: [1, null]}\n",
        "maintenance: {type: contract, contractors: [1, {name: [], until: 3}]}\n",
        "publiccodeYmlVersion: 0.2\ncategories: {a: b}\nintendedAudience: {countries: [1]}\n",
        "1: 2\nnull: 3\n",
    ):
        result = parse_publiccode(text)
        assert result.errors
        assert all(isinstance(e.message, str) and e.message for e in result.errors)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_raises(text: str) -> None:
    result = parse_publiccode(text)
    assert isinstance(result, PubliccodeResult)
    assert result.valid is (result.data is not None and not result.errors)


_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "publiccodeYmlVersion",
        "name",
        "url",
        "platforms",
        "categories",
        "description",
        "legal",
        "maintenance",
        "localisation",
        "intendedAudience",
        "dependsOn",
        "fundedBy",
        "organisation",
        "logo",
        "isBasedOn",
        "IT",
        "it",
        "supports",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_keys, _yaml_values, max_size=10))
def test_random_structures_never_raise(document: dict[str, object]) -> None:
    result = parse_publiccode(json.dumps(document))
    assert isinstance(result, PubliccodeResult)

"""Parse and check ``publiccode.yml`` files (standard v0.2 to v0.7, major version 0).

Reference: https://github.com/publiccodeyml/publiccode.yml (the standard) and
https://github.com/italia/publiccode-parser-go (the reference validator, whose
conformance fixtures are used by the tests).

The checks are *offline*: nothing is fetched. They cover the structure, types,
mandatory keys, enumerations, lengths, URL/e-mail/date/language/country syntax
and SPDX expression syntax. Not checked (need the network or remote
registries): URL reachability, existence and format of logo/screenshot files,
oEmbed support of videos, Italian iPA codes, the ``supports`` alias vocabulary.

Issues have a dotted ``key`` (``description.fr.shortDescription``,
``maintenance.contacts[0].name``), a machine ``code`` (English) and a French
``message``. The parser never raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

__all__ = [
    "CATEGORIES",
    "DEVELOPMENT_STATUSES",
    "MAINTENANCE_TYPES",
    "MAX_FILE_SIZE",
    "SCOPES",
    "SOFTWARE_TYPES",
    "SUPPORTED_VERSIONS",
    "PubliccodeIssue",
    "PubliccodeResult",
    "parse_publiccode",
]

MAX_FILE_SIZE = 1024 * 1024  # 1 MiB

SUPPORTED_VERSIONS: tuple[str, ...] = (
    "0",
    "0.2",
    "0.2.0",
    "0.2.1",
    "0.2.2",
    "0.3",
    "0.3.0",
    "0.4",
    "0.4.0",
    "0.5",
    "0.5.0",
    "0.7",
    "0.7.0",
)
LATEST_VERSION = (0, 7)

DEVELOPMENT_STATUSES: tuple[str, ...] = ("concept", "development", "beta", "stable", "obsolete")
SOFTWARE_TYPES: tuple[str, ...] = (
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
)
MAINTENANCE_TYPES: tuple[str, ...] = ("internal", "contract", "community", "none")

CATEGORIES: frozenset[str] = frozenset(
    """
    accounting agile-project-management applicant-tracking application-development
    appointment-scheduling backup billing-and-invoicing blog budgeting business-intelligence
    business-process-management cad call-center-management cloud-management collaboration
    communications compliance-management contact-management content-management crm
    customer-service-and-support data-analytics data-collection data-visualization design
    design-system digital-asset-management digital-citizenship document-management
    donor-management e-commerce e-signature educational-content email-management
    email-marketing employee-management enterprise-project-management
    enterprise-social-networking erp event-management facility-management
    feedback-and-reviews-management financial-reporting fleet-management fundraising
    gamification geographic-information-systems grant-management graphic-design help-desk hr
    ide identity-management instant-messaging
    integrated-library-system inventory-management it-asset-management
    it-development it-management it-security it-service-management knowledge-management
    learning-management-system marketing mind-mapping mobile-marketing mobile-payment
    network-management office online-booking online-community payment-gateway payroll
    predictive-analysis procurement productivity-suite project-collaboration
    project-management property-management real-estate-management
    regulations-and-directives remote-support
    resource-management sales-management seo service-desk social-media-management survey
    talent-management task-management taxes-management test-management time-management
    time-tracking translation video-conferencing video-editing visitor-management voip
    warehouse-management web-collaboration web-conferencing website-builder whistleblowing
    workflow-management other
    """.split()  # noqa: SIM905
)

SCOPES: frozenset[str] = frozenset(
    """
    agriculture culture defence education emergency-services employment energy environment
    finance-and-economic-development foreign-affairs healthcare infrastructures justice
    local-authorities manufacturing research science-and-technology security society sport
    tourism transportation welfare
    """.split()  # noqa: SIM905
)

# ISO 3166-1 alpha-2 (officially assigned codes).
COUNTRY_CODES: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905
)

# ISO 639-1 two-letter language codes.
_ISO_639_1: frozenset[str] = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu
    """.split()  # noqa: SIM905
)
# Three-letter codes accepted as primary language subtags: languages without a
# two-letter code that a French or European public catalogue may meet (regional
# and overseas languages, creoles...). Not exhaustive: extend when needed.
_ISO_639_3_EXTRA: frozenset[str] = frozenset(
    """
    ast bar bzj csb dsb ext fil frp fur gcf gcr gsw haw hsb jam kab lij lld lmo ltg mfe mwl
    nap nds nrf pcd pms rcf rup scn sdc sgs szl vec vls wae yue cmn zea
    """.split()  # noqa: SIM905
)

# Common SPDX licence identifiers (not the full list: unknown but well-formed
# identifiers only produce a warning).
_SPDX_LICENSES: frozenset[str] = frozenset(
    """
    0BSD AFL-3.0 AGPL-1.0 AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-1.0 Apache-1.1
    Apache-2.0 APSL-2.0 Artistic-1.0 Artistic-2.0 BlueOak-1.0.0 BSD-1-Clause BSD-2-Clause
    BSD-2-Clause-Patent BSD-3-Clause BSD-3-Clause-Clear BSD-4-Clause BSL-1.0 CAL-1.0
    CC-BY-1.0 CC-BY-2.0 CC-BY-2.5 CC-BY-3.0 CC-BY-4.0 CC-BY-NC-4.0 CC-BY-NC-SA-4.0
    CC-BY-ND-4.0 CC-BY-SA-3.0 CC-BY-SA-4.0 CC0-1.0 CDDL-1.0 CDDL-1.1 CECILL-1.0 CECILL-1.1
    CECILL-2.0 CECILL-2.1 CECILL-B CECILL-C CPAL-1.0 CPL-1.0 ECL-2.0 EFL-2.0 EPL-1.0 EPL-2.0
    etalab-2.0 EUPL-1.0 EUPL-1.1 EUPL-1.2 GFDL-1.3 GFDL-1.3-only GFDL-1.3-or-later GPL-1.0
    GPL-2.0 GPL-2.0+ GPL-2.0-only GPL-2.0-or-later GPL-3.0 GPL-3.0+ GPL-3.0-only
    GPL-3.0-or-later ISC LGPL-2.0 LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1 LGPL-2.1+
    LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0+ LGPL-3.0-only LGPL-3.0-or-later
    LiLiQ-P-1.1 LiLiQ-R-1.1 LiLiQ-Rplus-1.1 LPPL-1.3c MIT MIT-0 MPL-1.0 MPL-1.1 MPL-2.0
    MPL-2.0-no-copyleft-exception MS-PL MS-RL MulanPSL-2.0 NCSA ODbL-1.0 ODC-By-1.0 OFL-1.1
    OGL-UK-3.0 OLDAP-2.8 OpenSSL OSL-3.0 PDDL-1.0 PHP-3.01 PostgreSQL Python-2.0 Ruby
    SSPL-1.0 Unlicense UPL-1.0 W3C WTFPL X11 Zlib ZPL-2.1 LO-FR-2.0 CERN-OHL-S-2.0
    CERN-OHL-W-2.0 CERN-OHL-P-2.0 AAL Beerware CC-PDDC EUDatagrid Vim
    """.split()  # noqa: SIM905
)
_SPDX_LICENSES_LOWER: frozenset[str] = frozenset(lic.lower() for lic in _SPDX_LICENSES)
_SPDX_DEPRECATED: frozenset[str] = frozenset(
    """
    AGPL-1.0 AGPL-3.0 GFDL-1.3 GPL-1.0 GPL-2.0 GPL-2.0+ GPL-3.0 GPL-3.0+ LGPL-2.0 LGPL-2.1
    LGPL-2.1+ LGPL-3.0 LGPL-3.0+
    """.lower().split()
)

_TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    {
        "publiccodeYmlVersion",
        "name",
        "applicationSuite",
        "url",
        "landingURL",
        "isBasedOn",
        "softwareVersion",
        "releaseDate",
        "logo",
        "monochromeLogo",
        "inputTypes",
        "outputTypes",
        "platforms",
        "categories",
        "usedBy",
        "fundedBy",
        "organisation",
        "roadmap",
        "developmentStatus",
        "softwareType",
        "intendedAudience",
        "description",
        "legal",
        "maintenance",
        "localisation",
        "dependsOn",
        "supports",
        "IT",
        "it",
    }
)

_TYPE_NAMES_FR: dict[type, str] = {
    str: "une chaîne de caractères",
    bool: "un booléen (true ou false)",
    list: "une liste",
    dict: "un dictionnaire (clé: valeur)",
}

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MIME_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$", re.IGNORECASE)
_URI_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:\S+$")
_BCP47_RE = re.compile(
    r"""^(?P<language>[a-z]{2,3})
        (?:-[a-z]{3}){0,3}
        (?:-(?P<script>[a-z]{4}))?
        (?:-(?P<region>[a-z]{2}|\d{3}))?
        (?:-(?:[a-z0-9]{5,8}|\d[a-z0-9]{3}))*
        (?:-[a-wyz0-9](?:-[a-z0-9]{2,8})+)*
        (?:-x(?:-[a-z0-9]{1,8})+)?$""",
    re.IGNORECASE | re.VERBOSE,
)
_SPDX_TOKEN_RE = re.compile(r"\s*(\(|\)|[A-Za-z0-9.\-]+\+?|:|\S)")
_LOGO_EXTENSIONS = (".svg", ".svgz", ".png", ".jpg", ".jpeg")


@dataclass(frozen=True, slots=True)
class PubliccodeIssue:
    """A problem found in a publiccode.yml file."""

    key: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


@dataclass(slots=True)
class PubliccodeResult:
    """Outcome of :func:`parse_publiccode`."""

    data: dict[str, Any] | None
    errors: list[PubliccodeIssue] = field(default_factory=list)
    warnings: list[PubliccodeIssue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.data is not None and not self.errors

    def _get(self, *path: str) -> Any:
        node: Any = self.data
        for part in path:
            if not isinstance(node, Mapping):
                return None
            node = node.get(part)
        return node

    def _str(self, *path: str) -> str:
        value = self._get(*path)
        return value.strip() if isinstance(value, str) else ""

    @property
    def publiccode_version(self) -> str:
        return self._str("publiccodeYmlVersion")

    @property
    def name(self) -> str:
        return self._str("name")

    @property
    def url(self) -> str:
        return self._str("url")

    @property
    def landing_url(self) -> str:
        return self._str("landingURL")

    @property
    def version(self) -> str:
        """The software version (``softwareVersion``), not the standard's."""
        return self._str("softwareVersion")

    @property
    def release_date(self) -> str:
        return self._str("releaseDate")

    @property
    def development_status(self) -> str:
        return self._str("developmentStatus")

    @property
    def software_type(self) -> str:
        return self._str("softwareType")

    @property
    def licence(self) -> str:
        return self._str("legal", "license")

    @property
    def main_copyright_owner(self) -> str:
        return self._str("legal", "mainCopyrightOwner")

    @property
    def maintenance_type(self) -> str:
        return self._str("maintenance", "type")

    def _str_list(self, *path: str) -> list[str]:
        value = self._get(*path)
        if not isinstance(value, list):
            return []
        return [item.strip() for item in value if isinstance(item, str) and item.strip()]

    @property
    def platforms(self) -> list[str]:
        return self._str_list("platforms")

    @property
    def categories(self) -> list[str]:
        return self._str_list("categories")

    @property
    def languages(self) -> list[str]:
        """``localisation.availableLanguages``."""
        return self._str_list("localisation", "availableLanguages")

    @property
    def description_languages(self) -> list[str]:
        value = self._get("description")
        if not isinstance(value, Mapping):
            return []
        return [str(lang) for lang, body in value.items() if isinstance(body, Mapping)]

    def description(self, lang: str | None = None) -> dict[str, Any]:
        """The ``description.<lang>`` block (exact tag, then primary language, then first)."""
        value = self._get("description")
        if not isinstance(value, Mapping):
            return {}
        blocks = {str(k): v for k, v in value.items() if isinstance(v, Mapping)}
        if not blocks:
            return {}
        if lang is None:
            return dict(next(iter(blocks.values())))
        if lang in blocks:
            return dict(blocks[lang])
        wanted = lang.lower().split("-", 1)[0]
        for key, body in blocks.items():
            if key.lower().split("-", 1)[0] == wanted:
                return dict(body)
        return {}

    def _short(self, lang: str | None) -> str:
        value = self.description(lang).get("shortDescription")
        return " ".join(value.split()) if isinstance(value, str) else ""

    @property
    def short_description_fr(self) -> str:
        return self._short("fr")

    @property
    def short_description_en(self) -> str:
        return self._short("en")

    @property
    def short_description(self) -> str:
        """French, else English, else the first available language."""
        for lang in ("fr", "en"):
            text = self._short(lang)
            if text:
                return text
        for lang in self.description_languages:
            text = self._short(lang)
            if text:
                return text
        return ""

    @property
    def long_description(self) -> str:
        for lang in ("fr", "en", None):
            value = self.description(lang).get("longDescription")
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""


# --------------------------------------------------------------------------- YAML loading


class _SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 core-schema scalars for booleans and dates.

    * only ``true``/``false`` are booleans (``yes``/``no``/``on``/``off`` stay
      strings, as in the reference parser, so ``localisationReady: yes`` is an error);
    * timestamps stay strings (``releaseDate`` is checked as text and the parsed
      data stays JSON-serialisable).
    """


_SafeLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _load_yaml(text: str) -> Any:
    # A SafeLoader subclass: only standard YAML tags, never arbitrary objects.
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506


# --------------------------------------------------------------------------- checker


def _describe(value: Any) -> str:
    if value is None:
        return "vide"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, int | float):
        return "un nombre"
    if isinstance(value, str):
        return "une chaîne de caractères"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un dictionnaire"
    return type(value).__name__


def _version_tuple(version: str) -> tuple[int, int]:
    if version == "0":
        return LATEST_VERSION
    parts = version.split(".")
    return int(parts[0]), int(parts[1])


def _grapheme_length(text: str) -> int:
    """Approximate number of user-perceived characters (grapheme clusters)."""
    count = 0
    joined = False
    regional = 0
    for char in text:
        code = ord(char)
        if char == "\u200d":  # ZERO WIDTH JOINER: the next char joins the cluster
            joined = True
            continue
        if joined:
            joined = False
            continue
        if unicodedata.category(char) in {"Mn", "Me", "Mc"}:
            continue
        if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
            continue  # variation selectors, skin tones, tag characters
        if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicators pair into flags
            regional += 1
            if regional % 2 == 0:
                continue
        else:
            regional = 0
        count += 1
    return count


def is_valid_language_tag(tag: str) -> bool:
    """BCP 47 syntax check, with a known primary language and region."""
    match = _BCP47_RE.match(tag)
    if not match:
        return False
    language = match.group("language").lower()
    if len(language) == 2 and language not in _ISO_639_1:
        return False
    if len(language) == 3 and language not in _ISO_639_3_EXTRA:
        return False
    region = match.group("region")
    return not (region and region.isalpha() and region.upper() not in COUNTRY_CODES)


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def _is_url(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return bool(parts.scheme) and bool(parts.netloc) and " " not in value.strip()


def _check_spdx(expression: str) -> tuple[bool, list[str]]:
    """Check an SPDX licence expression; return (well-formed, unknown identifiers)."""
    tokens = _SPDX_TOKEN_RE.findall(expression.strip())
    unknown: list[str] = []
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def licence_id() -> bool:
        nonlocal position
        token = peek()
        if token is None or token in {"(", ")", ":"} or token.upper() in {"AND", "OR", "WITH"}:
            return False
        if not re.fullmatch(r"[A-Za-z0-9.\-]+\+?", token):
            return False
        position += 1
        if peek() == ":":  # DocumentRef-x:LicenseRef-y
            position += 1
            nxt = peek()
            if nxt is None or not nxt.startswith("LicenseRef-"):
                return False
            position += 1
            return True
        if not token.startswith("LicenseRef-") and token.lower() not in _SPDX_LICENSES_LOWER:
            base = token.rstrip("+")
            if base.lower() not in _SPDX_LICENSES_LOWER:
                unknown.append(token)
        return True

    def simple() -> bool:
        nonlocal position
        if peek() == "(":
            position += 1
            if not compound() or peek() != ")":
                return False
            position += 1
            return True
        if not licence_id():
            return False
        token = peek()
        if token is not None and token.upper() == "WITH":
            position += 1
            exception = peek()
            if exception is None or not re.fullmatch(r"[A-Za-z0-9.\-]+", exception):
                return False
            position += 1
        return True

    def compound() -> bool:
        nonlocal position
        if not simple():
            return False
        while (token := peek()) is not None and token.upper() in {"AND", "OR"}:
            position += 1
            if not simple():
                return False
        return True

    if not tokens:
        return False, []
    ok = compound() and position == len(tokens)
    return ok, unknown


class _Checker:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: list[PubliccodeIssue] = []
        self.warnings: list[PubliccodeIssue] = []
        self.version: tuple[int, int] = LATEST_VERSION

    # -- reporting ----------------------------------------------------------

    def error(self, key: str, code: str, message: str) -> None:
        self.errors.append(PubliccodeIssue(key, code, message))

    def warn(self, key: str, code: str, message: str) -> None:
        self.warnings.append(PubliccodeIssue(key, code, message))

    def required(self, key: str) -> None:
        self.error(key, "required", f"La clé « {key} » est obligatoire.")

    def wrong_type(self, key: str, expected: type, value: Any) -> None:
        self.error(
            key,
            "wrong_type",
            f"« {key} » doit être {_TYPE_NAMES_FR[expected]}, pas {_describe(value)}.",
        )

    def deprecated(self, key: str, replacement: str = "") -> None:
        hint = f" Utilisez « {replacement} » à la place." if replacement else ""
        self.warn(
            key,
            "deprecated",
            f"La clé « {key} » est obsolète et sera supprimée du standard.{hint}",
        )

    # -- typed getters ------------------------------------------------------

    def get(
        self, parent: Mapping[str, Any], name: str, key: str, expected: type, *, required: bool
    ) -> Any:
        """Return ``parent[name]`` if of the expected type, else report and return None."""
        if name not in parent or parent[name] is None:
            if required:
                self.required(key)
            return None
        value = parent[name]
        if expected is str and isinstance(value, str):
            if required and not value.strip():
                self.error(key, "empty", f"« {key} » ne doit pas être vide.")
                return None
            return value
        if expected is bool and isinstance(value, bool):
            return value
        if expected is list and isinstance(value, list):
            return value
        if expected is dict and isinstance(value, dict):
            return value
        self.wrong_type(key, expected, value)
        return None

    def get_str_list(
        self, parent: Mapping[str, Any], name: str, key: str, *, required: bool
    ) -> list[str] | None:
        items = self.get(parent, name, key, list, required=required)
        if items is None:
            return None
        result: list[str] = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                result.append(item)
            else:
                self.wrong_type(f"{key}[{index}]", str, item)
        return result

    def check_http_url(self, key: str, value: str) -> None:
        if not _is_http_url(value):
            self.error(
                key,
                "invalid_url",
                f"« {key} » doit être une adresse web valide (http:// ou https://).",
            )

    def check_uri(self, key: str, value: str) -> None:
        if not _URI_RE.match(value.strip()):
            self.error(
                key,
                "invalid_uri",
                f"« {key} » doit être une URI valide (par exemple une adresse web ou une URN).",
            )

    def check_date(self, key: str, value: str) -> None:
        valid = bool(_DATE_RE.match(value))
        if valid:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                valid = False
        if not valid:
            self.error(key, "invalid_date", f"« {key} » doit être une date au format AAAA-MM-JJ.")

    def check_email(self, key: str, value: str) -> None:
        if not _EMAIL_RE.match(value.strip()):
            self.error(key, "invalid_email", f"« {key} » doit être une adresse e-mail valide.")

    def check_enum(self, key: str, value: str, allowed: tuple[str, ...]) -> None:
        if value not in allowed:
            choices = ", ".join(f"« {v} »" for v in allowed)
            self.error(
                key,
                "invalid_choice",
                f"Valeur « {value} » non autorisée pour « {key} ». Valeurs possibles : {choices}.",
            )

    def check_language(self, key: str, value: str) -> None:
        if not is_valid_language_tag(value):
            self.error(
                key,
                "invalid_language",
                f"« {value} » n'est pas un code de langue BCP 47 valide "
                "(exemples : fr, en, fr-FR).",
            )

    def check_country(self, key: str, value: str) -> None:
        if value.upper() not in COUNTRY_CODES or (
            value != value.upper() and value != value.lower()
        ):
            self.error(
                key,
                "invalid_country",
                f"« {value} » n'est pas un code pays ISO 3166-1 alpha-2 valide (exemple : FR).",
            )
        elif value != value.upper():
            self.warn(
                key,
                "deprecated_lowercase_country",
                f"Les codes pays en minuscules sont obsolètes : utilisez « {value.upper()} ».",
            )

    # -- sections -----------------------------------------------------------

    def run(self) -> None:
        data = self.data
        for name in data:
            if not isinstance(name, str) or name not in _TOP_LEVEL_KEYS:
                self.error(str(name), "unknown_field", f"Clé inconnue : « {name} ».")

        self.check_version()
        self.get(data, "name", "name", str, required=True)
        self.get(data, "applicationSuite", "applicationSuite", str, required=False)

        url = self.get(data, "url", "url", str, required=True)
        if url is not None and url.strip() and not _is_url(url):
            self.error(
                "url",
                "invalid_url",
                "« url » doit être l'adresse valide du dépôt de code source.",
            )
        for name in ("landingURL", "roadmap"):
            value = self.get(data, name, name, str, required=False)
            if value is not None:
                self.check_http_url(name, value)

        self.check_is_based_on()
        self.get(data, "softwareVersion", "softwareVersion", str, required=False)
        release = self.get(data, "releaseDate", "releaseDate", str, required=False)
        if release is not None:
            self.check_date("releaseDate", release)
        self.check_logo("logo")
        if "monochromeLogo" in data:
            self.deprecated("monochromeLogo", "logo")
            self.check_logo("monochromeLogo")
        for name in ("inputTypes", "outputTypes"):
            if name in data:
                self.check_mime_types(name)

        platforms = self.get_str_list(data, "platforms", "platforms", required=True)
        if platforms is not None and not platforms:
            self.error("platforms", "empty", "« platforms » doit contenir au moins une valeur.")
        self.check_categories()
        self.get_str_list(data, "usedBy", "usedBy", required=False)
        self.check_organisation()
        self.check_funded_by()

        status = self.get(data, "developmentStatus", "developmentStatus", str, required=True)
        if status is not None:
            self.check_enum("developmentStatus", status, DEVELOPMENT_STATUSES)
        software_type = self.get(data, "softwareType", "softwareType", str, required=True)
        if software_type is not None:
            self.check_enum("softwareType", software_type, SOFTWARE_TYPES)

        self.check_intended_audience()
        self.check_description()
        self.check_legal()
        self.check_maintenance()
        self.check_localisation()
        self.check_depends_on()
        self.check_supports()
        self.check_country_sections()

    def check_version(self) -> None:
        version = self.get(
            self.data, "publiccodeYmlVersion", "publiccodeYmlVersion", str, required=True
        )
        if version is None:
            return
        if version not in SUPPORTED_VERSIONS:
            supported = ", ".join(SUPPORTED_VERSIONS)
            self.error(
                "publiccodeYmlVersion",
                "unsupported_version",
                f"Version « {version} » du standard non prise en charge "
                f"(versions acceptées : {supported}).",
            )
            return
        self.version = _version_tuple(version)
        if version != "0":
            self.warn(
                "publiccodeYmlVersion",
                "version_not_latest",
                f"La version {version} n'est pas la plus récente du standard : "
                "indiquez « 0 » pour suivre la dernière version 0.x.",
            )

    def check_is_based_on(self) -> None:
        value = self.data.get("isBasedOn")
        if value is None:
            return
        if isinstance(value, str):
            if not _is_url(value):
                self.error("isBasedOn", "invalid_url", "« isBasedOn » doit être une URL valide.")
            return
        if not isinstance(value, list):
            self.error(
                "isBasedOn",
                "wrong_type",
                "« isBasedOn » doit être une URL ou une liste d'URL.",
            )
            return
        for index, item in enumerate(value):
            key = f"isBasedOn[{index}]"
            if not isinstance(item, str):
                self.wrong_type(key, str, item)
            elif not _is_url(item):
                self.error(key, "invalid_url", f"« {key} » doit être une URL valide.")

    def check_logo(self, name: str) -> None:
        value = self.get(self.data, name, name, str, required=False)
        if value is None:
            return
        text = value.strip()
        lowered = text.lower()
        if lowered.startswith("file:"):
            self.error(
                name,
                "file_url",
                f"« {name} » ne doit pas être une URL file:// : "
                "utilisez un chemin relatif ou une adresse http(s).",
            )
            return
        if text.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:[\\/]", text):
            self.error(
                name,
                "absolute_path",
                f"« {name} » ne doit pas être un chemin absolu : "
                "utilisez un chemin relatif ou une adresse http(s).",
            )
            return
        if _URI_RE.match(text) and not _is_http_url(text):
            self.error(name, "invalid_url", f"« {name} » doit être un chemin relatif ou http(s).")
            return
        path = urlsplit(text).path.lower() if _is_http_url(text) else lowered
        if not path.endswith(_LOGO_EXTENSIONS):
            self.error(
                name,
                "invalid_extension",
                f"« {name} » doit être une image SVG, SVGZ, PNG ou JPEG.",
            )

    def check_mime_types(self, name: str) -> None:
        self.deprecated(name)
        items = self.get(self.data, name, name, list, required=False)
        for index, item in enumerate(items or []):
            key = f"{name}[{index}]"
            if not isinstance(item, str):
                self.wrong_type(key, str, item)
            elif not _MIME_RE.match(item.strip()):
                self.error(key, "invalid_mime_type", f"« {item} » n'est pas un type MIME valide.")

    def check_categories(self) -> None:
        # Mandatory up to v0.3 of the standard, optional since v0.4.0.
        required = self.version < (0, 4)
        categories = self.get_str_list(self.data, "categories", "categories", required=required)
        if categories is None:
            return
        if required and not categories:
            self.error(
                "categories",
                "empty",
                "« categories » doit contenir au moins une catégorie (obligatoire avant la v0.4).",
            )
        for index, category in enumerate(categories):
            if category not in CATEGORIES:
                self.error(
                    f"categories[{index}]",
                    "invalid_category",
                    f"Catégorie inconnue : « {category} » (voir la liste des catégories "
                    "du standard publiccode.yml).",
                )

    def check_org(self, org: Mapping[str, Any], key: str, *, uri_required: bool) -> None:
        self.get(org, "name", f"{key}.name", str, required=False)
        uri = self.get(org, "uri", f"{key}.uri", str, required=uri_required)
        if uri is not None:
            self.check_uri(f"{key}.uri", uri)

    def check_organisation(self) -> None:
        org = self.get(self.data, "organisation", "organisation", dict, required=False)
        if org is not None:
            self.check_org(org, "organisation", uri_required=True)

    def check_funded_by(self) -> None:
        items = self.get(self.data, "fundedBy", "fundedBy", list, required=False)
        for index, item in enumerate(items or []):
            key = f"fundedBy[{index}]"
            if not isinstance(item, dict):
                self.wrong_type(key, dict, item)
                continue
            # "uri" became mandatory with v0.5.0 (before, "name" was the key).
            self.check_org(item, key, uri_required=self.version >= (0, 5))

    def check_intended_audience(self) -> None:
        audience = self.get(self.data, "intendedAudience", "intendedAudience", dict, required=False)
        if audience is None:
            return
        for name in ("countries", "unsupportedCountries"):
            key = f"intendedAudience.{name}"
            for index, code in enumerate(
                self.get_str_list(audience, name, key, required=False) or []
            ):
                self.check_country(f"{key}[{index}]", code)
        key = "intendedAudience.scope"
        for index, scope in enumerate(
            self.get_str_list(audience, "scope", key, required=False) or []
        ):
            if scope not in SCOPES:
                self.error(
                    f"{key}[{index}]",
                    "invalid_scope",
                    f"Domaine d'intervention inconnu : « {scope} » "
                    "(voir la liste « scope » du standard).",
                )

    def check_description(self) -> None:
        description = self.get(self.data, "description", "description", dict, required=True)
        if description is None:
            return
        if not description:
            self.error(
                "description",
                "empty",
                "« description » doit contenir au moins une langue (par exemple « fr »).",
            )
            return
        for lang, body in description.items():
            key = f"description.{lang}"
            if not isinstance(lang, str) or not is_valid_language_tag(lang):
                self.error(
                    "description",
                    "invalid_language",
                    f"« {lang} » n'est pas un code de langue BCP 47 valide (exemples : fr, en).",
                )
            if not isinstance(body, dict):
                self.wrong_type(key, dict, body)
                continue
            self.check_description_body(key, body)

    def check_description_body(self, key: str, body: Mapping[str, Any]) -> None:
        self.get(body, "localisedName", f"{key}.localisedName", str, required=False)
        if "genericName" in body:
            self.deprecated(f"{key}.genericName")
            generic = self.get(body, "genericName", f"{key}.genericName", str, required=False)
            if generic is not None and _grapheme_length(generic.strip()) > 35:
                self.error(
                    f"{key}.genericName",
                    "too_long",
                    f"« {key}.genericName » ne doit pas dépasser 35 caractères.",
                )
        short = self.get(body, "shortDescription", f"{key}.shortDescription", str, required=True)
        if short is not None and _grapheme_length(short.strip()) > 150:
            self.error(
                f"{key}.shortDescription",
                "too_long",
                f"« {key}.shortDescription » ne doit pas dépasser 150 caractères "
                f"({_grapheme_length(short.strip())} actuellement).",
            )
        long = self.get(body, "longDescription", f"{key}.longDescription", str, required=True)
        if long is not None:
            length = _grapheme_length(long.strip())
            if length < 150:
                self.error(
                    f"{key}.longDescription",
                    "too_short",
                    f"« {key}.longDescription » doit faire au moins 150 caractères "
                    f"({length} actuellement).",
                )
            elif length > 10000:
                self.error(
                    f"{key}.longDescription",
                    "too_long",
                    f"« {key}.longDescription » ne doit pas dépasser 10 000 caractères "
                    f"({length} actuellement).",
                )
        features = self.get_str_list(body, "features", f"{key}.features", required=False)
        if not features:
            self.error(
                f"{key}.features",
                "required" if features is None else "empty",
                f"« {key}.features » doit contenir au moins une fonctionnalité.",
            )
        for name in ("documentation", "apiDocumentation"):
            value = self.get(body, name, f"{key}.{name}", str, required=False)
            if value is not None:
                self.check_http_url(f"{key}.{name}", value)
        self.get_str_list(body, "screenshots", f"{key}.screenshots", required=False)
        self.get_str_list(body, "awards", f"{key}.awards", required=False)
        videos = self.get_str_list(body, "videos", f"{key}.videos", required=False)
        for index, video in enumerate(videos or []):
            self.check_http_url(f"{key}.videos[{index}]", video)

    def check_legal(self) -> None:
        legal = self.get(self.data, "legal", "legal", dict, required=False)
        if legal is None:
            # Report the actually missing mandatory key, as the reference parser does.
            if "legal" not in self.data or self.data["legal"] is None:
                self.required("legal.license")
            return
        licence = self.get(legal, "license", "legal.license", str, required=True)
        if licence is not None:
            well_formed, unknown = _check_spdx(licence)
            if not well_formed:
                self.error(
                    "legal.license",
                    "invalid_license",
                    f"« {licence} » n'est pas une expression de licence SPDX valide "
                    "(exemples : EUPL-1.2, MIT OR Apache-2.0 ; voir https://spdx.org/licenses).",
                )
            for identifier in unknown:
                self.warn(
                    "legal.license",
                    "unknown_license",
                    f"Identifiant de licence « {identifier} » non reconnu : "
                    "vérifiez-le sur https://spdx.org/licenses.",
                )
            for identifier in re.findall(r"[A-Za-z0-9.\-]+\+?", licence):
                if identifier.lower() in _SPDX_DEPRECATED:
                    self.warn(
                        "legal.license",
                        "deprecated_license",
                        f"L'identifiant SPDX « {identifier} » est obsolète : préférez "
                        "la forme « -only » ou « -or-later ».",
                    )
        self.get(legal, "mainCopyrightOwner", "legal.mainCopyrightOwner", str, required=False)
        if "repoOwner" in legal:
            self.deprecated("legal.repoOwner", "organisation.name")
            self.get(legal, "repoOwner", "legal.repoOwner", str, required=False)
        if "authorsFile" in legal:
            self.deprecated("legal.authorsFile")
            self.get(legal, "authorsFile", "legal.authorsFile", str, required=False)

    def check_maintenance(self) -> None:
        maintenance = self.get(self.data, "maintenance", "maintenance", dict, required=False)
        if maintenance is None:
            if "maintenance" not in self.data or self.data["maintenance"] is None:
                self.required("maintenance.type")
            return
        kind = self.get(maintenance, "type", "maintenance.type", str, required=True)
        if kind is not None:
            self.check_enum("maintenance.type", kind, MAINTENANCE_TYPES)

        contacts = self.get(maintenance, "contacts", "maintenance.contacts", list, required=False)
        if kind in {"internal", "community"} and not contacts:
            self.error(
                "maintenance.contacts",
                "required",
                f"« maintenance.contacts » est obligatoire quand la maintenance est « {kind} ».",
            )
        for index, contact in enumerate(contacts or []):
            key = f"maintenance.contacts[{index}]"
            if not isinstance(contact, dict):
                self.wrong_type(key, dict, contact)
                continue
            self.get(contact, "name", f"{key}.name", str, required=True)
            email = self.get(contact, "email", f"{key}.email", str, required=False)
            if email is not None:
                self.check_email(f"{key}.email", email)
            phone = contact.get("phone")
            if phone is not None and (isinstance(phone, bool) or not isinstance(phone, str | int)):
                self.wrong_type(f"{key}.phone", str, phone)
            self.get(contact, "affiliation", f"{key}.affiliation", str, required=False)

        contractors = self.get(
            maintenance, "contractors", "maintenance.contractors", list, required=False
        )
        if kind == "contract" and not contractors:
            self.error(
                "maintenance.contractors",
                "required",
                "« maintenance.contractors » est obligatoire quand la maintenance "
                "est « contract ».",
            )
        if kind is not None and kind != "contract" and "contractors" in maintenance:
            self.error(
                "maintenance.contractors",
                "forbidden",
                "« maintenance.contractors » n'est autorisé que si la maintenance "
                "est « contract ».",
            )
        for index, contractor in enumerate(contractors or []):
            key = f"maintenance.contractors[{index}]"
            if not isinstance(contractor, dict):
                self.wrong_type(key, dict, contractor)
                continue
            self.get(contractor, "name", f"{key}.name", str, required=True)
            until = self.get(contractor, "until", f"{key}.until", str, required=True)
            if until is not None:
                self.check_date(f"{key}.until", until)
            email = self.get(contractor, "email", f"{key}.email", str, required=False)
            if email is not None:
                self.check_email(f"{key}.email", email)
            website = self.get(contractor, "website", f"{key}.website", str, required=False)
            if website is not None:
                self.check_http_url(f"{key}.website", website)

    def check_localisation(self) -> None:
        localisation = self.get(self.data, "localisation", "localisation", dict, required=False)
        if localisation is None:
            if "localisation" not in self.data or self.data["localisation"] is None:
                self.required("localisation.localisationReady")
                self.required("localisation.availableLanguages")
            return
        self.get(
            localisation,
            "localisationReady",
            "localisation.localisationReady",
            bool,
            required=True,
        )
        key = "localisation.availableLanguages"
        languages = self.get_str_list(localisation, "availableLanguages", key, required=True)
        if languages is not None and not languages:
            self.error(key, "empty", f"« {key} » doit contenir au moins une langue.")
        for index, language in enumerate(languages or []):
            self.check_language(f"{key}[{index}]", language)

    def check_depends_on(self) -> None:
        depends = self.get(self.data, "dependsOn", "dependsOn", dict, required=False)
        if depends is None:
            return
        for group in ("open", "proprietary", "hardware"):
            items = self.get(depends, group, f"dependsOn.{group}", list, required=False)
            for index, item in enumerate(items or []):
                key = f"dependsOn.{group}[{index}]"
                if not isinstance(item, dict):
                    self.wrong_type(key, dict, item)
                    continue
                self.get(item, "name", f"{key}.name", str, required=True)
                for name in ("versionMin", "versionMax", "version"):
                    self.get(item, name, f"{key}.{name}", str, required=False)
                self.get(item, "optional", f"{key}.optional", bool, required=False)

    def check_supports(self) -> None:
        items = self.get(self.data, "supports", "supports", list, required=False)
        for index, item in enumerate(items or []):
            key = f"supports[{index}]"
            if not isinstance(item, dict):
                self.wrong_type(key, dict, item)
                continue
            identifier = self.get(item, "id", f"{key}.id", str, required=True)
            if identifier is not None:
                self.check_uri(f"{key}.id", identifier)

    def check_country_sections(self) -> None:
        if "it" in self.data:
            if "IT" in self.data:
                self.error(
                    "it",
                    "duplicate_key",
                    "Les clés « it » et « IT » sont présentes : gardez « IT ».",
                )
            else:
                self.warn(
                    "it",
                    "deprecated_lowercase_country",
                    "La section « it » en minuscules est obsolète : utilisez « IT ».",
                )
        for name in ("IT", "it"):
            section = self.get(self.data, name, name, dict, required=False)
            if section is None:
                continue
            version = self.get(
                section,
                "countryExtensionVersion",
                f"{name}.countryExtensionVersion",
                str,
                required=False,
            )
            if version is not None:
                self.check_enum(f"{name}.countryExtensionVersion", version, ("0.2", "1.0"))
            if "conforme" in section:
                self.deprecated(f"{name}.conforme")
            riuso = section.get("riuso")
            if isinstance(riuso, dict) and "codiceIPA" in riuso:
                self.deprecated(f"{name}.riuso.codiceIPA", "organisation.uri")


def _decode(text: str | bytes) -> tuple[str | None, PubliccodeIssue | None]:
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_SIZE:
            return None, _too_large()
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None, PubliccodeIssue(
                "", "invalid_utf8", "Le fichier n'est pas encodé en UTF-8 valide."
            )
    elif len(text) > MAX_FILE_SIZE or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_SIZE:
        return None, _too_large()
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def _too_large() -> PubliccodeIssue:
    return PubliccodeIssue(
        "",
        "too_large",
        f"Le fichier dépasse la taille maximale autorisée ({MAX_FILE_SIZE // 1024} Kio).",
    )


def parse_publiccode(text: str | bytes) -> PubliccodeResult:
    """Parse and check a publiccode.yml document. Never raises on bad input."""
    decoded, issue = _decode(text)
    if decoded is None:
        return PubliccodeResult(data=None, errors=[issue] if issue else [])
    try:
        loaded = _load_yaml(decoded)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark else ""
        return PubliccodeResult(
            data=None,
            errors=[PubliccodeIssue("", "yaml_error", f"Le fichier YAML est mal formé{where}.")],
        )
    except (yaml.YAMLError, ValueError, RecursionError):
        return PubliccodeResult(
            data=None,
            errors=[PubliccodeIssue("", "yaml_error", "Le fichier YAML est illisible.")],
        )
    if not isinstance(loaded, dict):
        return PubliccodeResult(
            data=None,
            errors=[
                PubliccodeIssue(
                    "",
                    "not_a_mapping",
                    "Le document doit être un dictionnaire YAML (clé: valeur), "
                    f"pas {_describe(loaded)}.",
                )
            ],
        )
    checker = _Checker(loaded)
    try:
        checker.run()
    except RecursionError:  # pragma: no cover - defensive: pathological nesting
        checker.error("", "too_complex", "Le document est trop imbriqué pour être analysé.")
    return PubliccodeResult(data=loaded, errors=checker.errors, warnings=checker.warnings)

"""Licences, identified as data.gouv.fr names them (SPDX identifiers for software)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Licence:
    id: str
    title: str | Promise
    url: str
    # The EU "licence" authority table URI, where one exists.
    eu_uri: str = ""
    open: bool = True
    software: bool = False


LICENCES: tuple[Licence, ...] = (
    Licence(
        "lov2",
        _("Licence Ouverte / Open Licence version 2.0"),
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        "http://publications.europa.eu/resource/authority/licence/ETALAB_2_0",
    ),
    Licence(
        "fr-lo",
        _("Licence Ouverte / Open Licence version 1.0"),
        "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
    ),
    Licence(
        "odc-odbl",
        _("Open Data Commons Open Database License (ODbL)"),
        "https://opendatacommons.org/licenses/odbl/summary/",
        "http://publications.europa.eu/resource/authority/licence/ODC_BL",
    ),
    Licence(
        "odc-by",
        _("Open Data Commons Attribution License"),
        "https://opendatacommons.org/licenses/by/summary/",
        "http://publications.europa.eu/resource/authority/licence/ODC_BY",
    ),
    Licence(
        "odc-pddl",
        _("Open Data Commons Public Domain Dedication and Licence (PDDL)"),
        "https://opendatacommons.org/licenses/pddl/summary/",
        "http://publications.europa.eu/resource/authority/licence/ODC_PDDL",
    ),
    Licence(
        "cc-by",
        _("Creative Commons Attribution"),
        "https://creativecommons.org/licenses/by/4.0/",
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    ),
    Licence(
        "cc-by-sa",
        _("Creative Commons Attribution - Partage dans les mêmes conditions"),
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "http://publications.europa.eu/resource/authority/licence/CC_BYSA_4_0",
    ),
    Licence(
        "cc-zero",
        _("Creative Commons CCZero"),
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "http://publications.europa.eu/resource/authority/licence/CC0",
    ),
    Licence(
        "EUPL-1.2",
        _("Licence publique de l'Union européenne 1.2"),
        "https://joinup.ec.europa.eu/collection/eupl/eupl-text-eupl-12",
        "http://publications.europa.eu/resource/authority/licence/EUPL_1_2",
        software=True,
    ),
    Licence(
        "AGPL-3.0-or-later",
        _("GNU Affero General Public License v3.0 ou ultérieure"),
        "https://www.gnu.org/licenses/agpl-3.0.html",
        "http://publications.europa.eu/resource/authority/licence/AGPL_3_0",
        software=True,
    ),
    Licence(
        "GPL-3.0-or-later",
        _("GNU General Public License v3.0 ou ultérieure"),
        "https://www.gnu.org/licenses/gpl-3.0.html",
        "http://publications.europa.eu/resource/authority/licence/GPL_3_0",
        software=True,
    ),
    Licence(
        "MIT",
        _("Licence MIT"),
        "https://opensource.org/licenses/MIT",
        "http://publications.europa.eu/resource/authority/licence/MIT",
        software=True,
    ),
    Licence(
        "Apache-2.0",
        _("Licence Apache 2.0"),
        "https://www.apache.org/licenses/LICENSE-2.0",
        "http://publications.europa.eu/resource/authority/licence/APACHE_2_0",
        software=True,
    ),
    Licence(
        "CECILL-2.1",
        _("Licence CeCILL 2.1"),
        "https://cecill.info/licences/Licence_CeCILL_V2.1-fr.html",
        "http://publications.europa.eu/resource/authority/licence/CECILL_2_1",
        software=True,
    ),
    Licence("notspecified", _("Licence non spécifiée"), "", open=False),
    Licence("other-at", _("Autre (Attribution)"), ""),
    Licence("other-open", _("Autre (Ouverte)"), ""),
)

LICENCES_BY_ID: dict[str, Licence] = {licence.id: licence for licence in LICENCES}


def licence_choices() -> list[tuple[str, str | Promise]]:
    return [(licence.id, licence.title) for licence in LICENCES]


def licence_get(licence_id: str) -> Licence | None:
    return LICENCES_BY_ID.get(licence_id)

"""The written demonstration content: organisations, accounts and entry templates.

Entries are generated from combinable pieces (subjects × organisations × angles) so
that the 30 entries of each kind read differently while staying deterministic: the
same index always gives the same text. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

DEMO_PASSWORD = "bac-a-sable-27"  # noqa: S105 - published demonstration password
DEMO_DOMAIN = "demo.region27.fr"
PER_KIND = 30
KINDS: tuple[str, ...] = ("dataset", "study", "software", "service", "failure", "kit")

# A territory as (level, code), looked up only when the COG is loaded.
TerritoryRef = tuple[str, str]


# --------------------------------------------------------------------------- organisations


@dataclass(frozen=True)
class OrgSpec:
    key: str
    slug: str
    name: str
    kind: str
    territory: TerritoryRef | None
    siren: str
    place: str  # "Valence", "la Drôme"...
    at_place: str  # "à Valence", "dans la Drôme"...
    covers: tuple[TerritoryRef, ...]
    description: str
    website: str
    requires_validation: bool = False
    short: str = ""  # in titles: "Drôme", "Valence"...
    who: str = ""  # as a sentence subject: "Le Département de la Drôme"


ORGANISATIONS: tuple[OrgSpec, ...] = (
    OrgSpec(
        key="region",
        slug="region-auvergne-rhone-alpes",
        name="Région Auvergne-Rhône-Alpes",
        kind="collectivite",
        territory=("region", "84"),
        siren="",
        place="Auvergne-Rhône-Alpes",
        at_place="en Auvergne-Rhône-Alpes",
        covers=(
            ("region", "84"),
            ("departement", "26"),
            ("departement", "07"),
            ("departement", "38"),
        ),
        description=(
            "La Région partage ses données, ses études et ses outils avec les collectivités "
            "de son territoire. Ses publications sont validées par les élus avant d'être "
            "rendues publiques."
        ),
        website="https://www.auvergnerhonealpes.fr/",
        requires_validation=True,
        short="Auvergne-Rhône-Alpes",
        who="La Région Auvergne-Rhône-Alpes",
    ),
    OrgSpec(
        key="drome",
        slug="departement-de-la-drome",
        name="Département de la Drôme",
        kind="collectivite",
        territory=("departement", "26"),
        siren="",
        place="la Drôme",
        at_place="dans la Drôme",
        covers=(
            ("departement", "26"),
            ("commune", "26198"),
            ("commune", "26113"),
            ("commune", "26108"),
        ),
        description=(
            "Le Département publie ici les données et retours d'expérience de ses politiques "
            "de solidarité, de collèges, de routes et d'environnement."
        ),
        website="https://www.ladrome.fr/",
        short="Drôme",
        who="Le Département de la Drôme",
    ),
    OrgSpec(
        key="agglo",
        slug="valence-romans-agglo",
        name="Valence Romans Agglo",
        kind="intercommunalite",
        territory=("epci", "200068781"),
        siren="200068781",
        place="Valence Romans Agglo",
        at_place="sur le territoire de Valence Romans Agglo",
        covers=(
            ("epci", "200068781"),
            ("commune", "26362"),
            ("commune", "26281"),
            ("commune", "26058"),
            ("commune", "26057"),
        ),
        description=(
            "La communauté d'agglomération mutualise ici ses jeux de données, ses logiciels "
            "et ses services numériques avec ses communes membres."
        ),
        website="https://www.valenceromansagglo.fr/",
        short="Valence Romans Agglo",
        who="Valence Romans Agglo",
    ),
    OrgSpec(
        key="valence",
        slug="ville-de-valence",
        name="Ville de Valence",
        kind="collectivite",
        territory=("commune", "26362"),
        siren="212603625",
        place="Valence",
        at_place="à Valence",
        covers=(("commune", "26362"), ("epci", "200068781")),
        description="La Ville de Valence partage ses données et ses retours d'expérience.",
        website="https://www.valence.fr/",
        short="Valence",
        who="La Ville de Valence",
    ),
    OrgSpec(
        key="romans",
        slug="ville-de-romans-sur-isere",
        name="Ville de Romans-sur-Isère",
        kind="collectivite",
        territory=("commune", "26281"),
        siren="212602817",
        place="Romans-sur-Isère",
        at_place="à Romans-sur-Isère",
        covers=(("commune", "26281"), ("epci", "200068781")),
        description="La Ville de Romans-sur-Isère publie ses données et ses outils.",
        website="https://www.ville-romans.fr/",
        short="Romans-sur-Isère",
        who="La Ville de Romans-sur-Isère",
    ),
    OrgSpec(
        key="reseau",
        slug="reseau-des-territoires-innovants",
        name="Réseau des territoires innovants",
        kind="reseau",
        territory=None,
        siren="",
        place="les territoires du réseau",
        at_place="dans les territoires du réseau",
        covers=(
            ("commune", "26362"),
            ("commune", "07186"),
            ("commune", "38185"),
            ("commune", "07010"),
        ),
        description=(
            "Un réseau (fictif) d'agents et d'élus qui documentent ensemble leurs "
            "expérimentations, leurs réussites et leurs échecs."
        ),
        website="",
        short="Réseau des territoires innovants",
        who="Le Réseau des territoires innovants",
    ),
)

ORG_BY_KEY: dict[str, OrgSpec] = {org.key: org for org in ORGANISATIONS}
ORG_ORDER: tuple[str, ...] = tuple(org.key for org in ORGANISATIONS)


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class UserSpec:
    key: str
    email: str
    display_name: str
    organisation: str | None  # OrgSpec.key; None for the habitant
    role: str | None  # "agent", "elu", "admin"; None for the habitant


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


USERS: tuple[UserSpec, ...] = (
    UserSpec("agent-region", _email("agent.region"), "Camille Martin", "region", "agent"),
    UserSpec("elu-region", _email("elu.region"), "Hélène Garnier", "region", "elu"),
    UserSpec("admin-region", _email("admin.region"), "Karim Benali", "region", "admin"),
    UserSpec("agent-drome", _email("agent.drome"), "Julien Faure", "drome", "agent"),
    UserSpec("elu-drome", _email("elu.drome"), "Claire Mounier", "drome", "elu"),
    UserSpec("agent-agglo", _email("agent.agglo"), "Sophie Chabert", "agglo", "agent"),
    UserSpec("agent-valence", _email("agent.valence"), "Nadia Roussel", "valence", "agent"),
    UserSpec("elu-valence", _email("elu.valence"), "Pierre Vial", "valence", "elu"),
    UserSpec("agent-romans", _email("agent.romans"), "Lucas Morel", "romans", "agent"),
    UserSpec("agent-reseau", _email("agent.reseau"), "Inès Bonnet", "reseau", "agent"),
    UserSpec("habitant", _email("habitant"), "Marie Dupuis", None, None),
)

ROLE_LABELS: dict[str | None, str] = {
    "agent": "Agent",
    "elu": "Élu",
    "admin": "Administrateur",
    None: "Habitant",
}


# --------------------------------------------------------------------------- subjects

_ARTICLE = {"m": "le ", "f": "la ", "p": "les ", "v": "l'"}
_OF = {"m": "du ", "f": "de la ", "p": "des ", "v": "de l'"}


@dataclass(frozen=True)
class Subject:
    key: str
    gender: str  # m, f, p (plural) or v (elided: l')
    noun: str
    themes: tuple[str, ...]
    keywords: tuple[str, ...]
    data: str  # dataset title
    csv: str  # which CSV generator
    app: str  # software name
    app_what: str  # what the software does
    service: str  # service title
    fact: str  # one sentence of context
    point: str = "Site"  # name of one row in a "points" CSV
    indicators: tuple[tuple[str, str], ...] = ()

    @property
    def the(self) -> str:
        return f"{_ARTICLE[self.gender]}{self.noun}"

    @property
    def of(self) -> str:
        return f"{_OF[self.gender]}{self.noun}"


S = Subject
SUBJECTS: tuple[Subject, ...] = (
    S(
        "dechets",
        "f",
        "collecte des déchets ménagers",
        ("dechets", "environnement"),
        ("déchets", "collecte", "ordures ménagères", "tri"),
        "Tonnages de déchets ménagers collectés par flux",
        "tonnages",
        "Benne",
        "suivi des tournées de collecte et des tonnages",
        "Calendrier de collecte des déchets",
        "Les tonnages collectés sont la première donnée demandée par les habitants comme par "
        "les élus lorsqu'il s'agit de fixer la taxe d'enlèvement des ordures ménagères.",
    ),
    S(
        "biodechets",
        "m",
        "tri à la source des biodéchets",
        ("dechets", "agriculture"),
        ("biodéchets", "compostage", "tri à la source"),
        "Sites de compostage partagé et points d'apport des biodéchets",
        "points",
        "Compostou",
        "gestion des sites de compostage partagé",
        "Carte des composteurs partagés",
        "Depuis le 1er janvier 2024, chaque habitant doit disposer d'une solution de tri à la "
        "source de ses biodéchets.",
        point="Composteur partagé",
    ),
    S(
        "velo",
        "p",
        "aménagements cyclables",
        ("mobilite", "amenagement"),
        ("vélo", "pistes cyclables", "mobilités actives"),
        "Linéaire d'aménagements cyclables et stationnements vélo",
        "indicateurs",
        "Vélocité",
        "inventaire et programmation des aménagements cyclables",
        "Calculateur d'itinéraires à vélo",
        "Le schéma national des aménagements cyclables donne un format commun pour décrire "
        "pistes, bandes et voies vertes.",
        indicators=(("linéaire de pistes cyclables", "km"), ("stationnements vélo", "places")),
    ),
    S(
        "cantines",
        "f",
        "restauration scolaire",
        ("education", "agriculture"),
        ("cantine", "restauration scolaire", "EGalim", "bio"),
        "Part des produits durables et bio dans les repas servis",
        "indicateurs",
        "Menu Commun",
        "planification des menus et suivi des achats EGalim",
        "Menus des cantines en ligne",
        "La loi EGalim fixe au moins 50 % de produits durables et de qualité, dont 20 % de "
        "produits bio, dans la restauration collective publique.",
        indicators=(
            ("part de produits durables et de qualité", "%"),
            ("part de produits bio", "%"),
        ),
    ),
    S(
        "eclairage",
        "v",
        "éclairage public",
        ("energie", "securite"),
        ("éclairage public", "sobriété énergétique", "LED"),
        "Points lumineux de l'éclairage public",
        "points",
        "Lampadaire",
        "inventaire du parc d'éclairage et des interventions",
        "Signalement des pannes d'éclairage",
        "L'éclairage public représente souvent une part importante de la facture d'électricité "
        "d'une commune.",
        point="Point lumineux",
    ),
    S(
        "budget-participatif",
        "m",
        "budget participatif",
        ("participation", "finances"),
        ("budget participatif", "vote", "projets citoyens"),
        "Projets déposés et votes du budget participatif",
        "indicateurs",
        "Agora",
        "dépôt, instruction et vote des projets citoyens",
        "Plateforme de vote du budget participatif",
        "Un budget participatif consacre une part du budget d'investissement à des projets "
        "proposés puis votés par les habitants.",
        indicators=(("projets déposés", "projets"), ("votants", "personnes")),
    ),
    S(
        "tiers-lieux",
        "p",
        "tiers-lieux",
        ("innovation-sociale", "economie"),
        ("tiers-lieux", "coworking", "fablab"),
        "Annuaire des tiers-lieux",
        "points",
        "Lieux Communs",
        "annuaire et réservation des espaces des tiers-lieux",
        "Réservation des salles des tiers-lieux",
        "Espaces de travail partagés, fablabs, cafés associatifs : les tiers-lieux mêlent "
        "activité économique et lien social.",
        point="Tiers-lieu",
    ),
    S(
        "eau",
        "f",
        "distribution de l'eau potable",
        ("environnement", "sante"),
        ("eau potable", "qualité de l'eau", "rendement de réseau"),
        "Qualité de l'eau distribuée et rendement du réseau",
        "indicateurs",
        "Réseau Clair",
        "suivi des fuites et des interventions sur le réseau d'eau",
        "Qualité de l'eau du robinet",
        "Le rapport annuel sur le prix et la qualité du service de l'eau est présenté chaque "
        "année à l'assemblée délibérante.",
        indicators=(
            ("rendement du réseau de distribution", "%"),
            ("taux de conformité bactériologique", "%"),
        ),
    ),
    S(
        "plu",
        "m",
        "plan local d'urbanisme",
        ("amenagement", "logement"),
        ("PLU", "urbanisme", "zonage", "géoportail de l'urbanisme"),
        "Surfaces par zone du plan local d'urbanisme",
        "indicateurs",
        "Parcelle",
        "instruction des autorisations d'urbanisme et consultation du zonage",
        "Consultation du PLU à la parcelle",
        "Les documents d'urbanisme sont versés au Géoportail de l'urbanisme au format du "
        "standard CNIG.",
        indicators=(("surface en zone urbaine", "ha"), ("surface en zone agricole", "ha")),
    ),
    S(
        "transport-scolaire",
        "m",
        "transport scolaire",
        ("mobilite", "education"),
        ("transport scolaire", "cars", "élèves"),
        "Points d'arrêt du transport scolaire",
        "points",
        "Cartable",
        "inscriptions et affectation des élèves aux circuits",
        "Inscription en ligne au transport scolaire",
        "Depuis la loi NOTRe, la Région organise le transport scolaire hors du ressort des "
        "autorités organisatrices de la mobilité locales.",
        point="Arrêt",
    ),
    S(
        "marches-publics",
        "p",
        "marchés publics",
        ("administration", "finances", "economie"),
        ("marchés publics", "commande publique", "DECP"),
        "Données essentielles des marchés publics",
        "marches",
        "Achat Clair",
        "programmation et suivi de la commande publique",
        "Avis de marchés et profil acheteur",
        "Les acheteurs publics publient les données essentielles de leurs marchés à partir de "
        "40 000 € HT.",
    ),
    S(
        "subventions",
        "p",
        "subventions aux associations",
        ("finances", "innovation-sociale"),
        ("subventions", "associations", "vie associative"),
        "Subventions versées aux associations",
        "subventions",
        "Asso Facile",
        "dépôt et instruction des demandes de subvention",
        "Demande de subvention en ligne",
        "Les collectivités publient les subventions de plus de 23 000 € selon le schéma "
        "national des données de subventions.",
    ),
    S(
        "deliberations",
        "p",
        "délibérations",
        ("administration", "participation"),
        ("délibérations", "conseil", "actes administratifs"),
        "Délibérations du conseil et résultats des votes",
        "deliberations",
        "Actes",
        "préparation des séances et publication des délibérations",
        "Recherche dans les délibérations",
        "Depuis le 1er juillet 2022, la publicité des actes des collectivités se fait par voie "
        "électronique.",
    ),
    S(
        "irve",
        "p",
        "bornes de recharge pour véhicules électriques",
        ("mobilite", "energie"),
        ("IRVE", "bornes de recharge", "véhicule électrique"),
        "Bornes de recharge pour véhicules électriques (IRVE)",
        "irve",
        "Recharge",
        "supervision des bornes et suivi des sessions de recharge",
        "Carte des bornes de recharge disponibles",
        "Les aménageurs décrivent leurs bornes selon le schéma IRVE consolidé sur "
        "transport.data.gouv.fr.",
    ),
    S(
        "accessibilite",
        "v",
        "accessibilité des établissements recevant du public",
        ("amenagement", "sante"),
        ("accessibilité", "handicap", "ERP"),
        "Accessibilité des établissements recevant du public",
        "points",
        "Rampe",
        "suivi des agendas d'accessibilité programmée",
        "Registre public d'accessibilité",
        "Chaque établissement recevant du public tient un registre public d'accessibilité "
        "consultable par les usagers.",
        point="Établissement",
    ),
    S(
        "inclusion-numerique",
        "v",
        "inclusion numérique",
        ("numerique", "innovation-sociale"),
        ("médiation numérique", "inclusion numérique", "France services"),
        "Lieux de médiation numérique",
        "points",
        "Pass Clic",
        "prise de rendez-vous et suivi des accompagnements en médiation numérique",
        "Annuaire des lieux d'aide au numérique",
        "Une part importante des habitants se dit mal à l'aise avec les démarches "
        "administratives en ligne.",
        point="Lieu de médiation",
    ),
    S(
        "renovation",
        "f",
        "rénovation énergétique des bâtiments publics",
        ("energie", "developpement-durable"),
        ("décret tertiaire", "rénovation énergétique", "bâtiments publics"),
        "Consommations énergétiques des bâtiments publics",
        "indicateurs",
        "Thermo",
        "suivi des consommations des bâtiments et des objectifs du décret tertiaire",
        "Tableau de bord énergie des bâtiments",
        "Le décret tertiaire impose de réduire de 40 % d'ici 2030 les consommations des "
        "bâtiments de plus de 1 000 m².",
        indicators=(
            ("consommation d'énergie finale", "MWh"),
            ("émissions de gaz à effet de serre", "tCO2e"),
        ),
    ),
    S(
        "covoiturage",
        "m",
        "covoiturage",
        ("mobilite", "developpement-durable"),
        ("covoiturage", "aires de covoiturage", "mobilité partagée"),
        "Aires de covoiturage",
        "points",
        "Co-Route",
        "mise en relation des covoitureurs du quotidien",
        "Réservation de trajets en covoiturage",
        "Les aires de covoiturage sont recensées dans une base nationale consolidée.",
        point="Aire de covoiturage",
    ),
    S(
        "air",
        "f",
        "qualité de l'air",
        ("environnement", "sante"),
        ("qualité de l'air", "pollution", "particules fines"),
        "Concentrations de polluants mesurées",
        "indicateurs",
        "Respire",
        "diffusion des alertes de pollution aux établissements sensibles",
        "Alertes pollution par SMS et courriel",
        "L'indice ATMO qualifie chaque jour la qualité de l'air, de « bon » à « extrêmement "
        "mauvais ».",
        indicators=(
            ("concentration moyenne en NO2", "µg/m³"),
            ("concentration moyenne en PM10", "µg/m³"),
        ),
    ),
    S(
        "arbres",
        "m",
        "patrimoine arboré",
        ("environnement", "amenagement"),
        ("arbres", "canopée", "îlots de chaleur"),
        "Inventaire des arbres d'alignement et des parcs",
        "points",
        "Canopée",
        "inventaire et suivi sanitaire des arbres",
        "Carte des arbres de la ville",
        "Les arbres d'alignement rafraîchissent la rue en été ; leur inventaire est la base de "
        "tout plan de végétalisation.",
        point="Arbre",
    ),
    S(
        "equipements-sportifs",
        "p",
        "équipements sportifs",
        ("sport-loisirs", "amenagement"),
        ("équipements sportifs", "gymnases", "piscines"),
        "Équipements sportifs et créneaux d'occupation",
        "points",
        "Créneaux",
        "planification des créneaux des gymnases et des piscines",
        "Réservation des équipements sportifs",
        "Le recensement national des équipements sportifs décrit les équipements de chaque "
        "commune.",
        point="Équipement",
    ),
    S(
        "mediatheques",
        "p",
        "médiathèques",
        ("culture", "education"),
        ("médiathèques", "lecture publique", "prêts"),
        "Fréquentation et prêts des médiathèques",
        "indicateurs",
        "Lecture",
        "portail commun et navette entre les médiathèques du réseau",
        "Catalogue commun des médiathèques",
        "Les médiathèques répondent chaque année à l'enquête statistique du ministère de la "
        "Culture sur la lecture publique.",
        indicators=(("prêts de documents", "prêts"), ("inscrits actifs", "personnes")),
    ),
    S(
        "alimentation",
        "m",
        "projet alimentaire territorial",
        ("agriculture", "developpement-durable"),
        ("PAT", "circuits courts", "producteurs locaux"),
        "Producteurs locaux en vente directe",
        "points",
        "Panier Local",
        "mise en relation des producteurs et de la restauration collective",
        "Carte des producteurs en vente directe",
        "Un projet alimentaire territorial rapproche producteurs, cantines et habitants autour "
        "d'une alimentation locale.",
        point="Producteur",
    ),
    S(
        "logement-social",
        "f",
        "demande de logement social",
        ("logement", "sante"),
        ("logement social", "demande de logement", "attributions"),
        "Demandes et attributions de logements sociaux",
        "indicateurs",
        "Toit",
        "gestion partagée de la demande de logement social",
        "Suivi en ligne de sa demande de logement",
        "Les intercommunalités pilotent les attributions de logements sociaux au sein d'une "
        "conférence intercommunale du logement.",
        indicators=(("demandes en attente", "demandes"), ("attributions", "logements")),
    ),
    S(
        "inondation",
        "m",
        "risque d'inondation",
        ("securite", "environnement"),
        ("inondation", "risques naturels", "plan communal de sauvegarde"),
        "Repères de crue et zones inondables",
        "points",
        "Crue",
        "préparation et déclenchement du plan communal de sauvegarde",
        "Alerte des habitants en cas de crue",
        "Le plan communal de sauvegarde organise l'alerte et la mise à l'abri des habitants "
        "lorsque le Rhône ou l'Isère montent.",
        point="Repère de crue",
    ),
    S(
        "stationnement",
        "m",
        "stationnement",
        ("mobilite", "amenagement"),
        ("stationnement", "parkings", "places PMR"),
        "Parkings publics et places disponibles",
        "points",
        "Place Libre",
        "gestion du stationnement payant et des abonnements",
        "Disponibilité des parkings en temps réel",
        "Les données de stationnement se publient selon un schéma national qui décrit "
        "capacités, tarifs et horaires.",
        point="Parking",
    ),
    S(
        "petite-enfance",
        "f",
        "petite enfance",
        ("sante", "education"),
        ("crèches", "petite enfance", "modes de garde"),
        "Places en crèche et demandes d'accueil",
        "indicateurs",
        "Berceau",
        "commission d'attribution des places en crèche",
        "Pré-inscription en crèche",
        "Publier les critères d'attribution des places en crèche aide les familles à "
        "comprendre les décisions.",
        indicators=(
            ("places en établissement d'accueil", "places"),
            ("demandes en attente", "demandes"),
        ),
    ),
    S(
        "randonnee",
        "p",
        "itinéraires de randonnée",
        ("tourisme", "sport-loisirs"),
        ("randonnée", "ViaRhôna", "itinéraires", "tourisme"),
        "Itinéraires de randonnée et de cyclotourisme",
        "points",
        "Sentiers",
        "gestion des itinéraires et signalement des problèmes de balisage",
        "Guide des itinéraires de randonnée",
        "La ViaRhôna, qui longe le Rhône du Léman à la Méditerranée, traverse la Drôme et "
        "l'agglomération valentinoise.",
        point="Départ d'itinéraire",
    ),
    S(
        "etat-civil",
        "v",
        "état civil",
        ("administration", "numerique"),
        ("état civil", "actes", "démarches en ligne"),
        "Actes d'état civil enregistrés",
        "indicateurs",
        "Registre",
        "dématérialisation des actes et des demandes d'état civil",
        "Demande d'acte d'état civil en ligne",
        "Les demandes d'actes d'état civil figurent parmi les démarches en ligne les plus "
        "fréquentes des mairies.",
        indicators=(("naissances", "actes"), ("mariages", "actes")),
    ),
    S(
        "solaire",
        "p",
        "centrales solaires sur toitures publiques",
        ("energie", "developpement-durable"),
        ("photovoltaïque", "énergies renouvelables", "autoconsommation"),
        "Installations photovoltaïques sur le patrimoine public",
        "points",
        "Soleil Commun",
        "suivi de la production des centrales solaires citoyennes",
        "Production solaire en temps réel",
        "Les toitures des écoles, gymnases et ateliers municipaux se prêtent bien à "
        "l'autoconsommation collective.",
        point="Centrale",
    ),
)
del S

assert len(SUBJECTS) == PER_KIND


# --------------------------------------------------------------------------- entry specs


@dataclass(frozen=True)
class DistributionSpec:
    title: str
    description: str
    filename: str = ""
    content: str = ""  # CSV text for a file
    url: str = ""
    format: str = ""


@dataclass(frozen=True)
class EntrySpec:
    index: int
    kind: str
    organisation: str  # OrgSpec.key
    status: str  # draft, submitted, published, archived
    title: str
    slug: str
    summary: str
    body: str
    licence: str
    themes: tuple[str, ...]
    keywords: tuple[str, ...]
    covers: tuple[TerritoryRef, ...]
    detail: dict[str, Any]
    distributions: tuple[DistributionSpec, ...] = ()
    kit_size: int = 0  # kits only: how many entries to gather
    subject: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _org_for(kind_index: int, i: int) -> OrgSpec:
    return ORG_BY_KEY[ORG_ORDER[(i + kind_index) % len(ORG_ORDER)]]


def _status_for(org: OrgSpec, i: int) -> str:
    """Most entries are published; a few are drafts, waiting for an élu, or archived."""
    if org.requires_validation and (i // 6) in (1, 3):
        return "submitted"
    if i in (4, 19):
        return "draft"
    if i in (9, 26):
        return "archived"
    return "published"


def _years(i: int) -> tuple[int, int]:
    start = 2016 + i % 5
    return start, start + 3 + i % 4


def _date(i: int, offset: int = 0) -> dt.date:
    return dt.date(2019 + (i + offset) % 6, 1 + (i * 5 + offset) % 12, 1 + (i * 7) % 28)


def _covers(org: OrgSpec, i: int) -> tuple[TerritoryRef, ...]:
    return org.covers[: 1 + i % len(org.covers)]


def _slug(title: str) -> str:
    return slugify(title)[:100].strip("-")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _low(text: str) -> str:
    return text[:1].lower() + text[1:]


# ----------------------------------------------------------------------------- CSV files

_STREETS = (
    "avenue Victor-Hugo",
    "boulevard Bancel",
    "rue Madier-de-Montjau",
    "place des Clercs",
    "avenue de Romans",
    "rue Jacquemart",
    "place Jean-Jaurès",
    "quai Chopin",
    "avenue Gambetta",
    "rue de la République",
)
_COMMUNES = (
    ("26362", "Valence", 44.9334, 4.8924),
    ("26281", "Romans-sur-Isère", 45.0434, 5.0511),
    ("26058", "Bourg-lès-Valence", 44.9474, 4.8941),
    ("26057", "Bourg-de-Péage", 45.0370, 5.0510),
)
_ASSOCIATIONS = (
    "Amicale laïque du quartier Fontbarlettes",
    "Club de basket valentinois",
    "Ludothèque La Toupie",
    "Chorale Les Voix du Rhône",
    "Comité des fêtes de la Monnaie",
    "Association Jardins partagés du Polygone",
    "Repair café de l'Isère",
    "École de musique intercommunale",
)
_FLUX = ("ordures ménagères résiduelles", "emballages et papiers", "verre", "biodéchets")
_MARCHE_OBJETS = (
    ("Fourniture de repas pour la restauration scolaire", "appel d'offres ouvert"),
    ("Entretien de l'éclairage public", "appel d'offres ouvert"),
    ("Maintenance des bornes de recharge", "procédure adaptée"),
    ("Travaux de voirie – lot 2 aménagements cyclables", "procédure adaptée"),
    ("Prestations de nettoyage des bâtiments", "appel d'offres ouvert"),
    ("Tierce maintenance applicative du logiciel de gestion financière", "procédure adaptée"),
)
_TITULAIRES = (
    "Société Drômoise de Services",
    "Coopérative Rhône Numérique",
    "Lumière & Réseaux SAS",
    "Entreprise Vercors Travaux",
)
_DELIB_OBJETS = (
    "Budget primitif de l'exercice",
    "Attribution de subventions aux associations",
    "Convention de mutualisation du service d'instruction",
    "Tarifs de la restauration scolaire",
    "Adhésion au groupement de commandes pour l'énergie",
    "Modification simplifiée du plan local d'urbanisme",
)


def _csv(rows: list[list[Any]]) -> str:
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            text = str(cell)
            if any(c in text for c in ',"\n'):
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def csv_columns(subject: Subject) -> list[tuple[str, str]]:
    """The columns of the subject's CSV file, with their meaning (for the description)."""
    return {
        "tonnages": [
            ("annee", "année de collecte"),
            ("mois", "mois de collecte (1 à 12)"),
            ("flux", "flux de déchets"),
            ("tonnage", "tonnes collectées"),
        ],
        "points": [
            ("identifiant", "identifiant stable de l'objet"),
            ("nom", "nom usuel"),
            ("adresse", "adresse postale"),
            ("code_insee", "code INSEE de la commune"),
            ("commune", "nom de la commune"),
            ("latitude", "latitude WGS 84"),
            ("longitude", "longitude WGS 84"),
        ],
        "irve": [
            ("id_station", "identifiant de la station"),
            ("nom_station", "nom de la station"),
            ("adresse", "adresse postale"),
            ("code_insee", "code INSEE de la commune"),
            ("puissance_kw", "puissance maximale d'un point de charge"),
            ("nb_points_charge", "nombre de points de charge"),
        ],
        "indicateurs": [
            ("annee", "année de mesure"),
            ("code_insee", "code INSEE du territoire"),
            ("indicateur", "libellé de l'indicateur"),
            ("valeur", "valeur mesurée"),
            ("unite", "unité"),
        ],
        "marches": [
            ("annee", "année de notification"),
            ("objet", "objet du marché"),
            ("procedure", "procédure de passation"),
            ("montant_ht", "montant en euros hors taxes"),
            ("titulaire", "titulaire du marché"),
        ],
        "subventions": [
            ("annee", "exercice budgétaire"),
            ("beneficiaire", "association bénéficiaire"),
            ("objet", "objet de la subvention"),
            ("montant_eur", "montant attribué en euros"),
            ("date_deliberation", "date de la délibération"),
        ],
        "deliberations": [
            ("date_seance", "date de la séance"),
            ("numero", "numéro de la délibération"),
            ("objet", "objet"),
            ("pour", "voix pour"),
            ("contre", "voix contre"),
            ("abstentions", "abstentions"),
        ],
    }[subject.csv]


def csv_content(subject: Subject, i: int) -> str:
    """A small, believable CSV file; the values come from arithmetic, not randomness."""
    header = [name for name, _meaning in csv_columns(subject)]
    rows: list[list[Any]] = [header]
    y0, y1 = _years(i)
    if subject.csv == "tonnages":
        for year in range(y1 - 1, y1 + 1):
            for month in range(1, 13):
                for k, flux in enumerate(_FLUX):
                    base = (2400, 900, 520, 310)[k]
                    rows.append([year, month, flux, base + (month * 37 + k * 11 + i) % 180])
    elif subject.csv in ("points", "irve"):
        for n in range(12):
            code, commune, lat, lon = _COMMUNES[n % len(_COMMUNES)]
            street = _STREETS[(n + i) % len(_STREETS)]
            address = f"{1 + (n * 13 + i) % 120} {street}"
            if subject.csv == "irve":
                rows.append(
                    [
                        f"FRDEM{code}{n + 1:03d}",
                        f"Station {street}",
                        address,
                        code,
                        (22, 50, 150)[n % 3],
                        2 + n % 3,
                    ]
                )
            else:
                rows.append(
                    [
                        f"{subject.key}-{n + 1:03d}",
                        f"{subject.point} {street}",
                        address,
                        code,
                        commune,
                        f"{lat + (n * 17 % 40) / 10000:.5f}",
                        f"{lon + (n * 23 % 40) / 10000:.5f}",
                    ]
                )
    elif subject.csv == "indicateurs":
        for year in range(y0, y1 + 1):
            for k, (label, unit) in enumerate(subject.indicators):
                value = (
                    40 + (year * 7 + k * 13 + i) % 55
                    if unit == "%"
                    else (100 + (year * 31 + k * 17 + i * 3) % 900)
                )
                for code, *_rest in _COMMUNES[:2]:
                    rows.append([year, code, label, value + (3 if code == "26281" else 0), unit])
    elif subject.csv == "marches":
        for n, (objet, procedure) in enumerate(_MARCHE_OBJETS):
            amount = 45_000 + (n * 48_350 + i * 1_250) % 600_000
            rows.append([y1 - n % 2, objet, procedure, amount, _TITULAIRES[n % 4]])
    elif subject.csv == "subventions":
        for n, association in enumerate(_ASSOCIATIONS):
            amount = 1_500 + (n * 3_250 + i * 500) % 30_000
            objet = ("Fonctionnement", "Projet d'animation de quartier", "Manifestation")[n % 3]
            rows.append([y1, association, objet, amount, f"{y1}-03-{10 + n:02d}"])
    elif subject.csv == "deliberations":
        for n, objet in enumerate(_DELIB_OBJETS):
            rows.append(
                [
                    f"{y1}-{1 + n * 2:02d}-15",
                    f"D{y1}-{n + 1:03d}",
                    objet,
                    33 - n % 4,
                    n % 3,
                    n % 2,
                ]
            )
    return _csv(rows)


# ------------------------------------------------------------------------- publiccode.yml

_PC_CATEGORIES: dict[str, tuple[str, ...]] = {
    "points": ("geographic-information-systems", "data-visualization"),
    "irve": ("geographic-information-systems", "facility-management"),
    "indicateurs": ("data-analytics", "data-visualization"),
    "tonnages": ("data-collection", "fleet-management"),
    "marches": ("procurement", "document-management"),
    "subventions": ("grant-management", "workflow-management"),
    "deliberations": ("document-management", "digital-citizenship"),
}


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def publiccode_yml(
    *, subject: Subject, org: OrgSpec, repository_url: str, licence: str, i: int
) -> str:
    """A publiccode.yml (v0.4) describing the demo software."""
    short = f"{subject.app} : {subject.app_what}."
    if len(short) > 150:
        short = f"{subject.app_what[:146]}…"
    long = (
        f"{subject.app} est un logiciel libre conçu par et pour les collectivités afin "
        f"d'outiller {subject.the}. Il est utilisé par {_low(org.who)} et ses partenaires. "
        f"{subject.fact} Le logiciel s'installe sur un serveur de la collectivité ou chez "
        "un hébergeur mutualisé, et s'ouvre dans un navigateur, sans poste client à gérer."
    )
    features = [
        _cap(subject.app_what),
        "Export des données en CSV et publication en données ouvertes",
        "Comptes et droits par service",
    ]
    categories = _PC_CATEGORIES.get(subject.csv, ("data-collection",))
    lines = [
        'publiccodeYmlVersion: "0.4"',
        f"name: {_yaml_text(subject.app)}",
        f"url: {_yaml_text(repository_url)}",
        f'softwareVersion: "{1 + i % 3}.{i % 7}.0"',
        f'releaseDate: "{_date(i, 1).isoformat()}"',
        "platforms:",
        "  - web",
        "categories:",
        *[f"  - {category}" for category in categories],
        "developmentStatus: stable",
        f"softwareType: {'standalone/web' if i % 4 else 'standalone/other'}",
        "description:",
        "  fr:",
        f"    shortDescription: {_yaml_text(short)}",
        f"    longDescription: {_yaml_text(long)}",
        "    features:",
        *[f"      - {_yaml_text(feature)}" for feature in features],
        "legal:",
        f"  license: {licence}",
        f"  mainCopyrightOwner: {_yaml_text(org.name)}",
        "maintenance:",
        "  type: community",
        "  contacts:",
        f"    - name: {_yaml_text('Communauté ' + subject.app)}",
        f"      email: contact.{subject.key}@{DEMO_DOMAIN}",
        "localisation:",
        "  localisationReady: true",
        "  availableLanguages:",
        "    - fr",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ builders

_DATASET_ANGLES = (
    ("annual", "Le fichier est mis à jour chaque année, après le vote du compte administratif."),
    ("monthly", "Les données sont extraites chaque mois du logiciel métier, sans retraitement."),
    ("quarterly", "Une ligne par enregistrement, avec les codes INSEE pour croiser les sources."),
    ("annual", "Le jeu suit le schéma national de schema.data.gouv.fr lorsqu'il en existe un."),
    ("irregular", "Les données personnelles ont été retirées avant publication."),
)
_DATASET_LICENCES = ("lov2", "lov2", "odc-odbl", "cc-by")


def dataset_spec(i: int) -> EntrySpec:
    subject = SUBJECTS[i]
    org = _org_for(0, i)
    frequency, angle = _DATASET_ANGLES[i % len(_DATASET_ANGLES)]
    y0, y1 = _years(i)
    title = f"{subject.data} — {org.short}"
    columns = csv_columns(subject)
    body = "\n".join(
        [
            "## Contenu",
            "",
            f"{subject.fact}",
            "",
            f"Ce jeu de données décrit {subject.the} {org.at_place}, de {y0} à {y1}. "
            f"Il est produit par {_low(org.who)} à partir de ses outils de gestion. {angle}",
            "",
            "## Colonnes",
            "",
            *[f"- `{name}` : {meaning} ;" for name, meaning in columns],
            "",
            "## Réutilisations possibles",
            "",
            "- comparer avec des territoires de taille comparable ;",
            f"- alimenter un tableau de bord {subject.of} ;",
            "- préparer un débat en conseil ou une réunion publique.",
            "",
        ]
    )
    base = f"{_slug(title)}"
    distributions: list[DistributionSpec] = []
    if i % 3 != 2:
        distributions.append(
            DistributionSpec(
                title=f"{subject.data} ({y1}, CSV)",
                description="Fichier CSV encodé en UTF-8, séparateur virgule.",
                filename=f"{subject.key}-{org.key}-{y1}.csv",
                content=csv_content(subject, i),
                format="CSV",
            )
        )
    distributions.append(
        DistributionSpec(
            title="Consultation en ligne",
            description="Le même jeu de données, consultable sur le portail de données ouvertes.",
            url=f"https://data.{DEMO_DOMAIN}/{org.key}/{subject.key}",
            format="HTML",
        )
    )
    if i % 4 == 0:
        distributions.append(
            DistributionSpec(
                title="API JSON",
                description="Les données au format JSON, par pages de 100 lignes.",
                url=f"https://api.{DEMO_DOMAIN}/{org.key}/{subject.key}.json",
                format="JSON",
            )
        )
    return EntrySpec(
        index=i,
        kind="dataset",
        organisation=org.key,
        status=_status_for(org, i),
        title=title,
        slug=base,
        summary=f"{subject.data} {org.at_place}, de {y0} à {y1}. {angle}",
        body=body,
        licence=_DATASET_LICENCES[i % len(_DATASET_LICENCES)],
        themes=subject.themes,
        keywords=(*subject.keywords, "données ouvertes"),
        covers=_covers(org, i),
        detail={
            "frequency": frequency,
            "temporal_start": dt.date(y0, 1, 1),
            "temporal_end": dt.date(y1, 12, 31),
            "contact_email": f"donnees.{org.key}@{DEMO_DOMAIN}",
        },
        distributions=tuple(distributions),
        subject=subject.key,
    )


_AUTHORS = (
    "Bureau d'études Alpes Territoires",
    "Coopérative Tiers Savoir (Léa Fabre, Yanis Perrin)",
    "Service observation et évaluation, en régie",
    "Atelier Rhône Conseil (Claire Boyer)",
    "Étudiants du master Action publique territoriale",
    "Agence Espaces & Usages (Thomas Gilles, Amina Haddad)",
)


def _study_title(subject: Subject, org: OrgSpec, i: int) -> tuple[str, str]:
    y0, y1 = _years(i)
    angle = i % 5
    if angle == 0:
        return (
            f"Diagnostic {subject.of} {org.at_place}",
            "un état des lieux chiffré, des entretiens avec les services et une carte des besoins",
        )
    if angle == 1:
        return (
            f"Étude d'opportunité : mutualiser {subject.the} ({org.short})",
            "une comparaison de trois scénarios de mutualisation, avec leurs coûts",
        )
    if angle == 2:
        return (
            f"Évaluation {subject.of} ({org.short}, {y0}–{y1})",
            "une évaluation des résultats au regard des objectifs fixés par les élus",
        )
    if angle == 3:
        return (
            f"Parangonnage : {subject.the} dans dix collectivités",
            "une comparaison des pratiques de dix collectivités de taille voisine",
        )
    return (
        f"Enquête auprès des usagers {subject.of} — {org.short}",
        "une enquête par questionnaire et des entretiens auprès des usagers",
    )


def study_spec(i: int) -> EntrySpec:
    subject = SUBJECTS[i]
    org = _org_for(1, i)
    title, method = _study_title(subject, org, i)
    cost = Decimal(8_000 + (i * 3_700) % 52_000) if i % 5 != 4 else None
    body = "\n".join(
        [
            "## Pourquoi cette étude",
            "",
            f"{subject.fact} {org.who} voulait objectiver ses choix sur {subject.the} "
            "avant d'engager de nouveaux moyens.",
            "",
            "## Méthode",
            "",
            f"L'étude repose sur {method}. Les données utilisées sont publiées à part, "
            "lorsqu'elles peuvent l'être.",
            "",
            "## Principaux enseignements",
            "",
            "- les besoins diffèrent nettement entre centres urbains et communes rurales ;",
            "- les outils existants sont sous-utilisés faute de formation des agents ;",
            "- une mutualisation entre collectivités voisines réduirait les coûts ;",
            "- les habitants attendent surtout une information claire et à jour.",
            "",
        ]
    )
    return EntrySpec(
        index=i,
        kind="study",
        organisation=org.key,
        status=_status_for(org, i),
        title=title,
        slug=_slug(title),
        summary=(
            f"{_cap(method)}, sur {subject.the} {org.at_place}. Le rapport et ses "
            "annexes sont réutilisables."
        ),
        body=body,
        licence=("cc-by", "cc-by-sa")[i % 2],
        themes=subject.themes,
        keywords=(*subject.keywords, "étude", "évaluation" if i % 5 == 2 else "diagnostic"),
        covers=_covers(org, i),
        detail={
            "authors": _AUTHORS[i % len(_AUTHORS)],
            "study_date": _date(i),
            "cost": cost,
            "commissioned_by": org.name,
            "document_url": f"https://docs.{DEMO_DOMAIN}/etudes/{_slug(title)}.pdf",
        },
        subject=subject.key,
    )


_SOFTWARE_LICENCES = (
    "EUPL-1.2",
    "AGPL-3.0-or-later",
    "MIT",
    "GPL-3.0-or-later",
    "CECILL-2.1",
    "Apache-2.0",
)


def software_spec(i: int, *, with_publiccode: bool = True) -> EntrySpec:
    subject = SUBJECTS[i]
    org = _org_for(2, i)
    licence = _SOFTWARE_LICENCES[i % len(_SOFTWARE_LICENCES)]
    title = f"{subject.app} — {subject.app_what}"
    repository_url = f"https://forge.{DEMO_DOMAIN}/{org.key}/{_slug(subject.app)}"
    body = "\n".join(
        [
            f"## À quoi sert {subject.app}",
            "",
            f"{subject.app} outille {subject.the} : {subject.app_what}. {subject.fact}",
            "",
            f"Le logiciel a été développé {('en régie', 'avec un prestataire', 'à plusieurs collectivités')[i % 3]} "  # noqa: E501
            f"puis publié sous licence {licence} pour que d'autres collectivités le réutilisent.",
            "",
            "## Fonctionnalités",
            "",
            f"- {subject.app_what} ;",
            "- export des données en CSV et publication en données ouvertes ;",
            "- comptes et droits par service ;",
            "- interface accessible (RGAA) et utilisable sur mobile.",
            "",
            "## Installation",
            "",
            "Une image de conteneur et un guide d'installation sont fournis dans le dépôt.",
            "",
        ]
    )
    detail: dict[str, Any] = {"repository_url": repository_url}
    if with_publiccode and i % 2 == 0:
        detail["publiccode_yml"] = publiccode_yml(
            subject=subject, org=org, repository_url=repository_url, licence=licence, i=i
        )
    return EntrySpec(
        index=i,
        kind="software",
        organisation=org.key,
        status=_status_for(org, i),
        title=title,
        slug=_slug(title),
        summary=(
            f"Logiciel libre de {subject.app_what}, utilisé {org.at_place} et publié sous "
            f"licence {licence}."
        ),
        body=body,
        licence=licence,
        themes=(*subject.themes, "numerique")
        if "numerique" not in subject.themes
        else (subject.themes),
        keywords=(*subject.keywords, "logiciel libre"),
        covers=_covers(org, i),
        detail=detail,
        subject=subject.key,
    )


def service_spec(i: int) -> EntrySpec:
    subject = SUBJECTS[i]
    org = _org_for(3, i)
    title = f"{subject.service} — {org.short}"
    url = f"https://{org.key}.{DEMO_DOMAIN}/{subject.key}/"
    detail: dict[str, Any] = {"url": url}
    has_api = i % 3 != 0
    if has_api:
        detail["api_url"] = f"https://api.{DEMO_DOMAIN}/{org.key}/{subject.key}/v1/"
        detail["documentation_url"] = f"https://api.{DEMO_DOMAIN}/{org.key}/{subject.key}/docs/"
    body = "\n".join(
        [
            "## Le service",
            "",
            f"{subject.service} : un service en ligne proposé par {_low(org.who)} pour "
            f"{subject.the}. Il est ouvert à tous, sans compte, et fonctionne sur mobile.",
            "",
            "## Pour qui",
            "",
            "- les habitants, qui trouvent l'information à jour sans appeler la mairie ;",
            "- les agents, qui répondent moins souvent aux mêmes questions ;",
            "- les réutilisateurs, "
            + (
                "qui interrogent l'API documentée."
                if has_api
                else "qui peuvent demander un export des données."
            ),
            "",
            "## Conditions d'utilisation",
            "",
            "Les données affichées sont publiées sous licence ouverte ; le service ne dépose "
            "aucun traceur publicitaire.",
            "",
        ]
    )
    return EntrySpec(
        index=i,
        kind="service",
        organisation=org.key,
        status=_status_for(org, i),
        title=title,
        slug=_slug(title),
        summary=(
            f"{subject.service} {org.at_place}" + (", avec une API ouverte." if has_api else ".")
        ),
        body=body,
        licence=("lov2", "odc-odbl")[i % 2],
        themes=subject.themes,
        keywords=(*subject.keywords, "service en ligne", *(("API",) if has_api else ())),
        covers=_covers(org, i),
        detail=detail,
        subject=subject.key,
    )


def _failure_texts(subject: Subject, org: OrgSpec, i: int) -> dict[str, str]:
    angle = i % 6
    the = subject.the
    if angle == 0:
        return {
            "title": f"Un outil pour {the} conçu sans ses utilisateurs",
            "context": f"Les agents chargés {subject.of} travaillaient sur des tableurs "
            "partagés, sources d'erreurs et de doublons.",
            "attempted": "Un logiciel sur mesure a été commandé et livré en dix mois, avec "
            "un cahier des charges rédigé par le seul service informatique.",
            "wrong": "Les agents de terrain n'avaient pas été associés : les écrans ne "
            "correspondaient pas à leur façon de travailler et les tableurs ont survécu.",
            "lessons": "Associer les futurs utilisateurs dès le cahier des charges, tester "
            "des maquettes avec eux et prévoir du temps de formation.",
        }
    if angle == 1:
        return {
            "title": f"Capteurs connectés pour {the} : une expérimentation arrêtée",
            "context": f"La collectivité cherchait à mesurer en continu {the} pour mieux "
            "cibler ses interventions.",
            "attempted": "Une centaine de capteurs connectés ont été posés pendant un an, "
            "avec un tableau de bord fourni par le fabricant.",
            "wrong": "Les batteries tenaient trois mois au lieu de deux ans, les données "
            "restaient enfermées chez le fabricant et personne n'avait le temps de les lire.",
            "lessons": "Exiger l'accès aux données brutes dans un format ouvert, chiffrer la "
            "maintenance et désigner qui exploitera les mesures avant d'acheter.",
        }
    if angle == 2:
        return {
            "title": f"Un marché public mal calibré pour {the}",
            "context": f"Le marché précédent sur {the} arrivait à échéance et les besoins "
            "avaient beaucoup évolué.",
            "attempted": "Un marché unique sur quatre ans a été passé pour gagner du temps, "
            "sans allotissement ni clause de réexamen.",
            "wrong": "Les volumes réels ont dépassé de 40 % les estimations ; les avenants "
            "successifs ont coûté cher et les petites entreprises locales étaient exclues.",
            "lessons": "Sourcer le besoin en amont, allotir, prévoir des tranches "
            "optionnelles et une clause de réexamen.",
        }
    if angle == 3:
        return {
            "title": f"Concertation sur {the} : la réunion publique où personne n'est venu",
            "context": f"Les élus voulaient associer les habitants aux choix sur {the}.",
            "attempted": "Une réunion publique a été annoncée par affichage et sur le site "
            "web, un mardi à 18 heures, dans la salle du conseil.",
            "wrong": "Douze personnes sont venues, toutes déjà engagées ; les habitants "
            "concernés n'ont pas été touchés et le projet a été contesté ensuite.",
            "lessons": "Aller vers les habitants (marchés, écoles, pieds d'immeuble), varier "
            "les horaires et les formats, dire à l'avance ce qui est vraiment ouvert au débat.",
        }
    if angle == 4:
        return {
            "title": f"Données ouvertes sur {the} : publiées une fois, jamais mises à jour",
            "context": "La collectivité s'était engagée à ouvrir ses données dans le cadre "
            "de la loi pour une République numérique.",
            "attempted": f"Un export des données {subject.of} a été publié, à la main, "
            "sur le portail de données ouvertes.",
            "wrong": "Aucun agent n'était chargé de la mise à jour : deux ans plus tard, les "
            "réutilisateurs signalaient des données périmées et l'application qui s'en "
            "servait a fermé.",
            "lessons": "Automatiser la publication depuis l'outil métier, nommer un "
            "responsable de la donnée et afficher la date de dernière mise à jour.",
        }
    return {
        "title": f"Prestataire défaillant : {the} à l'arrêt pendant six mois",
        "context": f"Un prestataire unique assurait l'outil et la maintenance pour {the}.",
        "attempted": "La collectivité a fait confiance à une solution propriétaire clé en "
        "main, hébergée par le prestataire.",
        "wrong": "Le prestataire a été placé en liquidation judiciaire : le service a été "
        "interrompu et la récupération des données a pris six mois.",
        "lessons": "Prévoir la réversibilité dans le contrat, exiger des exports réguliers "
        "et privilégier les logiciels libres, que d'autres peuvent maintenir.",
    }


def failure_spec(i: int) -> EntrySpec:
    subject = SUBJECTS[i]
    org = _org_for(4, i)
    texts = _failure_texts(subject, org, i)
    anonymised = i % 4 == 1 or i % 6 == 5
    cost = Decimal(5_000 + (i * 9_100) % 140_000) if i % 7 != 3 else None
    who = "Une collectivité" if anonymised else org.who
    first_problem = texts["wrong"].split(";")[0].split(":")[0].rstrip(". ")
    body = "\n".join(
        [
            "## Ce qui s'est passé",
            "",
            f"{who} raconte un projet sur {subject.the} qui n'a pas tenu ses promesses. "
            f"{texts['context']}",
            "",
            f"{texts['attempted']} {texts['wrong']}",
            "",
            "## En bref",
            "",
            f"- **Contexte** : {texts['context']}",
            f"- **Ce qui a été tenté** : {texts['attempted']}",
            f"- **Ce qui n'a pas marché** : {texts['wrong']}",
            "",
            "## Enseignements",
            "",
            texts["lessons"],
            "",
            "## Pourquoi le publier",
            "",
            "Pour que d'autres collectivités ne refassent pas la même erreur, et parce qu'un "
            "échec documenté vaut mieux qu'un succès mal raconté.",
            "",
        ]
    )
    return EntrySpec(
        index=i,
        kind="failure",
        organisation=org.key,
        status=_status_for(org, i),
        title=texts["title"],
        slug=_slug(texts["title"]),
        summary=f"Retour d'expérience sur {subject.the}. {first_problem}.",
        body=body,
        licence="cc-by",
        themes=subject.themes,
        keywords=(*subject.keywords, "retour d'échec"),
        covers=_covers(org, i) if not anonymised else (),
        detail={
            "context": texts["context"],
            "attempted": texts["attempted"],
            "cost": cost,
            "what_went_wrong": texts["wrong"],
            "lessons": texts["lessons"],
            "anonymised": anonymised,
        },
        subject=subject.key,
    )


def _kit_title(subject: Subject, i: int) -> str:
    return (
        f"Kit : lancer un projet sur {subject.the} en cinq étapes",
        f"Kit : ouvrir les données {subject.of}",
        f"Kit : évaluer {subject.the} avec les habitants",
        f"Kit : mutualiser {subject.the} entre collectivités",
        f"Kit : piloter {subject.the} par les données",
    )[i % 5]


def kit_spec(i: int) -> EntrySpec:
    subject = SUBJECTS[i]
    org = _org_for(5, i)
    title = _kit_title(subject, i)
    howto = "\n".join(
        [
            "## Mode d'emploi",
            "",
            "1. Lisez l'étude pour comprendre le contexte et les chiffres clés.",
            "2. Téléchargez le jeu de données et comparez-le avec vos propres données.",
            "3. Testez le logiciel ou le service sur un périmètre réduit.",
            "4. Lisez le retour d'échec avant de lancer votre marché.",
            "5. Présentez la démarche à vos élus, puis partagez votre propre retour ici.",
            "",
        ]
    )
    body = "\n".join(
        [
            "## Ce que contient ce kit",
            "",
            f"Une sélection de fiches pour agir sur {subject.the}, réunie par {_low(org.who)}. "
            f"{subject.fact}",
            "",
            "## Pour qui",
            "",
            "- les agents qui démarrent un projet ;",
            "- les élus qui veulent comparer avant de décider ;",
            "- les réseaux qui accompagnent les petites communes.",
            "",
        ]
    )
    return EntrySpec(
        index=i,
        kind="kit",
        organisation=org.key,
        status=_status_for(org, i),
        title=title,
        slug=_slug(title),
        summary=(
            f"Étude, données, outils et retours d'expérience pour agir sur {subject.the}, "
            "avec un mode d'emploi pas à pas."
        ),
        body=body,
        licence=("cc-by-sa", "cc-by")[i % 2],
        themes=subject.themes,
        keywords=(*subject.keywords, "kit", "mode d'emploi"),
        covers=_covers(org, i),
        detail={"howto": howto},
        kit_size=3 + i % 3,
        subject=subject.key,
    )


def entry_specs(kind: str, *, with_publiccode: bool = True) -> list[EntrySpec]:
    """The PER_KIND entries of `kind`, always the same, in the same order."""
    if kind == "software":
        return [software_spec(i, with_publiccode=with_publiccode) for i in range(PER_KIND)]
    builder = {
        "dataset": dataset_spec,
        "study": study_spec,
        "service": service_spec,
        "failure": failure_spec,
        "kit": kit_spec,
    }[kind]
    return [builder(i) for i in range(PER_KIND)]

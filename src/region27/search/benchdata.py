"""Realistic French entries in bulk, for the search benchmarks (`region27 bench-data`).

Entries are bulk-loaded (no versions, no journal), then the index is rebuilt with
`search_reindex`, which writes exactly the rows `search_index_entry` writes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from region27.accounts.models import Organisation
from region27.catalog.models import Distribution, Entry, Status, Theme
from region27.territories.models import Level, Territory

# (subject, theme, keywords)
SUBJECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("restauration scolaire", "agriculture", ("cantine", "repas", "bio", "circuits courts")),
    ("collecte des déchets ménagers", "dechets", ("tri", "ordures", "bennes", "collecte")),
    ("tri à la source des biodéchets", "dechets", ("compost", "biodéchets", "tri")),
    ("économie circulaire", "dechets", ("réemploi", "recyclerie", "ressourcerie")),
    ("aménagements cyclables", "mobilite", ("vélo", "pistes cyclables", "stationnement")),
    ("covoiturage du quotidien", "mobilite", ("covoiturage", "trajets", "domicile-travail")),
    ("transport à la demande", "mobilite", ("bus", "transport", "zones rurales")),
    ("éclairage public", "energie", ("LED", "extinction nocturne", "économies")),
    ("rénovation énergétique des bâtiments publics", "energie", ("isolation", "chauffage")),
    ("centrales solaires sur toitures publiques", "energie", ("photovoltaïque", "solaire")),
    ("méthanisation agricole", "energie", ("biogaz", "méthaniseur", "digestat")),
    ("distribution de l'eau potable", "environnement", ("eau", "réseau", "fuites")),
    ("gestion des eaux pluviales", "environnement", ("pluie", "désimperméabilisation")),
    ("biodiversité en ville", "environnement", ("arbres", "haies", "trame verte")),
    ("qualité de l'air", "environnement", ("pollution", "capteurs", "particules")),
    ("budget participatif", "participation", ("vote", "projets citoyens", "concertation")),
    ("conseil citoyen", "participation", ("démocratie locale", "habitants")),
    ("dématérialisation de l'état civil", "administration", ("actes", "démarches")),
    ("accueil des usagers en mairie", "administration", ("guichet", "rendez-vous")),
    ("inclusion numérique", "numerique", ("conseillers numériques", "médiation")),
    ("ouverture des données publiques", "numerique", ("open data", "portail", "API")),
    ("tiers-lieux", "innovation-sociale", ("coworking", "fablab", "ruralité")),
    ("médiathèques en réseau", "culture", ("lecture publique", "prêt", "catalogue")),
    ("patrimoine bâti", "culture", ("monuments", "restauration", "inventaire")),
    ("équipements sportifs", "sport-loisirs", ("gymnases", "piscines", "créneaux")),
    ("piscines intercommunales", "sport-loisirs", ("natation", "bassins", "horaires")),
    ("accueil touristique", "tourisme", ("offices de tourisme", "randonnée")),
    ("logement social", "logement", ("bailleurs", "attributions", "HLM")),
    ("habitat indigne", "logement", ("insalubrité", "permis de louer")),
    ("revitalisation des centres-bourgs", "amenagement", ("commerces", "vacance")),
    ("plan local d'urbanisme intercommunal", "amenagement", ("PLUi", "zonage")),
    ("maisons de santé", "sante", ("médecins", "déserts médicaux", "soins")),
    ("aide alimentaire", "sante", ("épiceries solidaires", "CCAS")),
    ("prévention de la délinquance", "securite", ("vidéoprotection", "médiation")),
    ("marchés publics", "finances", ("achats", "commande publique", "mutualisation")),
    ("dette et investissement", "finances", ("emprunts", "budget", "comptes")),
    ("emploi des jeunes", "economie", ("insertion", "apprentissage", "mission locale")),
    ("circuits courts alimentaires", "agriculture", ("producteurs", "marchés", "PAT")),
    ("petite enfance", "education", ("crèches", "assistantes maternelles")),
    ("transition écologique des écoles", "education", ("cours oasis", "végétalisation")),
)
KIND_PATTERNS: dict[str, tuple[str, ...]] = {
    "study": (
        "Étude sur {s} à {t}",
        "Diagnostic : {s} dans le territoire de {t}",
        "Évaluation de la politique de {s} ({t})",
        "Étude d'opportunité : mutualiser {s}",
    ),
    "dataset": (
        "Données {s} — {t}",
        "Indicateurs annuels de {s} ({t})",
        "Inventaire {s} : {t}",
    ),
    "software": (
        "Logiciel libre pour {s}",
        "Outil de suivi de {s}",
    ),
    "service": (
        "Service en ligne : {s} ({t})",
        "Plateforme de réservation pour {s}",
    ),
    "failure": (
        "Retour d'échec : {s} à {t}",
        "Ce qui n'a pas marché dans notre projet de {s}",
    ),
    "kit": ("Kit : lancer un projet de {s} en cinq étapes",),
}
KIND_WEIGHTS = {"study": 30, "dataset": 35, "software": 8, "service": 10, "failure": 10, "kit": 7}
SUMMARIES = (
    "La collectivité partage son travail sur {s} pour que d'autres communes puissent le "
    "réutiliser.",
    "Un retour d'expérience sur {s} : objectifs, coûts, calendrier et résultats obtenus.",
    "Les données et la méthode utilisées pour {s}, avec les contacts des services.",
    "Comment {t} a organisé {s} avec ses partenaires, et ce qu'elle referait autrement.",
)
BODY = (
    "## Contexte\n\nLe projet porte sur {s} et concerne {t}. Les élus ont souhaité disposer "
    "d'un état des lieux partagé avant de décider. {k}\n\n## Méthode\n\nLes services ont "
    "recueilli les données disponibles, rencontré les habitants et comparé avec d'autres "
    "territoires. {extra}\n\n## Résultats\n\nLes résultats sont publiés en données ouvertes "
    "et peuvent être réutilisés par toute collectivité."
)
EXTRAS = (
    "Un bureau d'études a accompagné la collectivité.",
    "Le travail a été conduit en régie par les agents.",
    "Une convention de mutualisation lie plusieurs communes.",
    "Le financement vient en partie de l'État et de la région.",
    "Un comité de suivi se réunit chaque trimestre.",
)
FORMATS = ("CSV", "CSV", "CSV", "JSON", "GEOJSON", "XLSX", "PDF", "ODS")
LICENCES = ("lov2", "lov2", "lov2", "odc-odbl")


@dataclass
class BenchDataResult:
    entries: int
    organisations: int
    seconds: float


def _weighted_kinds(rng: random.Random, n: int) -> list[str]:
    kinds = list(KIND_WEIGHTS)
    return rng.choices(kinds, weights=[KIND_WEIGHTS[k] for k in kinds], k=n)


def bench_data(
    *,
    entries: int,
    seed: int = 27,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> BenchDataResult:
    """Add `entries` entries over the real territories (load them first)."""
    import time

    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    territories = list(
        Territory.objects.filter(
            level__in=[Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE]
        ).values_list("id", "level", "name")
    )
    if not territories:
        raise RuntimeError("Chargez d'abord les territoires : region27 load-territories.")
    by_level: dict[str, list[tuple[int, str]]] = {}
    for pk, level, name in territories:
        by_level.setdefault(level, []).append((pk, name))
    themes = {t.slug: t for t in Theme.objects.all()}
    n_orgs = max(20, entries // 200)
    start_index = Entry.objects.count()
    orgs = _organisations(rng, n_orgs, by_level)
    level_weights = [
        (Level.COMMUNE, 60),
        (Level.EPCI, 15),
        (Level.DEPARTEMENT, 15),
        (Level.REGION, 10),
    ]
    now = timezone.now()
    done = 0
    while done < entries:
        size = min(batch, entries - done)
        with transaction.atomic():
            objs: list[Entry] = []
            links: list[tuple[int, list[int], str]] = []
            kinds = _weighted_kinds(rng, size)
            for j in range(size):
                i = start_index + done + j
                kind = kinds[j]
                subject, theme, keywords = SUBJECTS[rng.randrange(len(SUBJECTS))]
                level = rng.choices(
                    [lv for lv, _w in level_weights], weights=[w for _lv, w in level_weights]
                )[0]
                tpk, tname = rng.choice(by_level.get(level) or by_level[Level.COMMUNE])
                ids = [tpk]
                if rng.random() < 0.2:
                    ids.append(rng.choice(by_level[Level.COMMUNE])[0])
                title = rng.choice(KIND_PATTERNS[kind]).format(s=subject, t=tname)[:200]
                kw = rng.sample(keywords, k=min(len(keywords), rng.randint(1, 3)))
                summary = rng.choice(SUMMARIES).format(s=subject, t=tname)[:500]
                body = BODY.format(
                    s=subject,
                    t=tname,
                    k="Mots-clés : " + ", ".join(kw) + ".",
                    extra=rng.choice(EXTRAS)
                    + (" Le projet a reçu le prix Territoria." if rng.random() < 0.001 else ""),
                )
                roll = rng.random()
                status = (
                    Status.DRAFT
                    if roll < 0.05
                    else Status.ARCHIVED
                    if roll < 0.08
                    else Status.PUBLISHED
                )
                published = now - dt.timedelta(days=rng.randint(0, 3650))
                objs.append(
                    Entry(
                        kind=kind,
                        title=title,
                        slug=f"{slugify(title)[:100]}-b{i}",
                        summary=summary,
                        body=body,
                        organisation_id=rng.choice(orgs),
                        keywords=[k.lower() for k in kw],
                        licence="EUPL-1.2" if kind == "software" else rng.choice(LICENCES),
                        status=status,
                        published_at=None if status == Status.DRAFT else published,
                        archived_at=now if status == Status.ARCHIVED else None,
                    )
                )
                links.append((j, ids, theme))
            created = Entry.objects.bulk_create(objs, batch_size=1000)
            through_t = Entry.territories.through
            through_th = Entry.themes.through
            through_t.objects.bulk_create(
                [
                    through_t(entry_id=created[j].pk, territory_id=t)
                    for j, ids, _theme in links
                    for t in dict.fromkeys(ids)
                ],
                batch_size=2000,
            )
            through_th.objects.bulk_create(
                [
                    through_th(entry_id=created[j].pk, theme_id=themes[theme].pk)
                    for j, _ids, theme in links
                    if theme in themes
                ],
                batch_size=2000,
            )
            Distribution.objects.bulk_create(
                [
                    Distribution(
                        entry_id=e.pk,
                        title=f"{e.title[:150]} ({fmt})",
                        url=f"https://donnees.exemple.fr/{e.slug}.{fmt.lower()}",
                        format=fmt,
                    )
                    for e in created
                    if e.kind == "dataset"
                    for fmt in {rng.choice(FORMATS), rng.choice(FORMATS)}
                ],
                batch_size=2000,
            )
        done += size
        if progress is not None:
            progress(done, entries)
    return BenchDataResult(
        entries=done, organisations=n_orgs, seconds=time.perf_counter() - started
    )


def _organisations(
    rng: random.Random, n: int, by_level: dict[str, list[tuple[int, str]]]
) -> list[int]:
    existing = list(
        Organisation.objects.filter(slug__startswith="bench-").values_list("id", flat=True)
    )
    if len(existing) >= n:
        return existing[:n]
    objs = []
    for i in range(len(existing), n):
        level = Level.COMMUNE if i % 3 else Level.EPCI
        pk, name = rng.choice(by_level.get(level) or by_level[Level.COMMUNE])
        prefix = "Commune de" if level == Level.COMMUNE else "Communauté"
        objs.append(
            Organisation(
                name=f"{prefix} {name}"[:200] if level == Level.COMMUNE else name[:200],
                slug=f"bench-{i}-{slugify(name)[:80]}",
                kind="collectivite" if level == Level.COMMUNE else "intercommunalite",
                territory_id=pk,
                requires_validation=i % 4 == 0,
            )
        )
    Organisation.objects.bulk_create(objs)
    return list(Organisation.objects.filter(slug__startswith="bench-").values_list("id", flat=True))

"""A demonstration experiment: an entry of kind `experiment`, with its phases, followed
indicator and a requested evaluation, all through the services (so it is journaled).

The Département de la Drôme (a demonstration organisation) tries an "accompagnement
renforcé vers l'emploi" from 2016; it follows the fictitious départements indicator, in
which the generator injected an effect in the Finistère only. Its evaluation therefore
shows what a null result looks like: the page reads it as such.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from region27.accounts.models import Membership, Organisation, Role
from region27.catalog import services as catalog_services
from region27.catalog.models import Entry
from region27.evaluation import services
from region27.evaluation.models import Indicator
from region27.territories.models import Level, Territory

SLUG = "accompagnement-renforce-vers-l-emploi-drome"
ORGANISATION = "departement-de-la-drome"
INDICATOR = "demo-departements-taux-fictif"


def build_demo_experiment(say: Callable[[str], None]) -> Entry | None:
    """Create the experiment once (idempotent); None when its prerequisites are absent."""
    existing = Entry.objects.filter(slug=SLUG).first()
    if existing is not None:
        return existing
    organisation = Organisation.objects.filter(slug=ORGANISATION).first()
    indicator = Indicator.objects.filter(slug=INDICATOR).first()
    territory = Territory.objects.filter(level=Level.DEPARTEMENT, code="26").first()
    membership = (
        Membership.objects.filter(organisation=organisation, role__in=[Role.AGENT, Role.ADMIN])
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    if organisation is None or indicator is None or territory is None or membership is None:
        say("Expérimentation de démonstration : prérequis absents, ignorée.")
        return None
    agent = membership.user
    entry = catalog_services.entry_create(
        by=agent,
        organisation=organisation,
        kind="experiment",
        title="Accompagnement renforcé vers l'emploi (démonstration)",
        slug=SLUG,
        summary=(
            "Un conseiller pour 40 allocataires au lieu de 120, dans toute la Drôme, depuis "
            "2016. Fiche de démonstration : l'indicateur suivi est FICTIF."
        ),
        body=(
            "## Ce que nous avons essayé\n\n"
            "Un accompagnement renforcé des allocataires du RSA : rendez-vous toutes les deux "
            "semaines, aide à la mobilité, lien direct avec les employeurs du territoire.\n\n"
            "## Comment le lire\n\n"
            "L'évaluation compare la Drôme à sa « 27e région », faite de départements "
            "comparables, sur un indicateur **fictif** de démonstration : le générateur n'a "
            "injecté d'effet que dans le Finistère. Le résultat attendu ici est donc "
            "« pas d'effet mesurable », et c'est ce que la page doit dire."
        ),
        licence="lov2",
        territories=[territory],
        keywords=["emploi", "insertion", "RSA", "démonstration"],
        detail={
            "hypothesis": (
                "Un suivi trois fois plus resserré fait revenir plus d'allocataires à l'emploi "
                "dans les deux ans."
            ),
            "start_date": dt.date(2016, 1, 1),
            "budget": Decimal("1200000"),
            "funding": (
                "Département (70 %), fonds public de capital-risque social (30 %), "
                "remboursable si l'indicateur s'améliore."
            ),
            "experiment_status": "review",
        },
        is_demo=True,
    )
    experiment = entry.experiment
    services.experiment_phase_add(
        experiment=experiment,
        by=agent,
        name="Phase 1 : deux bassins d'emploi",
        start=dt.date(2016, 1, 1),
        end=dt.date(2018, 12, 31),
        review="Montée en charge plus lente que prévu ; recrutement de conseillers difficile.",
    )
    services.experiment_phase_add(
        experiment=experiment,
        by=agent,
        name="Phase 2 : tout le département",
        start=dt.date(2019, 1, 1),
        end=dt.date(2022, 12, 31),
    )
    services.experiment_set_indicators(experiment=experiment, by=agent, indicators=[indicator])
    entry = catalog_services.entry_publish(entry=entry, by=agent)
    services.evaluation_request(
        by=agent, experiment=experiment, indicator=indicator, treatment_start="2016"
    )
    say(f"Expérimentation de démonstration : {entry.title} (évaluation demandée).")
    return entry

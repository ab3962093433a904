"""What the pages, the brief and the downloads show of a finished evaluation: tables, a
plain-French reading and its caveats, computed from the stored result only."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from region27.evaluation.models import Evaluation
from region27.evaluation.stats import SynthOptions

# The engine's own warning threshold (one place to change it).
MIN_PRE_PERIODS = SynthOptions().warn_pre_periods
MIN_DONORS = 5


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return str(number_format(round(value, digits), digits, force_grouping=True))


@dataclass
class Robustness:
    """The three checks as the page shows them; each `*_error` explains a missing one."""

    loo: list[dict[str, Any]] = field(default_factory=list)
    loo_error: str = ""
    loo_range: tuple[float, float] | None = None
    in_time: dict[str, Any] | None = None
    in_time_error: str = ""
    in_time_label: str = ""
    in_time_rows: list[dict[str, Any]] = field(default_factory=list)
    twfe: dict[str, Any] | None = None
    event_study: list[dict[str, Any]] = field(default_factory=list)
    did_error: str = ""
    n_controls: int = 0
    reference: int = -1
    reading: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass
class Report:
    evaluation: Evaluation
    unit: str
    treated_name: str
    start_label: str
    series: list[dict[str, Any]]
    weights: list[dict[str, Any]]
    balance: list[dict[str, Any]]
    placebos: list[dict[str, Any]]
    p_value: float | None
    rank: int | None
    n_units: int | None
    average_post_gap: float
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    n_donors: int
    n_pre: int
    true_effect: float | None
    reading: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    start_index: int = 0
    placebo_gap_lists: list[list[float]] = field(default_factory=list)
    robustness: Robustness | None = None
    reference: dict[str, Any] | None = None
    pool: dict[str, Any] | None = None

    @property
    def labels(self) -> list[str]:
        return [r["period"] for r in self.series]

    def fmt(self, v: float | None) -> str:
        return _fmt(v)


def build_report(evaluation: Evaluation) -> Report | None:
    result = evaluation.result
    if not evaluation.is_done or not result:
        return None
    synth = result["synth"]
    names: dict[str, str] = result.get("unit_labels") or {}
    plabels: dict[str, str] = result.get("period_labels") or {}
    treated_name = names.get(synth["treated"], synth["treated"])
    start = synth["treatment_start"]
    periods = list(synth["gaps"].keys())
    series = [
        {
            "key": p,
            "period": plabels.get(p, p),
            "treated": synth["treated_series"][p],
            "synthetic": synth["synthetic_series"][p],
            "gap": synth["gaps"][p],
            "post": float(p) >= float(start),
        }
        for p in periods
    ]
    start_index = next((i for i, r in enumerate(series) if r["post"]), len(series))
    weights = sorted(
        (
            {"unit": u, "name": names.get(u, u), "weight": w}
            for u, w in synth["weights"].items()
            if w > 0
        ),
        key=lambda r: -r["weight"],
    )
    pl = result.get("placebos")
    placebos = (
        sorted(
            [
                {**p, "name": names.get(p["unit"], p["unit"]), "treated": False}
                for p in pl["placebos"]
            ]
            + [
                {
                    "unit": synth["treated"],
                    "name": treated_name,
                    "rmspe_ratio": synth["rmspe_ratio"],
                    "pre_rmspe": synth["pre_rmspe"],
                    "post_rmspe": synth["post_rmspe"],
                    "excluded": False,
                    "treated": True,
                }
            ],
            key=lambda r: -(r["rmspe_ratio"] if r["rmspe_ratio"] is not None else math.inf),
        )
        if pl
        else []
    )
    indicator = evaluation.indicator
    unit = indicator.unit if indicator else str(evaluation.parameters.get("unit_of_outcome", ""))
    rep = Report(
        evaluation=evaluation,
        unit=unit,
        treated_name=treated_name,
        start_label=plabels.get(start, start),
        series=series,
        weights=weights,
        balance=list(synth["predictor_balance"]),
        placebos=placebos,
        p_value=pl["p_value"] if pl else None,
        rank=pl["rank"] if pl else None,
        n_units=pl["n_units"] if pl else None,
        average_post_gap=synth["average_post_gap"],
        pre_rmspe=synth["pre_rmspe"],
        post_rmspe=synth["post_rmspe"],
        rmspe_ratio=synth["rmspe_ratio"],
        n_donors=len(synth["donors"]),
        n_pre=int(result.get("n_pre_periods", start_index)),
        true_effect=evaluation.parameters.get("true_effect"),
        start_index=start_index,
        placebo_gap_lists=[list(g) for g in (result.get("placebo_gaps") or {}).values()],
    )
    _write_reading(rep, synth)
    pool = result.get("donor_pool")
    if pool:
        rep.pool = {
            "candidates": len(pool["candidates"]),
            "selected": len(pool["selected"]),
            "excluded": len(pool["excluded"]),
            "preselected": len(pool["selected"]) < len(pool["candidates"]),
        }
    if synth.get("reference"):
        rep.reference = _reference(rep, synth, names)
    if result.get("robustness"):
        rep.robustness = _robustness(rep, result["robustness"], names, plabels)
    return rep


def _reference(rep: Report, synth: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Our weights beside the published ones, and which fits the pre-period better."""
    ref = synth["reference"]
    ours: dict[str, float] = synth["weights"]
    published: dict[str, float] = ref["weights"]
    units = [u for u in ours if ours[u] > 0.0005 or published.get(u, 0) > 0]
    units.sort(key=lambda u: -(published.get(u, 0.0) + ours.get(u, 0.0)))
    rows: list[dict[str, Any]] = [
        {
            "unit": u,
            "name": names.get(u, u),
            "ours": ours.get(u, 0.0),
            "published": published.get(u, 0.0),
        }
        for u in units
    ]
    verdict = ref["verdict"]
    window = synth.get("fit_window") or []
    numbers = {
        "a": _fmt(math.sqrt(synth["loss"]), 3),
        "b": _fmt(math.sqrt(ref["loss"]), 3),
        "w": f"{window[0]}-{window[-1]}" if window else "",
        "u": rep.unit,
        "d": _fmt(ref["max_abs_weight_difference"], 3),
    }
    if verdict == "matches_reference":
        text = _(
            "Nos poids sont ceux publiés, à %(d)s près au plus : la méthode reproduit l'étude."
        )
    elif verdict == "lower_loss_than_reference":
        text = _(
            "Nos poids diffèrent de ceux publiés (jusqu'à %(d)s), mais reproduisent mieux la "
            "période d'ajustement (%(w)s) : erreur quadratique moyenne de %(a)s %(u)s contre "
            "%(b)s avec les poids publiés. L'optimisation imbriquée a plusieurs solutions "
            "proches ; celle qui ajuste le mieux est retenue."
        )
    else:
        text = _(
            "Nos poids diffèrent de ceux publiés (jusqu'à %(d)s) et ajustent moins bien la "
            "période d'ajustement (%(w)s : %(a)s %(u)s contre %(b)s) : à lire avec prudence."
        )
    return {
        "rows": rows,
        "verdict": verdict,
        "text": text % numbers,
        "loss": synth["loss"],
        "reference_loss": ref["loss"],
        "pre_rmspe": synth["pre_rmspe"],
        "reference_pre_rmspe": ref["pre_rmspe"],
    }


def _robustness(
    rep: Report, data: dict[str, Any], names: dict[str, str], plabels: dict[str, str]
) -> Robustness:
    rob = Robustness()
    effect = rep.average_post_gap
    loo = data.get("leave_one_out") or {}
    rob.loo_error = loo.get("error", "")
    rob.loo = [{**f, "name": names.get(f["unit"], f["unit"])} for f in loo.get("fits", [])]
    parts: list[str] = []
    if rob.loo:
        gaps = [f["average_post_gap"] for f in rob.loo if f["average_post_gap"] is not None]
        low, high = min([*gaps, effect]), max([*gaps, effect])
        rob.loo_range = (low, high)
        fragile = [
            f["name"]
            for f in rob.loo
            if f["average_post_gap"] is not None
            and (
                f["average_post_gap"] * effect < 0
                or abs(f["average_post_gap"] - effect) > 0.5 * abs(effect)
            )
        ]
        text = _(
            "Retrait d'un témoin : en retirant tour à tour chacun des %(n)s territoires qui "
            "composent la 27e région, l'écart moyen après le début va de %(a)s à %(b)s %(u)s."
        ) % {"n": len(rob.loo), "a": _fmt(low), "b": _fmt(high), "u": rep.unit}
        if fragile:
            text += " " + _(
                "Le résultat dépend fortement de : %(t)s ; il faut le lire avec prudence."
            ) % {"t": ", ".join(fragile[:4])}
        else:
            text += " " + _("Le résultat ne repose pas sur un seul territoire.")
        rob.reading.append(text)
        parts.append(
            _("retrait d'un témoin : de %(a)s à %(b)s") % {"a": _fmt(low), "b": _fmt(high)}
        )
    itp = data.get("in_time_placebo") or {}
    rob.in_time_error = itp.get("error", "")
    if itp and not rob.in_time_error:
        rob.in_time = itp
        rob.in_time_label = plabels.get(itp["fake_start"], itp["fake_start"])
        rob.in_time_rows = [
            {
                "key": p,
                "period": plabels.get(p, p),
                "gap": g,
                "post": float(p) >= float(itp["fake_start"]),
            }
            for p, g in itp["gaps"].items()
        ]
        fake_gap = itp["average_post_gap"]
        small = fake_gap is not None and abs(fake_gap) <= 0.3 * abs(effect)
        rob.reading.append(
            _(
                "Placebo temporel : en faisant comme si l'expérimentation avait commencé en "
                "%(f)s, avant la vraie date (%(s)s), l'écart moyen de %(f)s à %(e)s est de "
                "%(g)s %(u)s. %(verdict)s"
            )
            % {
                "f": rob.in_time_label,
                "s": rep.start_label,
                "e": rob.in_time_rows[-1]["period"] if rob.in_time_rows else rob.in_time_label,
                "g": _fmt(fake_gap),
                "u": rep.unit,
                "verdict": _(
                    "C'est peu devant l'écart estimé : la méthode ne fabrique pas d'effet là où "
                    "il n'y en a pas."
                )
                if small
                else _(
                    "Ce n'est pas négligeable devant l'écart estimé : l'effet mesuré pourrait "
                    "venir en partie d'une divergence antérieure."
                ),
            }
        )
        parts.append(_("placebo temporel : %(g)s") % {"g": _fmt(fake_gap)})
    did = data.get("did") or {}
    rob.did_error = did.get("error", "")
    if did and not rob.did_error:
        rob.twfe = did["twfe"]
        rob.event_study = did["event_study"]
        rob.n_controls = did.get("n_controls", 0)
        rob.reference = int(did.get("reference", -1))
        rob.reading.append(
            _(
                "Doubles différences (second estimateur, effets fixes territoire et période) : "
                "%(b)s %(u)s, intervalle de confiance à 95 %% de %(lo)s à %(hi)s, à comparer "
                "aux %(e)s %(u)s du contrôle synthétique. Cette méthode compare le traité à la "
                "moyenne simple des %(n)s témoins, sans les pondérer."
            )
            % {
                "b": _fmt(rob.twfe["coefficient"]),
                "lo": _fmt(rob.twfe["ci_low"]),
                "hi": _fmt(rob.twfe["ci_high"]),
                "e": _fmt(effect),
                "u": rep.unit,
                "n": rob.n_controls,
            }
        )
        parts.append(_("doubles différences : %(b)s") % {"b": _fmt(rob.twfe["coefficient"])})
    if parts:
        rob.summary = _("Vérifications de robustesse — %(p)s.") % {"p": " ; ".join(parts)}
    return rob


def _write_reading(rep: Report, synth: dict[str, Any]) -> None:
    post = [r for r in rep.series if r["post"]]
    synth_post = sum(r["synthetic"] for r in post) / len(post) if post else 0.0
    share = rep.average_post_gap / synth_post * 100 if synth_post else None
    top = ", ".join(f"{w['name']} ({_fmt(w['weight'] * 100, 0)} %)" for w in rep.weights[:4])
    rep.reading.append(
        _(
            "La « 27e région » de %(t)s est un territoire fictif : une moyenne pondérée de "
            "territoires comparables non concernés, choisie pour ressembler à %(t)s avant "
            "%(s)s. Elle se compose surtout de : %(top)s."
        )
        % {"t": rep.treated_name, "s": rep.start_label, "top": top}
    )
    direction = _("au-dessus") if rep.average_post_gap > 0 else _("en dessous")
    text = _(
        "Depuis %(s)s, %(t)s se situe en moyenne %(d)s de sa 27e région, de %(g)s %(u)s par période"
    ) % {
        "s": rep.start_label,
        "t": rep.treated_name,
        "d": direction,
        "g": _fmt(abs(rep.average_post_gap)),
        "u": rep.unit,
    }
    if share is not None:
        text += _(" (%(p)s %% de ce qu'aurait donné la 27e région)") % {"p": _fmt(share, 1)}
    rep.reading.append(text + ".")
    if rep.p_value is not None:
        rep.reading.append(
            _(
                "En faisant comme si chacun des autres territoires avait été traité (placebos), "
                "l'écart de %(t)s arrive au rang %(r)s sur %(n)s : p = %(p)s. %(verdict)s"
            )
            % {
                "t": rep.treated_name,
                "r": rep.rank,
                "n": rep.n_units,
                "p": _fmt(rep.p_value, 3),
                "verdict": _(
                    "Un écart aussi marqué est rare parmi les placebos : il est peu probable "
                    "que le hasard seul l'explique."
                )
                if rep.p_value <= 0.1
                else _(
                    "Un écart de cette taille n'est pas rare parmi les placebos : le résultat "
                    "ne permet pas de conclure à un effet."
                ),
            }
        )
    if rep.true_effect is not None:
        rep.reading.append(
            _("Panel fictif : l'effet injecté est de %(true)s ; l'estimation est de %(est)s.")
            % {"true": _fmt(rep.true_effect), "est": _fmt(rep.average_post_gap)}
        )
    if synth.get("poor_fit"):
        rep.caveats.append(
            _(
                "Ajustement médiocre avant %(s)s (écart quadratique moyen %(r)s %(u)s) : la "
                "27e région ne reproduit pas bien %(t)s, l'écart après n'est pas interprétable."
            )
            % {"s": rep.start_label, "r": _fmt(rep.pre_rmspe), "u": rep.unit, "t": rep.treated_name}
        )
    if synth.get("outside_hull_periods"):
        rep.caveats.append(
            _(
                "%(t)s sort de l'enveloppe des territoires témoins à certaines périodes "
                "(%(p)s) : aucune moyenne de témoins ne peut l'atteindre."
            )
            % {"t": rep.treated_name, "p": ", ".join(synth["outside_hull_periods"][:6])}
        )
    if rep.n_donors < MIN_DONORS or len(rep.weights) < 2:
        rep.caveats.append(
            _(
                "Peu de témoins (%(n)s dans le vivier, %(k)s utilisés) : le résultat dépend de "
                "très peu de territoires."
            )
            % {"n": rep.n_donors, "k": len(rep.weights)}
        )
    if rep.n_pre < MIN_PRE_PERIODS:
        rep.caveats.append(
            _(
                "Période avant traitement courte (%(n)s périodes) : la ressemblance avant peut "
                "être fortuite."
            )
            % {"n": rep.n_pre}
        )
    if rep.n_units is not None and 1 / rep.n_units > 0.1:
        rep.caveats.append(
            _(
                "Avec %(n)s territoires comparés, la plus petite p-valeur possible est %(p)s : "
                "trop peu pour conclure."
            )
            % {"n": rep.n_units, "p": _fmt(1 / rep.n_units, 3)}
        )
    if rep.p_value is None:
        rep.caveats.append(_("Les placebos n'ont pas été calculés : pas de p-valeur."))
    rep.caveats.append(
        _(
            "La méthode suppose que la politique n'a pas eu d'effet avant son début, qu'elle "
            "n'a pas touché les territoires témoins, et qu'aucun autre choc propre au "
            "territoire traité n'est survenu en même temps."
        )
    )

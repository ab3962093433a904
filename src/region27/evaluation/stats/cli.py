"""Command line: ``region27 evaluate --panel FILE.csv ...`` (synthetic control).

``run_cli(argv)`` returns 0 on success and 2 for bad input (French message on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from typing import Any, NoReturn, TextIO

from .errors import EvaluationError, EvaluationWarning
from .inference import in_space_placebos, in_time_placebo, leave_one_out
from .panel import Panel, format_period
from .repro import json_finite, run_record
from .synth import Predictor, SynthOptions, SynthResult, fit_synth, parse_window

__all__ = ["build_parser", "run_cli"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise EvaluationError("bad_arguments", f"Arguments invalides : {message}.")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="region27 evaluate",
        description="Évaluation ex post par contrôle synthétique (Abadie et al.).",
    )
    p.add_argument(
        "--panel", required=True, help="fichier CSV long (une ligne par territoire et période)"
    )
    p.add_argument("--unit", required=True, help="colonne des territoires")
    p.add_argument("--time", required=True, help="colonne des périodes (numérique)")
    p.add_argument("--outcome", required=True, help="variable de résultat")
    p.add_argument("--treated", required=True, help="territoire traité")
    p.add_argument("--treatment-start", required=True, help="première période traitée")
    p.add_argument(
        "--predictor",
        action="append",
        default=[],
        metavar="COL:mean:FROM-TO|COL:value:T",
        help="prédicteur (répétable) ; FROM-TO/PAS ou T1,T2 acceptés",
    )
    p.add_argument("--fit-window", help="fenêtre d'ajustement FROM-TO (défaut : tout l'avant)")
    p.add_argument("--donor", action="append", default=None, help="territoire témoin (répétable)")
    p.add_argument("--placebos", action="store_true", help="placebos dans l'espace")
    p.add_argument(
        "--exclude-poor-fit",
        type=float,
        default=None,
        metavar="K",
        help="écarter les placebos dont le MSPE avant traitement dépasse K fois celui du traité",
    )
    p.add_argument("--preselect", type=int, default=None, metavar="K", help="garder K témoins")
    p.add_argument("--jobs", type=int, default=1, help="processus pour les placebos")
    p.add_argument(
        "--in-time-placebo", default=None, metavar="T", help="date de traitement fictive"
    )
    p.add_argument(
        "--leave-one-out", action="store_true", help="robustesse : retirer chaque témoin"
    )
    p.add_argument("--seed", type=int, default=SynthOptions().seed, help="graine (déterminisme)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    return p


def _num(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise EvaluationError(
            "bad_arguments", f"{what} doit être un nombre : « {text} »."
        ) from None
    if not math.isfinite(value):
        raise EvaluationError("bad_arguments", f"{what} doit être un nombre fini.")
    return value


def _text_report(res: SynthResult, extra: dict[str, Any], out: TextIO) -> None:
    print(f"Contrôle synthétique pour « {res.treated} » ({res.outcome})", file=out)
    print(f"Témoins : {len(res.donors)} ; poids positifs :", file=out)
    for u, w in sorted(res.positive_weights.items(), key=lambda kv: -kv[1]):
        print(f"  {u:30s} {w:.4f}", file=out)
    print(
        f"RMSPE avant : {res.pre_rmspe:.4f} ; après : {res.post_rmspe:.4f} ; "
        f"rapport : {res.rmspe_ratio:.3f}",
        file=out,
    )
    print(f"Écart moyen après traitement : {res.average_post_gap:.4f}", file=out)
    if res.poor_fit:
        print("ATTENTION : ajustement avant traitement médiocre.", file=out)
    if "p_value" in extra:
        print(
            f"Placebos : p = {extra['p_value']:.4f} (rang {extra['rank']} sur {extra['n_units']})",
            file=out,
        )
    if "in_time_placebo" in extra:
        itp = extra["in_time_placebo"]
        print(
            f"Placebo temporel {itp['fake_start']} : écart moyen {itp['average_gap']:.4f}", file=out
        )
    if "leave_one_out" in extra:
        print("Retrait d'un témoin (écart moyen après) :", file=out)
        for u, g in extra["leave_one_out"]["average_post_gaps"].items():
            print(f"  sans {u:25s} {g:.4f}", file=out)


def _run(argv: list[str], out: TextIO) -> int:
    args = build_parser().parse_args(argv)
    start = _num(args.treatment_start, "--treatment-start")
    predictors = [Predictor.parse(p) for p in args.predictor]
    fit_window = parse_window(args.fit_window) if args.fit_window else None
    columns = list(dict.fromkeys([args.outcome, *(p.column for p in predictors)]))
    panel = Panel.from_csv(args.panel, unit=args.unit, time=args.time, columns=columns)
    options = SynthOptions(seed=args.seed)
    common: dict[str, Any] = {
        "outcome": args.outcome,
        "treated": args.treated,
        "treatment_start": start,
        "donors": args.donor,
        "predictors": predictors,
        "fit_window": fit_window,
        "options": options,
    }
    collected: list[warnings.WarningMessage] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EvaluationWarning)
        extra: dict[str, Any] = {}
        if args.placebos:
            pl = in_space_placebos(
                panel,
                exclude_poor_fit=args.exclude_poor_fit,
                preselect=args.preselect,
                n_jobs=max(1, args.jobs),
                **common,
            )
            res = pl.treated
            extra["p_value"] = pl.p_value
            extra["rank"] = pl.rank
            extra["n_units"] = pl.n_units
            extra["placebos"] = pl.to_dict()["placebos"]
        elif args.preselect is not None:
            from .donors import build_donor_pool

            pool = build_donor_pool(
                args.donor or [u for u in panel.units],
                args.treated,
                panel=panel,
                outcome=args.outcome,
                treatment_start=start,
                keep=args.preselect,
            )
            common["donors"] = list(pool.selected)
            extra["donor_pool"] = pool.to_dict()
            res = fit_synth(panel, **common)
        else:
            res = fit_synth(panel, **common)
        if args.in_time_placebo is not None:
            fake = _num(args.in_time_placebo, "--in-time-placebo")
            itp = in_time_placebo(panel, fake_start=fake, **common)
            extra["in_time_placebo"] = {
                "fake_start": format_period(fake),
                "average_gap": itp.result.average_post_gap,
                "pre_rmspe": itp.result.pre_rmspe,
                "weights": itp.result.positive_weights,
                "gaps": itp.result.gaps_by_label(),
                "adjustments": list(itp.adjustments),
            }
        if args.leave_one_out:
            loo = leave_one_out(panel, base=res, **common)
            extra["leave_one_out"] = {
                "average_post_gaps": loo.average_post_gaps(),
                "max_abs_deviation": loo.max_abs_deviation,
                "gaps": {u: r.gaps_by_label() for u, r in loo.fits.items()},
            }
        collected = list(caught)
    params = {
        "outcome": args.outcome,
        "treated": args.treated,
        "treatment_start": start,
        "donors": args.donor,
        "predictors": [p.name for p in predictors],
        "fit_window": fit_window,
        "options": options,
        "placebos": args.placebos,
        "exclude_poor_fit": args.exclude_poor_fit,
        "preselect": args.preselect,
        "in_time_placebo": args.in_time_placebo,
        "leave_one_out": args.leave_one_out,
    }
    record = run_record(panel, params)
    for w in collected:
        print(f"avertissement : {w.message}", file=sys.stderr)
    if args.json:
        payload = res.to_dict()
        payload.update(extra)
        payload["run"] = record.to_dict()
        print(json.dumps(json_finite(payload), ensure_ascii=False, allow_nan=False), file=out)
    else:
        _text_report(res, extra, out)
        print(f"Empreinte des entrées : {record.input_hash}", file=out)
    return 0


def run_cli(argv: list[str]) -> int:
    """Entry point for ``region27 evaluate ...`` (``argv`` without the program name)."""
    if argv and argv[0] == "evaluate":
        argv = argv[1:]
    try:
        return _run(argv, sys.stdout)
    except EvaluationError as exc:
        print(f"erreur ({exc.code}) : {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run_cli(sys.argv[1:]))

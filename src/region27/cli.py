"""The `region27` command: one entry point for every operation a person runs.

It is a thin front over Django's management commands, plus `serve` (gunicorn)
and the engines' own commands (`validate`, `evaluate`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

USAGE = """region27 — la plateforme de mutualisation des territoires

Utilisation : region27 COMMANDE [options]

  serve [--bind 127.0.0.1:8000] [--workers N] [--no-worker]
                          sert le site avec gunicorn (fichiers statiques par whitenoise)
                          et lance à côté le travailleur des tâches de fond
  worker                  lance seulement le travailleur des tâches de fond
  migrate                 crée ou met à jour les tables de la base
  load-territories        charge ou met à jour les territoires du COG (idempotent)
  demo-data               crée les données de démonstration (idempotent)
  demo-setup              tables, territoires, référentiels, évaluations de référence
                          et démonstration, en une fois (idempotent)
  load-schemas            charge les schémas SCDL comme référentiels publiés (idempotent)
  search reindex          reconstruit l'index de recherche (barre de progression)
  bench-data --entries N  crée N fiches réalistes pour les mesures de performance
  journal verify|checkpoint|witness URL|key [--rotate]
                          vérifie, signe, fait témoigner le journal public
  files purge NOM [--apply]
                          supprime un fichier stocké publié par erreur (essai à blanc
                          sans --apply ; refusé tant qu'une fiche le sert)
  createsuperuser         crée un compte d'administration technique
  check [--deploy]        vérifie la configuration
  validate FICHIER --schema SCHEMA [--json] [--max-errors N]
                          valide un fichier tabulaire contre un schéma (Table Schema) :
                          chemin, adresse ou nom du catalogue (scdl/subventions@2.1.1)
  evaluate --panel FICHIER.csv ...
                          évalue une expérimentation par contrôle synthétique
  manage ARGS...          toute autre commande de gestion Django

Variables d'environnement : voir .env.example (DATABASE_URL, REGION27_DATA_DIR, ...).
"""

COMMAND_ALIASES = {
    "load-territories": "load_territories",
    "demo-data": "demo_data",
    "load-schemas": "load_schemas",
    "worker": "db_worker",
    "bench-data": "bench_data",
    "demo-setup": "demo_setup",
}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.prod")
    import django

    django.setup()


def _manage(args: Sequence[str]) -> int:
    from django.core.management import execute_from_command_line

    _setup_django()
    execute_from_command_line(["region27", *args])
    return 0


def _serve(args: Sequence[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="region27 serve")
    parser.add_argument("--bind", default=os.environ.get("REGION27_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("REGION27_WORKERS", "2")))
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="ne pas lancer le travailleur des tâches de fond à côté du serveur",
    )
    options = parser.parse_args(list(args))
    _setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    if not options.no_worker:
        import atexit
        import subprocess

        worker = subprocess.Popen(
            [sys.executable, "-m", "region27.cli", "worker"], env=os.environ.copy()
        )
        atexit.register(worker.terminate)
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "region27.config.wsgi:application",
        "--bind",
        options.bind,
        "--workers",
        str(options.workers),
        "--access-logfile",
        "-",
        "--timeout",
        "120",
    ]
    run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "serve":
        return _serve(rest)
    if command == "validate":
        from region27.validation.cli import main as validate_main

        return validate_main(rest)
    if command == "evaluate":
        from region27.evaluation.stats.cli import run_cli as evaluate_cli

        return evaluate_cli(rest)
    if command == "manage":
        return _manage(rest)
    return _manage([COMMAND_ALIASES.get(command, command), *rest])


if __name__ == "__main__":
    sys.exit(main())

"""The `region27` command: one entry point for every operation a person runs.

It is a thin front over Django's management commands, plus `serve` (gunicorn and the
background worker as child processes, the worker restarted whenever it stops: see
`Supervisor`) and the engines' own commands (`validate`, `evaluate`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

USAGE = """region27 — la plateforme de mutualisation des territoires

Utilisation : region27 COMMANDE [options]

  serve [--bind 127.0.0.1:8000] [--workers N] [--no-worker]
                          sert le site avec gunicorn (fichiers statiques par whitenoise)
                          et lance à côté le travailleur des tâches de fond, relancé
                          s'il s'arrête
  worker                  lance seulement le travailleur des tâches de fond (il relance
                          une fois les tâches interrompues, puis les marque en échec)
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
    "worker": "jobs_worker",
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


def _log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"[{stamp}] region27 serve : {message}", file=sys.stderr, flush=True)


def _exit_description(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"


class Supervisor:
    """Runs the web server and the background worker as child processes; restarts the
    worker whenever it stops (after 1 s, then 2, 4… up to `max_backoff`; back to 1 s once
    it has run `stable` seconds), saying so on standard error. When the web server stops,
    or on SIGTERM/SIGINT, both are stopped and `serve` exits with the server's code."""

    def __init__(
        self,
        web: list[str] | None,
        worker: list[str] | None,
        *,
        max_backoff: float = 60.0,
        stable: float = 60.0,
    ) -> None:
        self.web_command = web
        self.worker_command = worker
        self.max_backoff = max_backoff
        self.stable = stable
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_started = 0.0
        self.backoff = 1.0
        self.restart_at: float | None = None
        self.stopping = False

    def _start_worker(self) -> None:
        assert self.worker_command is not None
        self.worker = subprocess.Popen(self.worker_command, env=os.environ.copy())  # noqa: S603
        self.worker_started = time.monotonic()
        _log(f"travailleur des tâches de fond lancé (pid {self.worker.pid}).")

    def _watch_worker(self) -> None:
        now = time.monotonic()
        if self.worker is not None and (code := self.worker.poll()) is not None:
            if now - self.worker_started >= self.stable:
                self.backoff = 1.0
            _log(
                f"le travailleur des tâches de fond (pid {self.worker.pid}) s'est arrêté "
                f"({_exit_description(code)}) ; relance dans {self.backoff:g} s."
            )
            self.worker = None
            self.restart_at = now + self.backoff
            self.backoff = min(self.backoff * 2, self.max_backoff)
        if self.worker is None and self.restart_at is not None and now >= self.restart_at:
            self.restart_at = None
            self._start_worker()

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _forward(self, signum: int, frame: object) -> None:
        if self.web is not None:
            self.web.send_signal(signum)

    def run(self) -> int:
        handlers = {
            signal.SIGTERM: signal.signal(signal.SIGTERM, self._stop),
            signal.SIGINT: signal.signal(signal.SIGINT, self._stop),
            signal.SIGHUP: signal.signal(signal.SIGHUP, self._forward),  # gunicorn reloads
        }
        if self.worker_command is not None:
            self._start_worker()
        if self.web_command is not None:
            self.web = subprocess.Popen(self.web_command, env=os.environ.copy())  # noqa: S603
        code = 0
        try:
            while not self.stopping:
                if self.web is not None and (web_code := self.web.poll()) is not None:
                    _log(f"le serveur web s'est arrêté ({_exit_description(web_code)}).")
                    code = web_code if web_code > 0 else 1
                    break
                if self.worker_command is not None:
                    self._watch_worker()
                time.sleep(0.2)
        finally:
            for child in (self.web, self.worker):
                if child is not None and child.poll() is None:
                    child.terminate()
            for child in (self.web, self.worker):
                if child is not None:
                    try:
                        child.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
        return code


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
    web = [
        sys.executable,
        "-m",
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
    worker = None if options.no_worker else [sys.executable, "-m", "region27.cli", "worker"]
    return Supervisor(web, worker).run()


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

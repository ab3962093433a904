"""`region27 worker`: django-tasks' database worker, plus the reaper of expired leases.

When it starts, and then every `REGION27_JOB_REAP_SECONDS` (in a thread, so that it also
happens while a long job runs), it retries once, or marks failed, the jobs whose worker
died (`core.jobs.leases_reap`). Every option of `db_worker` is accepted.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connections
from django_tasks_db.management.commands import db_worker

from region27.core.jobs import leases_reap, reap_seconds

log = logging.getLogger("region27.core.jobs")


def _reap_once() -> None:
    try:
        leases_reap()
    except Exception:  # a busy database: the next round tries again
        log.exception("Recherche des tâches interrompues impossible")
    finally:
        connections.close_all()


def _reaper(stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        _reap_once()


class Command(db_worker.Command):
    help = (
        "Lance le travailleur des tâches de fond (validations, évaluations) ; relance une "
        "fois, ou marque en échec, les tâches dont le travailleur s'est arrêté."
    )

    def handle(self, **options: Any) -> None:
        _reap_once()
        stop = threading.Event()
        every = reap_seconds()
        if every > 0:
            threading.Thread(target=_reaper, args=(stop, every), name="reaper", daemon=True).start()
        try:
            super().handle(**options)
        finally:
            stop.set()

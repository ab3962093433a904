"""`region27 journal verify|checkpoint|witness|key|stats`."""

from __future__ import annotations

import base64
import time
import tracemalloc
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from region27.journal import keys
from region27.journal.services import WitnessError, checkpoint_sign, tree_size, witness


class Command(BaseCommand):
    # A plain string: argparse cannot format a lazy translation.
    help = "Le journal public : vérifier, signer un point de contrôle, témoigner, clés."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help=_("recalculer chaque enregistrement, l'arbre et les points de contrôle")
        )
        verify.add_argument(
            "--memory", action="store_true", help=_("indiquer la mémoire Python maximale")
        )
        verify.add_argument(
            "--files",
            action="store_true",
            help=_("relire aussi chaque fichier stocké et comparer son empreinte SHA-256"),
        )
        checkpoint = sub.add_parser(
            "checkpoint", help=_("signer un point de contrôle de l'arbre actuel")
        )
        checkpoint.add_argument(
            "--force",
            action="store_true",
            help=_("signer même si l'arbre n'a pas grandi depuis le dernier"),
        )
        witness_p = sub.add_parser(
            "witness", help=_("témoigner pour une autre instance et la cosigner")
        )
        witness_p.add_argument(
            "url", help=_("l'adresse de l'autre instance, par exemple https://x.fr")
        )
        witness_p.add_argument(
            "--key", default="", help=_("sa clé de vérification (sinon lue une fois chez elle)")
        )
        key = sub.add_parser(
            "key", help=_("afficher la clé publique ; --rotate en crée une nouvelle")
        )
        key.add_argument(
            "--rotate",
            action="store_true",
            help=_("créer une nouvelle clé ; l'ancienne reste publiée pour vérifier le passé"),
        )
        sub.add_parser("stats", help=_("taille et racine de l'arbre"))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            self._verify(
                memory=options["memory"],
                files=options["files"],
                verbosity=int(options.get("verbosity", 1)),
            )
        elif action == "checkpoint":
            checkpoint = checkpoint_sign(force=options["force"])
            self.stdout.write(checkpoint.note, ending="")
        elif action == "witness":
            try:
                result = witness(url=options["url"], vkey=options["key"])
            except WitnessError as exc:
                prefix = _("FOURCHE DÉTECTÉE : ") if exc.fork else ""
                raise CommandError(f"{prefix}{exc}") from exc
            self.stdout.write(
                _("%(origin)s : taille %(before)d -> %(after)d cohérente ; cosignée ; %(got)s")
                % {
                    "origin": result.peer.origin,
                    "before": result.previous_size,
                    "after": result.size,
                    "got": ngettext(
                        "%(n)d cosignature des nôtres reçue",
                        "%(n)d cosignatures des nôtres reçues",
                        result.received,
                    )
                    % {"n": result.received},
                }
                + f"\n{result.cosignature}"
            )
        elif action == "key":
            if options["rotate"]:
                if keys._setting("REGION27_JOURNAL_SIGNING_KEY"):
                    raise CommandError(
                        _("la clé vient de REGION27_JOURNAL_SIGNING_KEY : changez-la là")
                    )
                keys.generate_key_file()
                checkpoint_sign(force=True)
            self.stdout.write(keys.signer().verifier.vkey)
        elif action == "stats":
            from region27.journal.services import tree_root

            size = tree_size()
            root = base64.b64encode(tree_root(size)).decode()
            self.stdout.write(_("taille %(size)d\nracine %(root)s") % {"size": size, "root": root})

    def _verify(self, *, memory: bool, files: bool, verbosity: int) -> None:
        from region27.journal.verify import verify

        if memory:
            tracemalloc.start()
        started = time.perf_counter()
        report = verify(progress=self.stderr.write if verbosity > 1 else None, files=files)
        elapsed = time.perf_counter() - started
        counts = [
            ngettext("%(n)d enregistrement", "%(n)d enregistrements", report.records)
            % {"n": report.records},
            ngettext("%(n)d sous-arbre", "%(n)d sous-arbres", report.nodes) % {"n": report.nodes},
            ngettext("%(n)d point de contrôle", "%(n)d points de contrôle", report.checkpoints)
            % {"n": report.checkpoints},
            ngettext("%(n)d objet", "%(n)d objets", report.objects) % {"n": report.objects},
        ]
        if files:
            counts.append(
                ngettext("%(n)d fichier", "%(n)d fichiers", report.files) % {"n": report.files}
            )
        summary = _("%(counts)s vérifiés en %(seconds).1f s") % {
            "counts": ", ".join(counts),
            "seconds": elapsed,
        }
        if memory:
            _current, peak = tracemalloc.get_traced_memory()
            summary += _(" ; mémoire Python maximale %(mb).1f Mo") % {"mb": peak / 1e6}
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(_("ERREUR : %(problem)s") % {"problem": problem})
            raise CommandError(
                _("échec de la vérification du journal : %(problem)s")
                % {"problem": report.problems[0]}
            )
        self.stdout.write(_("OK : %(summary)s") % {"summary": summary})

"""`region27 files purge NAME [--apply]`: delete a stored file published by mistake."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from region27.catalog.services import stored_file_purge


class Command(BaseCommand):
    # A plain string: argparse cannot format a lazy translation.
    help = "Les fichiers stockés : supprimer un fichier publié par erreur."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser(
            "purge",
            help=_("supprimer un fichier stocké (essai à blanc sans --apply)"),
        )
        purge.add_argument(
            "name", help=_("son nom dans le stockage, par exemple distributions/…/a.csv")
        )
        purge.add_argument("--apply", action="store_true", help=_("supprimer vraiment"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = stored_file_purge(name=options["name"], apply=options["apply"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not report.exists:
            raise CommandError(_("Aucun fichier stocké sous ce nom : %(n)s") % {"n": report.name})
        if report.in_use:
            raise CommandError(
                _("Fichier encore servi, retirez-le ou remplacez-le d'abord : %(u)s")
                % {"u": " ; ".join(report.in_use)}
            )
        named = ngettext(
            "%(n)d version de fiche le nomme (elle garde son nom et son empreinte).",
            "%(n)d versions de fiches le nomment (elles gardent son nom et son empreinte).",
            report.versions,
        ) % {"n": report.versions}
        if report.deleted:
            self.stdout.write(_("Supprimé : %(n)s. %(v)s") % {"n": report.name, "v": named})
        else:
            self.stdout.write(
                _("Essai à blanc : %(n)s serait supprimé. %(v)s Ajoutez --apply pour le faire.")
                % {"n": report.name, "v": named}
            )

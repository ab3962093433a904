"""`region27 journal verify|checkpoint|witness|key|stats`."""

from __future__ import annotations

import base64
import time
import tracemalloc
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from region27.journal import keys
from region27.journal.services import WitnessError, checkpoint_sign, tree_size, witness


class Command(BaseCommand):
    help = "Le journal public : vérifier, signer un point de contrôle, témoigner, clés."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every record, the tree and checkpoints")
        verify.add_argument("--memory", action="store_true", help="report peak Python memory")
        checkpoint = sub.add_parser("checkpoint", help="sign a checkpoint of the current tree")
        checkpoint.add_argument("--force", action="store_true")
        witness_p = sub.add_parser("witness", help="witness and cosign another instance")
        witness_p.add_argument("url", help="the other instance's address, e.g. https://x.fr")
        witness_p.add_argument("--key", default="", help="its verifier key (else fetched once)")
        key = sub.add_parser("key", help="show the public key; --rotate makes a new one")
        key.add_argument("--rotate", action="store_true")
        sub.add_parser("stats", help="tree size and root")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            self._verify(memory=options["memory"], verbosity=int(options.get("verbosity", 1)))
        elif action == "checkpoint":
            checkpoint = checkpoint_sign(force=options["force"])
            self.stdout.write(checkpoint.note, ending="")
        elif action == "witness":
            try:
                result = witness(url=options["url"], vkey=options["key"])
            except WitnessError as exc:
                prefix = "FORK DETECTED: " if exc.fork else ""
                raise CommandError(f"{prefix}{exc}") from exc
            self.stdout.write(
                f"{result.peer.origin}: size {result.previous_size} -> {result.size} consistent; "
                f"cosigned; {result.received} cosignature(s) of ours collected\n"
                f"{result.cosignature}"
            )
        elif action == "key":
            if options["rotate"]:
                if keys._setting("REGION27_JOURNAL_SIGNING_KEY"):
                    raise CommandError(
                        "the key comes from REGION27_JOURNAL_SIGNING_KEY: change it there"
                    )
                keys.generate_key_file()
                checkpoint_sign(force=True)
            self.stdout.write(keys.signer().verifier.vkey)
        elif action == "stats":
            from region27.journal.services import tree_root

            size = tree_size()
            root = base64.b64encode(tree_root(size)).decode()
            self.stdout.write(f"size {size}\nroot {root}")

    def _verify(self, *, memory: bool, verbosity: int) -> None:
        from region27.journal.verify import verify

        if memory:
            tracemalloc.start()
        started = time.perf_counter()
        report = verify(progress=self.stderr.write if verbosity > 1 else None)
        elapsed = time.perf_counter() - started
        summary = (
            f"{report.records} records, {report.nodes} subtrees, {report.checkpoints} "
            f"checkpoints checked in {elapsed:.1f} s"
        )
        if memory:
            _current, peak = tracemalloc.get_traced_memory()
            summary += f"; peak Python memory {peak / 1e6:.1f} MB"
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"BAD: {problem}")
            raise CommandError(f"journal verify failed: {report.problems[0]}")
        self.stdout.write(f"OK: {summary}")

"""Journal benchmark: append throughput, proof latency and `verify` at a million records.

    .venv/bin/python bench/journal/bench_journal.py [--append 100000] [--size 1000000]

Uses a fresh SQLite file in a temporary folder (or DATABASE_URL if set to PostgreSQL).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_reuse = sys.argv[sys.argv.index("--reuse") + 1] if "--reuse" in sys.argv else ""
FOLDER = Path(_reuse) if _reuse else Path(tempfile.mkdtemp(prefix="region27-bench-journal-"))
os.environ.setdefault("REGION27_DATA_DIR", str(FOLDER))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{FOLDER / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from region27.core.hashing import canonical_json, sha256_hex  # noqa: E402
from region27.journal import merkle  # noqa: E402
from region27.journal.services import (  # noqa: E402
    checkpoint_sign,
    journal_append,
    leaf_of,
    node_key,
    rfc3339,
)


def ms(values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values) * 1000
    p99 = values[int(len(values) * 0.99) - 1] * 1000
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {values[-1] * 1000:.2f} ms"


def bench_append(n: int) -> None:
    from tests import factories

    org = factories.organisation(name="Commune du banc d'essai")
    agent = factories.member(org, "agent")
    entry = factories.entry(org, agent)
    # Through the catalog service (versions, snapshots, permissions, and the journal)
    started = time.perf_counter()
    full = max(n // 50, 100)
    from region27.catalog.services import entry_update

    for i in range(full):
        entry_update(entry=entry, by=agent, summary=f"Résumé {i}")
    elapsed = time.perf_counter() - started
    print(
        f"entry_update (whole catalog service + record): {full} in {elapsed:.1f} s "
        f"= {full / elapsed:.0f} changes/s"
    )
    started = time.perf_counter()
    for i in range(n):
        journal_append(
            action="update",
            kind="dataset",
            object_id=entry.pk,
            version=i + 2,
            content_hash=sha256_hex(str(i).encode()),
            by=agent,
            organisation_id=org.pk,
            role="agent",
        )
    elapsed = time.perf_counter() - started
    print(
        f"journal_append: {n} records in {elapsed:.1f} s = {n / elapsed:.0f} records/s "
        "(one transaction each)"
    )


def bulk_build(size: int) -> None:
    """Bring the journal to `size` records quickly: real entries, versions and records."""
    from tests import factories

    from region27.catalog.models import Entry
    from region27.journal.models import Record

    started = time.perf_counter()
    org = factories.organisation(name="Commune du million")
    agent = factories.member(org, "agent")
    entries = [factories.entry(org, agent, title=f"Fiche {i}") for i in range(100)]
    from region27.journal.services import actor_ref

    ref = actor_ref(agent)
    tree = merkle.CompactRange()
    for h in Record.objects.order_by("seq").values_list("leaf_hash", flat=True):
        tree.append(bytes(h))
    seq = tree.size
    numbers = {e.pk: e.versions.count() for e in entries}
    # Every bulk version holds the entry's real snapshot, so that `verify` finds each
    # entry's current state in its latest record (as after changes made by the services).
    from region27.catalog.services import entry_snapshot

    snapshots = {}
    for entry in entries:
        snapshot = entry_snapshot(entry)
        snapshots[entry.pk] = (
            canonical_json(snapshot).decode(),
            sha256_hex(canonical_json(snapshot)),
        )
    version_id = (
        Entry.objects.model._meta.apps.get_model("catalog", "EntryVersion")
        .objects.order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    ) or 0
    base_time = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    chunk = 20_000
    with connection.cursor() as cursor:
        while seq < size:
            versions, records, nodes = [], [], []
            for _ in range(min(chunk, size - seq)):
                entry = entries[seq % len(entries)]
                numbers[entry.pk] += 1
                number = numbers[entry.pk]
                snap_json, content = snapshots[entry.pk]
                version_id += 1
                moment = base_time + dt.timedelta(seconds=seq)
                versions.append(
                    (
                        version_id,
                        entry.pk,
                        number,
                        "update",
                        snap_json,
                        content,
                        agent.pk,
                        "agent",
                        "",
                        moment,
                    )
                )
                leaf = canonical_json(
                    leaf_of(
                        seq=seq,
                        time=rfc3339(moment),
                        action="update",
                        kind="study",
                        object_id=entry.pk,
                        version=number,
                        content_hash=content,
                        actor=ref,
                        organisation_id=org.pk,
                        role="agent",
                    )
                )
                h = merkle.leaf_hash(leaf)
                records.append(
                    (
                        seq,
                        moment,
                        "update",
                        "study",
                        entry.pk,
                        number,
                        content,
                        ref,
                        org.pk,
                        "agent",
                        leaf.decode(),
                        h,
                        version_id,
                    )
                )
                for level, index, node in tree.append(h):
                    nodes.append((node_key(level, index), node))
                seq += 1
            with transaction.atomic():
                cursor.executemany(
                    "INSERT INTO catalog_entryversion (id, entry_id, number, action, snapshot, "
                    "content_hash, actor_id, role, comment, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    versions,
                )
                cursor.executemany(
                    "INSERT INTO journal_record (seq, time, action, kind, object_id, "
                    "object_version, content_hash, actor, organisation_id, role, leaf, "
                    "leaf_hash, source_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                    "%s, %s, %s)",
                    records,
                )
                cursor.executemany("INSERT INTO journal_node (key, hash) VALUES (%s, %s)", nodes)
    for entry in entries:
        Entry.objects.filter(pk=entry.pk).update(version=numbers[entry.pk])
    checkpoint_sign()
    print(f"bulk build to {size} records: {time.perf_counter() - started:.1f} s")


def bench_proofs(size: int, samples: int = 1000) -> None:
    from region27.journal import selectors

    rng = random.Random(27)
    client = Client()
    inclusion, consistency = [], []
    for _ in range(samples):
        index = rng.randrange(size)
        t = time.perf_counter()
        selectors.inclusion(index=index, size=size)
        inclusion.append(time.perf_counter() - t)
        first = rng.randrange(1, size)
        t = time.perf_counter()
        selectors.consistency(first=first, second=size)
        consistency.append(time.perf_counter() - t)
    print(f"inclusion proof at {size} (selector, {samples}): {ms(inclusion)}")
    print(f"consistency proof at {size} (selector, {samples}): {ms(consistency)}")
    try:
        bench_http(client, rng, size, samples // 5)
    except Exception as exc:  # another app's URLs may be broken while the tree is edited
        print(f"HTTP timings skipped: {type(exc).__name__}: {str(exc)[:120]}")
    # check one proof with the root of the signed checkpoint
    from region27.journal.selectors import latest_checkpoint

    checkpoint = latest_checkpoint()
    assert checkpoint is not None
    proof = selectors.inclusion(index=size // 3, size=checkpoint.size)
    assert merkle.verify_inclusion(
        proof["leaf_hash"],
        size // 3,
        checkpoint.size,
        proof["hashes"],
        bytes(checkpoint.root_hash),
    ), "proof does not verify"
    print("root", base64.b64encode(bytes(checkpoint.root_hash)).decode())


def bench_http(client: Client, rng: random.Random, size: int, samples: int) -> None:
    http_inclusion, http_consistency = [], []
    for _ in range(samples):
        index, first = rng.randrange(size), rng.randrange(1, size)
        t = time.perf_counter()
        assert client.get(f"/journal/proof/inclusion?index={index}&size={size}").status_code == 200
        http_inclusion.append(time.perf_counter() - t)
        t = time.perf_counter()
        answer = client.get(f"/journal/proof/consistency?from={first}&to={size}")
        assert answer.status_code == 200
        http_consistency.append(time.perf_counter() - t)
    print(f"GET /journal/proof/inclusion ({samples}): {ms(http_inclusion)}")
    print(f"GET /journal/proof/consistency ({samples}): {ms(http_consistency)}")


def bench_verify() -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "django", "journal", "verify"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"journal verify: exit {done.returncode} in {elapsed:.1f} s, peak RSS {peak:.0f} MB")
    print("  " + (done.stdout or done.stderr).strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--append", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--reuse", default="", help="a folder left by an earlier --size run")
    args = parser.parse_args()
    print(f"database: {connection.vendor} ({os.environ['DATABASE_URL'].split('@')[-1]})")
    call_command("migrate", verbosity=0)
    if args.append:
        bench_append(args.append)
    if args.size:
        if not args.reuse:
            bulk_build(args.size)
        bench_proofs(args.size)
        bench_verify()
    db = FOLDER / "bench.sqlite3"
    if db.exists():
        print(f"database file: {db.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()

"""Signed notes, the key file, rotation."""

from __future__ import annotations

import base64
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command

from region27.journal import keys
from region27.journal.models import Checkpoint, SigningKey
from region27.journal.note import (
    NoteError,
    Signer,
    parse_vkey,
    verify_cosignature,
    verify_note,
)
from region27.journal.services import checkpoint_sign
from tests import factories


def test_signed_note_format_by_hand() -> None:
    """Check the C2SP format with nothing but hashlib and cryptography."""
    import hashlib

    signer = Signer.generate("example.org/log")
    note = signer.sign_note("example.org/log\n3\nAAAA\n")
    text, blank, signature = note.partition("\n\n")
    assert blank and signature.startswith("\u2014 example.org/log ")
    raw = base64.b64decode(signature.split()[2])
    public = signer.public
    kid = hashlib.sha256(b"example.org/log\n\x01" + public).digest()[:4]
    assert raw[:4] == kid and len(raw) == 68
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (text + "\n").encode())
    assert (
        signer.verifier.vkey
        == f"example.org/log+{kid.hex()}+" + base64.b64encode(b"\x01" + public).decode()
    )
    assert parse_vkey(signer.verifier.vkey) == signer.verifier
    assert Signer.from_skey(signer.skey).public == public
    with pytest.raises(NoteError):
        verify_note(note.replace("\n3\n", "\n4\n"), signer.verifier)


def test_cosignature() -> None:
    witness = Signer.generate("witness.example")
    body = "log.example\n5\nAAAA\n"
    line = witness.cosign(body, 1_700_000_000)
    assert verify_cosignature(body, line, witness.witness_verifier) == 1_700_000_000
    with pytest.raises(NoteError):
        verify_cosignature(body.replace("5", "6"), line, witness.witness_verifier)
    with pytest.raises(NoteError):
        verify_cosignature(body, line, witness.verifier)  # not a witness key


@pytest.mark.django_db
def test_rotation_keeps_old_checkpoints_verifiable(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    org = factories.organisation()
    factories.entry(org, factories.member(org, "agent"))
    first = checkpoint_sign()
    old_vkey = keys.signer().verifier.vkey
    out = StringIO()
    call_command("journal", "key", "--rotate", stdout=out)
    new_vkey = out.getvalue().strip()
    assert new_vkey != old_vkey and (tmp_path / "journal_signing_key.1").exists()
    assert (tmp_path / "journal_signing_key").stat().st_mode & 0o777 == 0o600
    assert set(SigningKey.objects.values_list("vkey", flat=True)) == {old_vkey, new_vkey}
    latest = Checkpoint.objects.order_by("-pk")[0]
    assert latest.size == first.size and latest.key_id != first.key_id
    out = StringIO()
    call_command("journal", "verify", stdout=out)
    assert out.getvalue().startswith("OK : ")


@pytest.mark.django_db
def test_key_from_environment(settings: Any) -> None:
    signer = Signer.generate("env.example/journal")
    settings.REGION27_JOURNAL_SIGNING_KEY = signer.skey
    assert keys.signer().verifier == signer.verifier


def test_workers_starting_together_sign_with_one_key(settings: Any, tmp_path: Path) -> None:
    import threading

    settings.DATA_DIR = tmp_path / "data"
    settings.REGION27_JOURNAL_SIGNING_KEY = ""
    # Two workers both saw no key file, and both write one: the first written stays.
    keys._create_key_file(keys.key_path())
    first = keys.key_path().read_text()
    keys._create_key_file(keys.key_path())
    assert keys.key_path().read_text() == first
    # Many threads at once on a fresh folder: one key for all, no rotated copy.
    settings.DATA_DIR = tmp_path / "fresh"
    barrier = threading.Barrier(8)
    found: list[str] = []

    def start() -> None:
        barrier.wait()
        found.append(keys.signer().skey)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    folder = tmp_path / "fresh"
    assert len(set(found)) == 1 and len(found) == 8
    assert [p.name for p in folder.iterdir()] == ["journal_signing_key"]
    assert (folder / "journal_signing_key").read_text().strip() == found[0]
    assert (folder / "journal_signing_key").stat().st_mode & 0o777 == 0o600


def test_rotation_while_workers_sign_never_loses_the_key_file(
    settings: Any, tmp_path: Path
) -> None:
    import threading

    settings.DATA_DIR = tmp_path
    settings.REGION27_JOURNAL_SIGNING_KEY = ""
    first = keys.signer().skey
    written = {first}
    seen: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                seen.add(keys.signer().skey)
            except BaseException as error:
                errors.append(error)
                return

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(20):
            written.add(keys.generate_key_file().skey)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert seen <= written  # never a key nobody announced
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"journal_signing_key"} | {f"journal_signing_key.{n}" for n in range(1, 21)}
    kept = {(tmp_path / n).read_text().strip() for n in names}
    assert kept == written

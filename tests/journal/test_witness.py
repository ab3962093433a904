"""Two instances witnessing each other; a forked history is detected.

Instance A is this test process (pytest-django's live server); instance B is a second
region27 process with its own database, data folder, key and origin.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from region27.journal.models import Cosignature, Peer
from region27.journal.note import parse_note
from region27.journal.services import WitnessError, witness
from tests import factories

B_ORIGIN = "instance-b.example/journal"
B_SCRIPT = """
from region27.accounts.services import organisation_create
for i in range({n}):
    organisation_create(name=f"{prefix} {{i}}", kind="collectivite")
"""


class InstanceB:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        port_socket = socket.socket()
        port_socket.bind(("127.0.0.1", 0))
        self.port = port_socket.getsockname()[1]
        port_socket.close()
        self.url = f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="region27.config.settings.test",
            REGION27_DATA_DIR=str(self.folder),
            DATABASE_URL=f"sqlite:///{self.folder / 'b.sqlite3'}",
            REGION27_JOURNAL_ORIGIN=B_ORIGIN,
            REGION27_SITE_URL=self.url,
        )
        env.pop("REGION27_JOURNAL_SIGNING_KEY", None)
        return env

    def django(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def setup(self, *, records: int, prefix: str) -> None:
        assert self.django("migrate", "-v0").returncode == 0
        self.add(records, prefix)

    def add(self, records: int, prefix: str) -> None:
        done = self.django("shell", "-c", B_SCRIPT.format(n=records, prefix=prefix))
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{self.url}/journal/key", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("instance B did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def instance_b(tmp_path: Path) -> Iterator[InstanceB]:
    b = InstanceB(tmp_path / "b")
    b.folder.mkdir()
    try:
        yield b
    finally:
        b.stop()


def _witness(url: str) -> str:
    out = StringIO()
    call_command("journal", "witness", url, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_two_instances_witness_each_other_and_catch_a_fork(
    live_server: Any, instance_b: InstanceB
) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    factories.entry(org, agent, status="published")
    instance_b.setup(records=3, prefix="Commune B")
    instance_b.start()

    # A witnesses B, then B witnesses A (and collects A's cosignature of B)
    assert "taille 0 -> 3 cohérente" in _witness(instance_b.url)
    done = instance_b.django("journal", "witness", live_server.url)
    assert done.returncode == 0, done.stderr
    assert "1 cosignature des nôtres reçue" in done.stdout
    # A witnesses B again: collects B's cosignature of A's checkpoint and publishes it
    out = _witness(instance_b.url)
    assert "taille 3 -> 3 cohérente" in out and "1 cosignature des nôtres reçue" in out
    received = Cosignature.objects.get(direction=Cosignature.RECEIVED)
    assert received.witness == B_ORIGIN
    note = urllib.request.urlopen(f"{live_server.url}/journal/checkpoint").read().decode()
    assert {s.name for s in parse_note(note).signatures} == {"127.0.0.1:8000/journal", B_ORIGIN}

    # B grows: still consistent
    instance_b.add(2, "Commune B bis")
    assert "taille 3 -> 5 cohérente" in _witness(instance_b.url)

    # B is rebuilt with another history (same key, same origin): a fork
    instance_b.stop()
    (instance_b.folder / "b.sqlite3").unlink()
    for extra in instance_b.folder.glob("b.sqlite3-*"):
        extra.unlink()
    instance_b.setup(records=7, prefix="Réécrite")
    instance_b.start()
    with pytest.raises(CommandError, match="FOURCHE DÉTECTÉE : checkpoint 7 does not extend"):
        _witness(instance_b.url)
    peer = Peer.objects.get()
    assert peer.fork_detected and "déjà vu" in peer.fork_evidence
    assert Cosignature.objects.filter(direction=Cosignature.MADE).count() == 2
    with pytest.raises(CommandError, match="fork already detected"):
        _witness(instance_b.url)
    shutil.rmtree(instance_b.folder / "static", ignore_errors=True)


def _fake_instance(notes: dict[str, str]) -> Any:
    def fetch(url: str) -> str:
        for suffix, text in notes.items():
            if url.endswith(suffix):
                return text
        raise OSError(f"404 {url}")

    return fetch


@pytest.mark.django_db
def test_shrinking_or_diverging_tree_is_a_fork() -> None:
    import base64

    from region27.journal import merkle
    from region27.journal.note import Signer

    other = Signer.generate("other.example/journal")
    leaves = [merkle.leaf_hash(f"{i}".encode()) for i in range(6)]

    def note(size: int, leaves_: list[bytes]) -> str:
        root = merkle.root(merkle.memory_getter(leaves_), size)
        return other.sign_note(f"{other.name}\n{size}\n{base64.b64encode(root).decode()}\n")

    base = {"/journal/key": other.verifier.vkey, "/journal/cosignatures": '{"made": []}'}
    witness(
        url="http://other.example", fetch=_fake_instance({**base, "/checkpoint": note(5, leaves)})
    )
    with pytest.raises(WitnessError, match="tree shrank") as shrank:
        witness(
            url="http://other.example",
            fetch=_fake_instance({**base, "/checkpoint": note(4, leaves)}),
        )
    assert shrank.value.fork
    Peer.objects.update(fork_detected=False)
    forked = [*leaves[:4], merkle.leaf_hash(b"x"), leaves[5]]
    with pytest.raises(WitnessError, match="two different roots at size 5"):
        witness(
            url="http://other.example",
            fetch=_fake_instance({**base, "/checkpoint": note(5, forked)}),
        )
    # a checkpoint signed by another key is refused outright
    intruder = Signer.generate("other.example/journal")
    bad = intruder.sign_note(f"{other.name}\n6\n{base64.b64encode(bytes(32)).decode()}\n")
    with pytest.raises(WitnessError, match="no signature"):
        witness(url="http://other.example", fetch=_fake_instance({**base, "/checkpoint": bad}))

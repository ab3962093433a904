"""The verification script of docs/journal.md, run verbatim against a live server."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from region27.journal.services import checkpoint_sign
from tests import factories

DOC = Path(__file__).resolve().parents[2] / "docs" / "journal.md"


def script() -> str:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- verify-script -->\n```python\n(.*?)```\n<!-- /verify-script -->", text, re.S
    )
    assert found, "docs/journal.md lost its verification script"
    return found.group(1)


def test_script_is_short() -> None:
    code = [line for line in script().splitlines() if line.strip() and not line.startswith("#")]
    assert len(code) <= 40


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "verifier.py"
    path.write_text(script())
    return subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.django_db(transaction=True)
def test_docs_script_against_live_server(live_server: Any, tmp_path: Path) -> None:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    for _ in range(3):
        factories.entry(org, agent, status="published")
    old = checkpoint_sign()
    old_root = base64.b64encode(bytes(old.root_hash)).decode()
    for _ in range(4):
        factories.entry(org, agent)
    for index in (0, old.size - 1, old.size + 2):
        result = _run(tmp_path, live_server.url, str(index), str(old.size), old_root)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("OK ")
    # a root that was never signed is refused
    forged = base64.b64encode(b"\x01" * 32).decode()
    result = _run(tmp_path, live_server.url, "0", str(old.size), forged)
    assert result.returncode != 0 and "consistency proof fails" in result.stderr

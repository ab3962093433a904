"""The instance's journal identity: its origin line and its Ed25519 signing key.

Settings (read with defaults; the environment variable of the same name also works):
- `REGION27_JOURNAL_ORIGIN`: the checkpoint origin line (default: SITE_URL's host + "/journal");
- `REGION27_JOURNAL_SIGNING_KEY`: a signer key `PRIVATE+KEY+name+keyid+base64`; without it,
  the key is kept in `DATA_DIR/journal_signing_key` (created on first use, mode 0600).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from region27.journal.note import Signer

KEY_FILE = "journal_signing_key"
_cache: dict[str, Signer] = {}


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "") or default)


def origin() -> str:
    configured = _setting("REGION27_JOURNAL_ORIGIN")
    if configured:
        return configured.strip()
    host = urlsplit(settings.SITE_URL).netloc or "localhost"
    return f"{host}/journal"


def key_path() -> Path:
    return Path(settings.DATA_DIR) / KEY_FILE


def signer() -> Signer:
    skey = _setting("REGION27_JOURNAL_SIGNING_KEY")
    if not skey:
        path = key_path()
        if not path.exists():
            _create_key_file(path)
        # Read on every use (a few bytes): a key rotated by the command line in another
        # process is taken at once.
        skey = path.read_text().strip()
    if skey not in _cache:
        _cache[skey] = Signer.from_skey(skey)
    return _cache[skey]


def _write_temporary(path: Path, signer: Signer) -> Path:
    """The key written whole (mode 0600, synced) to a new file beside `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.skey + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def _create_key_file(path: Path) -> None:
    """The first key, unless another process has just written one (then theirs is kept):
    written whole to a temporary file, then linked to its name, which fails if the name
    exists; two workers starting together never sign with two different keys."""
    temporary = _write_temporary(path, Signer.generate(_key_name(None)))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process won: its key is the instance's key
    except OSError:
        # A file system without hard links: a rename, which replaces, and only if nobody
        # took the name meanwhile (a narrow window instead of none).
        if not path.exists():
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _key_name(name: str | None) -> str:
    return (name or origin()).replace(" ", "-").replace("+", "-")


def generate_key_file(path: Path | None = None, *, name: str | None = None) -> Signer:
    """Write a new key (rotation keeps the former file as `journal_signing_key.N`).

    The key file's name never stops existing: the former key is first linked to its
    `.N` name, then the new one replaces it in one rename, so a worker signing meanwhile
    reads one key or the other, whole, and never creates a third.
    """
    path = path or key_path()
    new = Signer.generate(_key_name(name))
    temporary = _write_temporary(path, new)
    try:
        if path.exists():
            n = 1
            while path.with_name(f"{path.name}.{n}").exists():
                n += 1
            _keep_copy(path, path.with_name(f"{path.name}.{n}"))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return new


def _keep_copy(path: Path, backup: Path) -> None:
    """The former key under its `.N` name (a hard link; a copy where there are none)."""
    try:
        os.link(path, backup)
    except FileExistsError:
        raise
    except OSError:
        shutil.copy2(path, backup)

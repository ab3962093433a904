"""C2SP signed notes, checkpoints and cosignatures with Ed25519 (no Django here).

- signed-note: https://github.com/C2SP/C2SP/blob/main/signed-note.md
- tlog-checkpoint: origin line, tree size, base64 root hash, then optional extensions;
- tlog-cosignature: `cosignature/v1` signatures by witnesses, with a timestamp.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014"


class NoteError(ValueError):
    """A note, key or checkpoint that does not parse or does not verify."""


def key_id(name: str, public: bytes, kind: int = ED25519) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError("a key name must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class Verifier:
    name: str
    public: bytes
    kind: int = ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public, self.kind)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.kind]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_vkey(vkey: str) -> Verifier:
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a verifier key reads name+keyid+base64")
    name, hex_id, encoded = parts
    _check_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise NoteError("bad base64 in verifier key") from exc
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("only Ed25519 (0x01) and cosignature/v1 (0x04) keys are supported")
    verifier = Verifier(name, raw[1:], raw[0])
    if verifier.key_id.hex() != hex_id.lower():
        raise NoteError("the key id does not match the key")
    return verifier


@dataclass(frozen=True)
class Signer:
    name: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> Signer:
        _check_name(name)
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signer key reads PRIVATE+KEY+name+keyid+base64")
        name, encoded = parts[2], parts[4]
        _check_name(name)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise NoteError("bad base64 in signer key") from exc
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("only Ed25519 signer keys are supported")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.verifier.key_id.hex() != parts[3].lower():
            raise NoteError("the key id does not match the key")
        return signer

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public)

    @property
    def witness_verifier(self) -> Verifier:
        """The same key as a cosignature/v1 (witness) key."""
        return Verifier(self.name, self.public, COSIGNATURE_V1)

    @property
    def skey(self) -> str:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        encoded = base64.b64encode(bytes([ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{encoded}"

    def sign_note(self, text: str) -> str:
        """Return the signed note: `text` (ending with a newline), a blank line, a signature."""
        if not text.endswith("\n") or "\n\n" in text:
            raise NoteError("note text must end with one newline and contain no blank line")
        signature = self.private.sign(text.encode())
        blob = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{DASH} {self.name} {blob}\n"

    def cosign(self, body: str, timestamp: int) -> str:
        """A cosignature/v1 line over a checkpoint body, as witness `self.name`."""
        message = cosigned_message(body, timestamp)
        signature = self.private.sign(message)
        kid = key_id(self.name, self.public, COSIGNATURE_V1)
        blob = base64.b64encode(kid + struct.pack(">Q", timestamp) + signature).decode()
        return f"{DASH} {self.name} {blob}"


def cosigned_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode()


@dataclass(frozen=True)
class SignatureLine:
    name: str
    key_id: bytes
    payload: bytes  # what follows the key id (signature, or timestamp + signature)


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[SignatureLine, ...]


def parse_note(note: str) -> Note:
    if "\n\n" not in note:
        raise NoteError("a signed note needs a blank line before its signatures")
    text, _sep, rest = note.partition("\n\n")
    text += "\n"
    lines = rest.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    signatures = []
    for line in lines:
        prefix = DASH + " "
        if not line.startswith(prefix):
            raise NoteError("a signature line starts with an em dash and a space")
        name, _sp, blob = line[len(prefix) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError as exc:
            raise NoteError("bad base64 in a signature line") from exc
        if len(raw) < 5:
            raise NoteError("signature too short")
        signatures.append(SignatureLine(name, raw[:4], raw[4:]))
    if not signatures:
        raise NoteError("the note carries no signature")
    return Note(text, tuple(signatures))


def verify_note(note: str, verifier: Verifier) -> Note:
    """Parse `note` and check it carries a valid signature by `verifier`."""
    parsed = parse_note(note)
    for sig in parsed.signatures:
        if sig.name == verifier.name and sig.key_id == verifier.key_id:
            if verifier.verify(parsed.text.encode(), sig.payload):
                return parsed
            raise NoteError(f"bad signature by {verifier.name}")
    raise NoteError(f"no signature by {verifier.name}")


def verify_cosignature(body: str, line: str, witness: Verifier) -> int:
    """Check a cosignature/v1 line by `witness` over `body`; return its timestamp."""
    parsed = parse_note(body + "\n" + line + "\n")
    sig = parsed.signatures[0]
    if witness.kind != COSIGNATURE_V1:
        raise NoteError("not a witness (cosignature/v1) key")
    if sig.name != witness.name or sig.key_id != witness.key_id or len(sig.payload) != 72:
        raise NoteError("not a cosignature by this witness")
    timestamp = struct.unpack(">Q", sig.payload[:8])[0]
    if not witness.verify(cosigned_message(body, timestamp), sig.payload[8:]):
        raise NoteError("bad cosignature")
    return int(timestamp)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes

    @property
    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
        raise NoteError("bad origin or tree size")
    try:
        root_hash = base64.b64decode(root_text, validate=True)
    except ValueError as exc:
        raise NoteError("bad root hash") from exc
    if len(root_hash) != 32:
        raise NoteError("the root hash is 32 bytes")
    return Checkpoint(origin, int(size_text), root_hash)

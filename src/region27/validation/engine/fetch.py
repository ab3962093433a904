"""Downloading a remote schema without letting its address reach the local network.

Every hop (the first address and each redirect) is checked before connecting: the
host is resolved, and the download is refused when one of its addresses is private,
loopback, link-local, multicast, reserved or otherwise not global (unless
``Limits.allow_private_addresses``, for tests and development, or the address is in
``Limits.allowed_networks``, e.g. an internal schema server). The connection is
then made to the address that was checked (not resolved a second time, so a DNS
answer cannot change in between). Redirects are followed by hand, at most
``Limits.max_redirects``; the whole download, redirects included, must finish in
``Limits.fetch_timeout`` seconds and stay under ``Limits.max_schema_size`` bytes.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urljoin, urlsplit

from .model import Limits, SchemaError

REDIRECTS = {301, 302, 303, 307, 308}
_READ_BLOCK = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address hidden in an IPv4-mapped, 6to4 or Teredo IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def is_public_address(text: str) -> bool:
    """True for a global unicast address (not private, loopback, link-local, reserved...)."""
    try:
        address = _unwrap(ipaddress.ip_address(text.split("%", 1)[0]))
    except ValueError:
        return False
    return bool(
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_private
    )


def _allowed(text: str, networks: tuple[str, ...]) -> bool:
    """``text`` belongs to one of the ``networks`` explicitly accepted (CIDR notation)."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def _timeout_error(url: str, limits: Limits) -> SchemaError:
    return SchemaError(
        "schema-timeout",
        f"Le schéma n'a pas pu être téléchargé depuis {url} : délai de "
        f"{limits.fetch_timeout:g} s dépassé.",
    )


def _unreadable(url: str, reason: object) -> SchemaError:
    return SchemaError(
        "schema-unreadable", f"Le schéma n'a pas pu être téléchargé depuis {url} ({reason})."
    )


def _resolve(host: str, port: int, url: str, limits: Limits) -> list[str]:
    """The addresses of ``host``, all checked; raises when one of them is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _unreadable(url, f"le nom {host} est introuvable") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise _unreadable(url, f"le nom {host} est introuvable")
    if not limits.allow_private_addresses:
        refused = [
            a
            for a in addresses
            if not is_public_address(a) and not _allowed(a, limits.allowed_networks)
        ]
        if refused:
            raise SchemaError(
                "schema-url-forbidden",
                f"L'adresse {url} n'est pas joignable depuis la plateforme : {host} désigne "
                f"une adresse privée, locale ou réservée ({refused[0]}). Donnez l'adresse "
                "publique du schéma.",
            )
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to addresses already checked (no second DNS lookup)."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def _open_socket(self) -> socket.socket:
        last: OSError | None = None
        for address in self.addresses:
            try:
                return socket.create_connection((address, self.port), self.timeout)
            except OSError as exc:
                last = exc
        raise last or OSError("no address")

    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to a checked address; the certificate is checked against the host name."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, addresses, timeout)
        self.context = ssl.create_default_context()

    def connect(self) -> None:
        self.sock = self.context.wrap_socket(self._open_socket(), server_hostname=self.host)


def _remaining(deadline: float, url: str, limits: Limits) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _timeout_error(url, limits)
    return left


def _too_large() -> SchemaError:
    return SchemaError("schema-too-large", "Le schéma dépasse la taille maximale autorisée.")


def _hop(url: str, deadline: float, limits: Limits) -> tuple[int, str | None, bytes]:
    """One request: (status, Location header, body when the status is 200)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SchemaError("schema-unreadable", f"Adresse de schéma non prise en charge : {url}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise _unreadable(url, "port invalide") from exc
    host = parts.hostname
    addresses = _resolve(host, port, url, limits)
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, addresses, _remaining(deadline, url, limits))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(
            "GET",
            target,
            headers={
                "User-Agent": "region27-validation",
                "Accept": "application/schema+json, application/json, */*",
                "Accept-Encoding": "identity",
            },
        )
        response = conn.getresponse()
        if response.status in REDIRECTS:
            return response.status, response.getheader("Location"), b""
        if response.status != 200:
            raise _unreadable(url, f"réponse HTTP {response.status}")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > limits.max_schema_size:
            raise _too_large()
        data = bytearray()
        while True:
            if conn.sock is not None:
                conn.sock.settimeout(_remaining(deadline, url, limits))
            block = response.read1(_READ_BLOCK)
            if not block:
                break
            data += block
            if len(data) > limits.max_schema_size:
                raise _too_large()
            _remaining(deadline, url, limits)
        return 200, None, bytes(data)
    except SchemaError:
        raise
    except TimeoutError as exc:
        raise _timeout_error(url, limits) from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _unreadable(url, exc) from exc
    finally:
        conn.close()


def fetch_url(url: str, limits: Limits) -> bytes:
    """Download a schema from ``url``, checking every redirect hop (see the module doc)."""
    url = url.strip()
    deadline = time.monotonic() + limits.fetch_timeout
    current = url
    for _hop_number in range(limits.max_redirects + 1):
        status, location, data = _hop(current, deadline, limits)
        if status == 200:
            return data
        if not location:
            raise _unreadable(current, f"redirection HTTP {status} sans adresse")
        current = urljoin(current, location)
    raise SchemaError(
        "schema-too-many-redirects",
        f"Le schéma n'a pas pu être téléchargé depuis {url} : plus de "
        f"{limits.max_redirects} redirections.",
    )

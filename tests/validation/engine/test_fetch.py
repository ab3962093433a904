"""Remote schemas: every redirect hop is checked against local addresses (SSRF).

A real HTTP server runs on 127.0.0.2 (the whole 127.0.0.0/8 is loopback on Linux),
accepted through ``Limits.allowed_networks``; what it redirects to must pass the
same check, so a redirect to 127.0.0.1 or to 169.254.169.254 is refused.
"""

from __future__ import annotations

import json

import pytest

from region27.validation.engine import Limits, SchemaError, load_schema
from region27.validation.engine.fetch import fetch_url, is_public_address
from tests.validation.conftest import SCHEMA, SERVER_HOST, Handler


def _limits(**extra: object) -> Limits:
    return Limits(allowed_networks=(f"{SERVER_HOST}/32",), fetch_timeout=5.0, **extra)  # type: ignore[arg-type]


def test_schema_downloaded_through_a_redirect(server: str) -> None:
    schema = load_schema(f"{server}/hop", limits=_limits())
    assert schema.field_names == ["nom"]
    assert Handler.hits == ["/hop", "/schema.json"]


@pytest.mark.parametrize(
    ("path", "address"),
    [
        ("/to-loopback", "127.0.0.1"),
        ("/to-metadata", "169.254.169.254"),
        ("/to-mapped", "::ffff:127.0.0.1"),
    ],
)
def test_redirect_to_a_local_address_refused(server: str, path: str, address: str) -> None:
    with pytest.raises(SchemaError) as exc:
        fetch_url(f"{server}{path}", _limits())
    assert exc.value.code == "schema-url-forbidden"
    assert address in exc.value.message
    assert "n'est pas joignable" in exc.value.message
    # the refused hop was never requested from our server (it is on another address)
    assert Handler.hits == [path]


def test_first_address_checked_too(server: str) -> None:
    with pytest.raises(SchemaError) as exc:
        fetch_url(f"{server}/schema.json", Limits())
    assert exc.value.code == "schema-url-forbidden"
    assert Handler.hits == []


def test_private_addresses_allowed_by_the_setting(server: str) -> None:
    data = fetch_url(f"{server}/hop", Limits(allow_private_addresses=True))
    assert json.loads(data) == SCHEMA


def test_redirect_to_another_scheme_refused(server: str) -> None:
    with pytest.raises(SchemaError) as exc:
        fetch_url(f"{server}/to-file", _limits())
    assert exc.value.code == "schema-unreadable"
    assert "file:///etc/passwd" in exc.value.message


def test_redirects_are_bounded(server: str) -> None:
    with pytest.raises(SchemaError) as exc:
        fetch_url(f"{server}/loop", _limits(max_redirects=3))
    assert exc.value.code == "schema-too-many-redirects"
    assert "plus de 3 redirections" in exc.value.message
    assert len(Handler.hits) == 4


@pytest.mark.parametrize("path", ["/big", "/big-undeclared"])
def test_size_limit(server: str, path: str) -> None:
    with pytest.raises(SchemaError) as exc:
        fetch_url(f"{server}{path}", _limits(max_schema_size=1000))
    assert exc.value.code == "schema-too-large"


def test_whole_download_bounded_by_the_timeout(server: str) -> None:
    """A server that sends a byte now and then never trips a per-read timeout."""
    limits = Limits(allowed_networks=(f"{SERVER_HOST}/32",), fetch_timeout=0.5)
    with pytest.raises(SchemaError) as exc:
        fetch_url(f"{server}/drip", limits)
    assert exc.value.code == "schema-timeout"


def test_http_error_status(server: str) -> None:
    with pytest.raises(SchemaError) as exc:
        fetch_url(f"{server}/absent", _limits())
    assert exc.value.code == "schema-unreadable"
    assert "HTTP 404" in exc.value.message


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2a01:e0a::1", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),  # noqa: S104 - an address under test, not a binding
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),
        ("64:ff9b::7f00:1", False),
    ],
)
def test_public_address_rule(address: str, public: bool) -> None:
    assert is_public_address(address) is public

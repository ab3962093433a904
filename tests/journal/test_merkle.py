"""The Merkle tree and its proofs, checked with code that is not region27's."""

from __future__ import annotations

import pytest

from region27.journal import merkle
from tests.journal import reference

LEAVES = [reference.leaf(f"leaf {i}".encode()) for i in range(70)]


def test_root_matches_rfc_definition() -> None:
    for size in range(0, 70):
        get = merkle.memory_getter(LEAVES[:size])
        assert merkle.root(get, size) == reference.mth(LEAVES[:size])
        compact = merkle.CompactRange()
        for h in LEAVES[:size]:
            compact.append(h)
        assert compact.root() == reference.mth(LEAVES[:size])


def test_known_vector() -> None:
    # RFC 6962 / CT test vector: the root of the empty tree and of one empty leaf.
    assert merkle.root(merkle.memory_getter([]), 0).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 70])
def test_inclusion_proofs(size: int) -> None:
    get = merkle.memory_getter(LEAVES[:size])
    root = reference.mth(LEAVES[:size])
    for index in range(size):
        path = merkle.inclusion_path(get, index, size)
        assert reference.root_from_inclusion(index, size, LEAVES[index], path) == root
        assert merkle.verify_inclusion(LEAVES[index], index, size, path, root)
        if path:
            bad = [*path[:-1], bytes(32)]
            assert not merkle.verify_inclusion(LEAVES[index], index, size, bad, root)
        assert not merkle.verify_inclusion(LEAVES[(index + 1) % 70], index, size, path, root)


def test_consistency_proofs() -> None:
    for second in range(1, 40):
        get = merkle.memory_getter(LEAVES[:second])
        root2 = reference.mth(LEAVES[:second])
        for first in range(1, second + 1):
            root1 = reference.mth(LEAVES[:first])
            proof = merkle.consistency_proof(get, first, second)
            assert reference.check_consistency(first, second, root1, root2, proof), (first, second)
            assert merkle.verify_consistency(first, second, proof, root1, root2)
            if first < second:
                forged = reference.mth([*LEAVES[: first - 1], bytes(32)])
                assert not merkle.verify_consistency(first, second, proof, forged, root2)
                assert not reference.check_consistency(first, second, forged, root2, proof)


def test_needed_nodes_are_few_at_a_million() -> None:
    size = 1_000_000
    keys = merkle.needed_nodes(lambda get: merkle.inclusion_path(get, 123_456, size))
    assert len(keys) <= 40
    keys = merkle.needed_nodes(lambda get: merkle.consistency_proof(get, 777_777, size))
    assert len(keys) <= 60


def test_bad_arguments() -> None:
    get = merkle.memory_getter(LEAVES[:4])
    with pytest.raises(ValueError):
        merkle.inclusion_path(get, 4, 4)
    with pytest.raises(ValueError):
        merkle.consistency_proof(get, 0, 4)

"""The Merkle tree of RFC 9162 §2.1 (SHA-256, leaf prefix 0x00, node prefix 0x01).

Pure functions: proofs are computed through `get(level, index)`, which returns the
hash of the complete subtree of 2**level leaves starting at leaf index * 2**level
(level 0 is a leaf hash). The database keeps those subtrees (`journal.Node`) so
that a proof at a million records reads about forty rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

Getter = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(get: Getter, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range met in RFC 9162's recursion."""
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return get(n.bit_length() - 1, start // n)
    k = split(n)
    return node_hash(range_hash(get, start, start + k), range_hash(get, start + k, end))


def root(get: Getter, size: int) -> bytes:
    return range_hash(get, 0, size)


def inclusion_path(get: Getter, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1."""
    if not 0 <= index < size:
        raise ValueError("index must be in [0, size)")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split(end - start)
        if m < k:
            path.append(range_hash(get, start + k, end))
            end = start + k
        else:
            path.append(range_hash(get, start, start + k))
            start, m = start + k, m - k
    path.reverse()
    return path


def consistency_proof(get: Getter, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 9162 §2.1.4.1 (0 < first <= second)."""
    if not 0 < first <= second:
        raise ValueError("need 0 < first <= second")
    proof: list[bytes] = []
    start, end, m, complete = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append(range_hash(get, start, end))
            break
        k = split(n)
        if m <= k:
            proof.append(range_hash(get, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(get, start, start + k))
            start, m, complete = start + k, m - k, False
    proof.reverse()
    return proof


def needed_nodes(compute: Callable[[Getter], object]) -> set[tuple[int, int]]:
    """The stored subtrees a computation reads (run once with placeholder hashes)."""
    keys: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        keys.add((level, index))
        return EMPTY_ROOT

    compute(record)
    return keys


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2 (`leaf` is the leaf hash)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


class CompactRange:
    """Builds the tree leaf by leaf in O(log n) memory, reporting each completed subtree."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[bytes] = []  # complete subtrees, largest first

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the (level, index, hash) of the subtrees it completes."""
        index, level, h = self.size, 0, leaf
        completed: list[tuple[int, int, bytes]] = []
        while index & 1:
            h = node_hash(self.stack.pop(), h)
            index >>= 1
            level += 1
            completed.append((level, index, h))
        self.stack.append(h)
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h


def memory_getter(leaves: Sequence[bytes]) -> Getter:
    """A getter over leaf hashes kept in memory (tests, small trees)."""

    def get(level: int, index: int) -> bytes:
        start = index << level
        end = start + (1 << level)
        if level == 0:
            return leaves[start]
        half = start + (1 << (level - 1))
        return node_hash(range_hash(get, start, half), range_hash(get, half, end))

    return get

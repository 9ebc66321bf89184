"""Deterministic random streams: every draw is a pure function of (seed, names, indices).

Streams are derived from a SeedSequence keyed by the seed and stable hashes of
their names, so a source can regenerate block 17 of the population in any
process, in any order, and get the same values.
"""

from __future__ import annotations

import zlib

import numpy as np

_MASK32 = 0xFFFFFFFF


def _word(part: int | str) -> list[int]:
    if isinstance(part, str):
        # crc32 is stable across runs and platforms, unlike hash()
        return [zlib.crc32(part.encode("utf-8"))]
    part = int(part)
    if part < 0:
        part = (1 << 64) + part
    return [part & _MASK32, (part >> 32) & _MASK32]


def stream(seed: int, *parts: int | str) -> np.random.Generator:
    """A numpy Generator for one named stream of the world."""
    entropy: list[int] = _word(seed)
    for p in parts:
        entropy.extend(_word(p))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def scramble(index: int, modulus: int, multiplier: int, offset: int) -> int:
    """A bijection of [0, modulus): unique numbers that do not look sequential.

    `multiplier` must be coprime with `modulus`.
    """
    return (index * multiplier + offset) % modulus

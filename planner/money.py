"""Exact money arithmetic: integer yen and fractions, floored, with largest-remainder sharing."""

from __future__ import annotations

from fractions import Fraction


def floor_mul(amount: int, ratio: Fraction) -> int:
    """floor(amount × ratio) for non-negative amounts (1円未満切り捨て)."""
    return amount * ratio.numerator // ratio.denominator


def share_largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` yen over ``weights`` pro rata, floored, the remaining yen by largest remainder.

    Ties go to the earlier weight.  The result sums to exactly ``total`` whenever ``sum(weights) > 0``,
    and no share exceeds its weight when ``total <= sum(weights)``.  With all-zero weights nothing is
    shared (all zeros).
    """
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    shares: list[int] = []
    remainders: list[int] = []
    given = 0
    for w in weights:
        q, r = divmod(total * w, whole)
        shares.append(q)
        remainders.append(r)
        given += q
    left = total - given
    if left:
        # largest remainder first, ties by position (earlier first)
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in order[:left]:
            shares[i] += 1
    return shares


def yen(amount: int) -> str:
    """¥ with thousands separators: ``¥1,234,567``."""
    return f"¥{amount:,}" if amount >= 0 else f"-¥{-amount:,}"

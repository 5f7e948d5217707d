"""Formatting: yen with thousands separators, rates, 令和 dates."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from planner.money import yen as _yen

# (first day, era name, era name in English)
_ERAS: tuple[tuple[date, str, str], ...] = (
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
)


def yen(amount: int | None) -> str:
    """``¥1,234,567`` (``—`` for None)."""
    return "—" if amount is None else _yen(int(amount))


def rate(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def wareki(d: date | None, lang: str = "ja") -> str:
    """A date as forms write it: ``令和4年10月14日`` (元年 for the first year)."""
    if d is None:
        return "—"
    for start, name_ja, name_en in _ERAS:
        if d >= start:
            n = d.year - start.year + 1
            if lang == "en":
                return f"{name_en} {n}, {d:%Y-%m-%d}"
            year = "元" if n == 1 else str(n)
            return f"{name_ja}{year}年{d.month}月{d.day}日"
    return d.isoformat()


def human_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"

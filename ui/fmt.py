"""Formatting: yen with thousands separators, rates, 令和 dates."""

from __future__ import annotations

import re
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


# -- user text in Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character (CommonMark may escape all)
_WWW = re.compile(r"(www)(?=\\\.)", re.IGNORECASE)
_WJ = "\u2060"  # WORD JOINER: invisible, and no pattern of Streamlit's Markdown goes through it
_LEAD = re.compile(r"^[ \t]+", re.MULTILINE)


def md_escape(text: object) -> str:
    """User text for any place Streamlit reads Markdown (markdown, caption, info/warning/error/success, toast,
    widget and metric labels, expander and tab labels, help texts): it shows exactly as typed.

    Every ASCII punctuation character is backslash-escaped, so no emphasis, link, image, HTML, heading,
    list, table, LaTeX (``$``), Streamlit directive (``:red[…]``, ``:material/…:``) or emoji shortcode
    (``:smile:``) can form; full-width (Japanese) characters are left alone.  Line breaks stay line breaks
    (hard breaks), and leading blanks become no-break spaces (never an indented code block).
    Streamlit turns some patterns into markup after the escapes are read (GFM autolinks of ``http://``,
    ``www.`` and e-mail addresses; ``:shortcode:`` emoji and icons), so an invisible WORD JOINER (U+2060)
    goes after each ``:``, between ``www`` and its ``.``, and before each ``@``.  ``None`` is the empty string.
    """
    if text is None:
        return ""
    s = str(text).replace("\r\n", "\n").replace("\r", "\n")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _WWW.sub("\\1" + _WJ, s).replace("\\:", "\\:" + _WJ).replace("\\@", _WJ + "\\@")
    s = _LEAD.sub(lambda m: m.group(0).replace("\t", "    ").replace(" ", "\u00a0"), s)
    return s.replace("\n", "  \n")

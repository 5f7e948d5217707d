"""File and folder names derived from user text, safe on Windows and POSIX.

No path separators or traversal, none of ``<>:"/\\|?*``, no control characters, no trailing dot or
space, none of the reserved device names (CON, PRN, AUX, NUL, COM1–9, LPT1–9, also with an
extension or a superscript digit), NFC-normalised, and short enough for every file system (a name
is at most ``max_bytes`` UTF-8 bytes; the whole file name stays far below 255 bytes).
"""

from __future__ import annotations

import re
import unicodedata

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_UNDERSCORES = re.compile(r"_{2,}")


def safe_filename(name: str | None, fallback: str = "consortium", max_bytes: int = 120) -> str:
    """One path component made from ``name`` that every OS accepts and that cannot escape its folder."""
    text = unicodedata.normalize("NFC", name or "")
    text = _FORBIDDEN.sub("_", text)
    text = _UNDERSCORES.sub("_", _SPACES.sub(" ", text))
    text = text.strip(" ._")
    # truncate on a character boundary to max_bytes of UTF-8
    encoded = text.encode("utf-8")
    if len(encoded) > max_bytes:
        text = encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip(" ._")
    if not text or set(text) <= {"."}:
        text = fallback
    if _RESERVED.match(text.split(".")[0].rstrip(" ")):
        text = "_" + text
    return text


DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("application", "01_補助金交付申請書・事業計画書・補助対象経費内訳書"),
    ("overview", "02_補助事業概要書"),
    ("members", "03_事業者情報入力シート"),
    ("pledges", "04_誓約書"),
    ("checklist", "05_提出書類チェックリスト"),
)
DOCUMENT_TITLES: dict[str, str] = {
    "application": "補助金交付申請書・事業計画書・補助対象経費内訳書",
    "overview": "補助事業概要書",
    "members": "事業者情報入力シート",
    "pledges": "誓約書",
    "checklist": "提出書類チェックリスト",
}


def document_filename(consortium: str | None, key: str) -> str:
    stem = dict(DOCUMENTS)[key]
    return f"{safe_filename(consortium, max_bytes=90)}_{stem}.xlsx"


def packet_basename(consortium: str | None) -> str:
    return f"{safe_filename(consortium, max_bytes=90)}_応募書類"

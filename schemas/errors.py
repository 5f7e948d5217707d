"""The one shape of a user-facing error in every layer: a Japanese and an English message."""

from __future__ import annotations


class BilingualError(Exception):
    """An error the user can act on; ``ja`` and ``en`` say what happened and what to do."""

    def __init__(self, ja: str, en: str) -> None:
        self.ja = ja
        self.en = en
        super().__init__(en)

    def message(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en

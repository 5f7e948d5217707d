"""The shape of a rule catalogue shared by the engines: each rule id's fix text and message variants (ja, en),
filled with named fields, and the one way a finding is built from them.

Each engine keeps its own catalogue next to its rule registry (``planner/kyoso/messages.py``,
``planner/itdonyu/messages.py``) and binds :class:`Catalogue` to it and to its registry's severities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.result import Finding, Severity

DEFAULT = "default"


def yen(v: int) -> str:
    """Money in a message: ``¥1,234,567`` (both languages)."""
    return f"¥{v:,}"


@dataclass(frozen=True, slots=True)
class Msg:
    """One message variant: Japanese and English templates, and a fix of its own when the rule's differs."""

    ja: str
    en: str
    fix: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class RuleTexts:
    """A rule's texts: its fix (ja, en) and its message variants."""

    fix: tuple[str, str]
    messages: Mapping[str, Msg] = field(default_factory=dict)


def one(ja: str, en: str) -> dict[str, Msg]:
    """A rule with one message (the default variant)."""
    return {DEFAULT: Msg(ja, en)}


def fill(texts: RuleTexts, variant: str, fields: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """``texts``' variant filled with ``fields``: (message_ja, message_en, fix_ja, fix_en)."""
    msg = texts.messages[variant]
    fix_ja, fix_en = msg.fix or texts.fix
    return (
        msg.ja.format(**fields),
        msg.en.format(**fields),
        fix_ja.format(**fields),
        fix_en.format(**fields),
    )


@dataclass(frozen=True, slots=True)
class Catalogue:
    """An engine's catalogue bound to its registry's severities."""

    texts: Mapping[str, RuleTexts]
    severity: Callable[[str], Severity]

    def render(self, rule_id: str, variant: str = DEFAULT, **fields: Any) -> tuple[str, str, str, str]:
        """The rule's texts for ``variant`` filled with ``fields``: (message_ja, message_en, fix_ja, fix_en)."""
        return fill(self.texts[rule_id], variant, fields)

    def emit(
        self,
        rule_id: str,
        variant: str = DEFAULT,
        *,
        refs: Iterable[str] = (),
        yen_removed: int | None = None,
        **fields: Any,
    ) -> Finding:
        """A :class:`Finding` of ``rule_id`` (severity from the registry) with the catalogue's texts."""
        ja, en, fix_ja, fix_en = self.render(rule_id, variant, **fields)
        return Finding(rule_id, self.severity(rule_id), ja, en, tuple(refs), fix_ja, fix_en, yen_removed)

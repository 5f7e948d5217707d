"""Who may do what with a stored plan.

Roles: ``lead`` edits everything; ``member:<id>`` edits only that member's own record and its own cost
lines and reads the rest.  The check diffs the plan before and after a save, so it holds whatever path the
edit came through (app handler, store API, command line with a token, a restore).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from planner.store.diff import Change, diff

ROLE_RE = re.compile(r"^(lead|member:\S(.{0,62}\S)?)$")


class StoreError(Exception):
    """Base of the store's errors; ``ja`` and ``en`` are messages for the user."""

    def __init__(self, ja: str, en: str) -> None:
        self.ja = ja
        self.en = en
        super().__init__(en)

    def message(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en


class AccessDenied(StoreError):
    """The caller's role does not allow this; ``violations`` list each refused change (ja, en)."""

    def __init__(self, ja: str, en: str, violations: list[tuple[str, str]] | None = None) -> None:
        self.violations = violations or []
        if self.violations:
            ja += ":" + "、".join(v[0] for v in self.violations[:5])
            en += ": " + "; ".join(v[1] for v in self.violations[:5])
            if len(self.violations) > 5:
                ja += f"、ほか {len(self.violations) - 5} 件"
                en += f"; and {len(self.violations) - 5} more"
        super().__init__(ja, en)


@dataclass(frozen=True, slots=True)
class Access:
    """The caller. ``plan_id`` None = every plan (the local user or the operator's command line).

    An access that came from a share link carries ``token_hash``; the store re-checks the link on every
    call, so a revoked link stops working at once, even in an open session.
    """

    role: str
    author: str
    plan_id: str | None = None
    share_id: int | None = None
    token_hash: str | None = field(default=None, repr=False)

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def member_id(self) -> str | None:
        return self.role.split(":", 1)[1] if self.role.startswith("member:") else None

    @property
    def via_token(self) -> bool:
        return self.token_hash is not None


def hash_token(token: str) -> str:
    """Only this hash is stored; the token itself is shown once, when the link is made."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_role(role: str) -> bool:
    return bool(ROLE_RE.fullmatch(role))


def _owner(plan: dict[str, Any], line_id: str) -> str | None:
    for line in plan.get("costs", []) or []:
        if isinstance(line, dict) and str(line.get("id")) == line_id:
            member = line.get("member")
            return None if member is None else str(member)
    return None


def member_violations(member_id: str, old: dict[str, Any], new: dict[str, Any],
                      changes: list[Change] | None = None) -> list[tuple[str, str]]:
    """Every change from ``old`` to ``new`` that member ``member_id`` may not make, as (ja, en)."""
    if changes is None:
        changes = diff(old, new)
    out: list[tuple[str, str]] = []
    me = member_id
    for ch in changes:
        head = ch.path[0] if ch.path else ""
        where = "/".join(ch.path)
        if head == "members":
            if ch.op == "reorder":
                out.append(("メンバーの並び順は変更できません", "may not reorder the members"))
            elif len(ch.path) >= 2 and ch.path[1] != me:
                out.append((f"メンバー {ch.path[1]} の情報は変更できません", f"may not change member {ch.path[1]}"))
            elif len(ch.path) == 2 and ch.op == "add":
                out.append((f"メンバー {me} を追加することはできません", f"may not add member {me}"))
            elif len(ch.path) == 2 and ch.op == "remove":
                out.append((f"メンバー {me} を削除することはできません", f"may not remove member {me}"))
        elif head == "costs":
            if ch.op == "reorder":
                others_old = [k for k in ch.old if _owner(old, k) != me]
                others_new = [k for k in ch.new if _owner(old, k) != me]
                if others_old != others_new:
                    out.append(("他のメンバーの経費の並び順は変更できません",
                                "may not reorder other members' cost lines"))
                continue
            if len(ch.path) < 2:
                out.append(("経費の一覧全体は変更できません", "may not replace the cost lines"))
                continue
            line = ch.path[1]
            if ch.op == "add" and len(ch.path) == 2:
                owner_new = str(ch.new.get("member")) if isinstance(ch.new, dict) else None
                if owner_new != me:
                    out.append((f"経費 {line} は他のメンバー({owner_new})の行として追加できません",
                                f"may not add cost line {line} for another member ({owner_new})"))
                continue
            if ch.op == "remove" and len(ch.path) == 2:
                owner_old = _owner(old, line)
                if owner_old != me:
                    out.append((f"経費 {line} はメンバー {owner_old} の行です(削除できません)",
                                f"cost line {line} belongs to member {owner_old} (may not remove it)"))
                continue
            owner_old, owner_new = _owner(old, line), _owner(new, line)
            if owner_old != me:
                out.append((f"経費 {line} はメンバー {owner_old} の行です(変更できません)",
                            f"cost line {line} belongs to member {owner_old} (may not change it)"))
            elif owner_new != me:
                out.append((f"経費 {line} を他のメンバー({owner_new})に移すことはできません",
                            f"may not move cost line {line} to another member ({owner_new})"))
        else:
            out.append((f"{where} は代表(lead)だけが変更できます", f"only the lead may change {where}"))
    return out


def check_edit(access: Access, old: dict[str, Any], new: dict[str, Any], changes: list[Change]) -> None:
    """Raise :class:`AccessDenied` when ``access`` may not turn ``old`` into ``new``."""
    if access.is_lead:
        return
    member = access.member_id
    if member is None:
        raise AccessDenied("この操作は許可されていません", "this is not allowed")
    if not any(isinstance(m, dict) and m.get("id") == member for m in old.get("members", []) or []):
        raise AccessDenied(
            f"メンバー {member} はこの計画にいないため編集できません",
            f"member {member} is not in this plan, so it cannot edit it",
        )
    violations = member_violations(member, old, new, changes)
    if violations:
        raise AccessDenied(
            f"メンバー {member} として編集できるのは自分のメンバー情報と自分の経費行だけです",
            f"as member {member} you may edit only your own member record and your own cost lines",
            violations,
        )

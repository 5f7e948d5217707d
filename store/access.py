"""Who may do what with a stored plan.

Roles: ``lead`` edits everything; ``viewer`` reads everything and edits nothing; ``member:<id>`` edits only that member's own record (not its ``id`` or
``role``) and its own cost lines, and reads the rest.  The check is by construction: both plans are
normalised (defaults filled, so a missing list equals an empty one) and the member's save is accepted
exactly when everything that is not its own is identical before and after (:func:`others_view`).  It runs
inside the store's save, so it holds whatever path the edit came through (app handler, upload, import,
store API, command line with a token, a restore, a re-apply).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from schemas.errors import BilingualError
from store.diff import Change, diff

ROLE_RE = re.compile(r"^(lead|viewer|member:\S(.{0,62}\S)?)$")


class StoreError(BilingualError):
    """Base of the store's errors; ``ja`` and ``en`` are messages for the user."""


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
    call, so a revoked link stops working at once, even in an open session.  An access of a signed-in
    person carries its verified ``email``; the store re-checks on every call that the person is still in
    the plan with this role (removed or changed: refused at once).
    """

    role: str
    author: str
    plan_id: str | None = None
    share_id: int | None = None
    token_hash: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def member_id(self) -> str | None:
        return self.role.split(":", 1)[1] if self.role.startswith("member:") else None

    @property
    def is_viewer(self) -> bool:
        return self.role == "viewer"

    @property
    def via_token(self) -> bool:
        return self.token_hash is not None

    @property
    def limited(self) -> bool:
        """A link holder or a signed-in person (quotas apply), not the local user or the operator."""
        return self.token_hash is not None or self.email is not None


def hash_token(token: str) -> str:
    """Only this hash is stored; the token itself is shown once, when the link is made."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_role(role: str) -> bool:
    return bool(ROLE_RE.fullmatch(role))


def normalised(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan with every default filled in: a missing list is an empty list, a missing flag is its default.

    Two plans that mean the same are equal here, whatever keys their files spelled out, so the access check
    compares meaning, not spelling.  ``plan`` must already be valid (the store validates every save first).
    """
    from planner import load_plan

    return load_plan(plan).model_dump(mode="json", by_alias=True)


#: Fields of its own member record that only the lead may change: ``id`` (every reference hangs on it) and
#: ``role`` (it changes the rate, the ratio rules and the cap for the whole consortium).  Every other field
#: of its own record — name, 業種, 資本金, 従業員数, 法人番号, 代表者, 住所, みなし大企業 … — is the member's
#: own company facts, which it may correct.  See docs/security.md.
LEAD_ONLY_MEMBER_FIELDS: tuple[str, ...] = ("id", "role")


def others_view(plan: dict[str, Any], member_id: str) -> dict[str, Any]:
    """What member ``member_id`` may not change: the whole normalised plan except its own rows.

    Its own member record is reduced to the lead-only fields (kept in its place, so the order of the
    members is guarded too) and its own cost lines are left out (the other lines keep their order).
    A save by the member is allowed exactly when this view is the same before and after.
    """
    view = {k: v for k, v in plan.items() if k not in ("members", "costs")}
    view["members"] = [
        {k: m.get(k) for k in LEAD_ONLY_MEMBER_FIELDS} if m.get("id") == member_id else m
        for m in plan.get("members") or []
    ]
    view["costs"] = [c for c in plan.get("costs") or [] if c.get("member") != member_id]
    return view


def _owners(*plans: dict[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for plan in plans:
        for line in plan.get("costs") or []:
            out.setdefault(str(line.get("id")), None if line.get("member") is None else str(line.get("member")))
    return out


def _violation(ch: Change, me: str, owner_old: dict[str, str | None],
               owner_new: dict[str, str | None]) -> tuple[str, str]:
    """One refused change of the others' view, in words (ja, en)."""
    head = ch.path[0] if ch.path else ""
    where = "/".join(ch.path) or "$"
    if head == "members":
        if ch.op == "reorder":
            return ("メンバーの並び順は変更できません", "may not reorder the members")
        if len(ch.path) < 2:
            return ("メンバーの一覧全体は変更できません", "may not replace the members")
        who = ch.path[1]
        if who == me:
            if len(ch.path) == 2 and ch.op == "remove":
                return (f"メンバー {me} を削除することはできません", f"may not remove member {me}")
            field = ch.path[2] if len(ch.path) > 2 else "id"
            return (f"メンバー {me} の {field} は代表(lead)だけが変更できます",
                    f"only the lead may change member {me}'s {field}")
        if len(ch.path) == 2 and ch.op == "add":
            return (f"メンバー {who} を追加することはできません", f"may not add member {who}")
        if len(ch.path) == 2 and ch.op == "remove":
            return (f"メンバー {who} を削除することはできません", f"may not remove member {who}")
        return (f"メンバー {who} の情報は変更できません", f"may not change member {who}")
    if head == "costs":
        if ch.op == "reorder":
            return ("他のメンバーの経費の並び順は変更できません", "may not reorder other members' cost lines")
        if len(ch.path) < 2:
            return ("経費の一覧全体は変更できません", "may not replace the cost lines")
        line = ch.path[1]
        if len(ch.path) == 2 and ch.op == "add":
            if owner_old.get(line) == me:
                return (f"経費 {line} を他のメンバー({owner_new.get(line)})に移すことはできません",
                        f"may not move cost line {line} to another member ({owner_new.get(line)})")
            return (f"経費 {line} は他のメンバー({owner_new.get(line)})の行として追加できません",
                    f"may not add cost line {line} for another member ({owner_new.get(line)})")
        if len(ch.path) == 2 and ch.op == "remove":
            return (f"経費 {line} はメンバー {owner_old.get(line)} の行です(削除・取得できません)",
                    f"cost line {line} belongs to member {owner_old.get(line)} (may not remove or take it)")
        return (f"経費 {line} はメンバー {owner_old.get(line)} の行です(変更できません)",
                f"cost line {line} belongs to member {owner_old.get(line)} (may not change it)")
    return (f"{where} は代表(lead)だけが変更できます", f"only the lead may change {where}")


def member_violations(member_id: str, old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """Every change from ``old`` to ``new`` (both normalised) that member ``member_id`` may not make.

    By construction: the difference between the two :func:`others_view` — so removing, replacing or
    reordering anything that is not the member's own, by whatever key or list, is a change there.
    """
    before, after = others_view(old, member_id), others_view(new, member_id)
    if before == after:
        return []
    owner_old, owner_new = _owners(old), _owners(new)
    out = [_violation(ch, member_id, owner_old, owner_new) for ch in diff(before, after)]
    return list(dict.fromkeys(out)) or [("代表(lead)だけが変更できる箇所があります", "only the lead may make this change")]


def check_edit(access: Access, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Raise :class:`AccessDenied` when ``access`` may not turn ``old`` into ``new``.

    The one check of every save path (app edit, upload, import, restore, re-apply, command line, store
    API): they all end in :meth:`store.Store.save`'s transaction, which calls this.  ``old`` and
    ``new`` are valid plans; they are normalised here.
    """
    if access.is_lead:
        return
    if access.is_viewer:
        raise AccessDenied("閲覧者(viewer)は計画を変更できません", "a viewer may not change the plan")
    member = access.member_id
    if member is None:
        raise AccessDenied("この操作は許可されていません", "this is not allowed")
    old_n = normalised(old)
    if not any(m.get("id") == member for m in old_n.get("members") or []):
        raise AccessDenied(
            f"メンバー {member} はこの計画にいないため編集できません",
            f"member {member} is not in this plan, so it cannot edit it",
        )
    violations = member_violations(member, old_n, normalised(new))
    if violations:
        raise AccessDenied(
            f"メンバー {member} として編集できるのは自分のメンバー情報と自分の経費行だけです",
            f"as member {member} you may edit only your own member record and your own cost lines",
            violations,
        )

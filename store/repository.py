"""The plan store: plans as validated plan JSON with a version history, share links, soft delete.

Every save names the version it was based on.  The save is a compare-and-swap
``UPDATE plans SET current_version = base + 1 WHERE id = :id AND current_version = :base``; when another save
got there first nothing is written and :class:`Conflict` carries the other change (its versions, summary and
diff) so the caller can reload or re-apply (:meth:`Store.reapply`).
"""

from __future__ import annotations

import json
import re
import secrets
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from planner import load_plan
from schemas import Plan, PlanLoadError
from store import config
from store.access import Access, AccessDenied, StoreError, check_edit, hash_token, valid_role
from store.db import make_engine, read_tx, write_tx
from store.diff import Change, MergeConflict, diff, merge, summarize
from store.models import (
    invitation_events,
    invitations,
    plan_people,
    plan_presence,
    plan_versions,
    plans,
    share_links,
    sign_in_holds,
)
from store.quota import Quotas


class NotFound(StoreError):
    """No such plan or version (or the plan is deleted: ``deleted`` is then True)."""

    def __init__(self, ja: str, en: str, deleted: bool = False) -> None:
        self.deleted = deleted
        super().__init__(ja, en)


class InvalidPlan(StoreError):
    """The plan does not validate (``error`` is the loader's error with its JSON paths)."""

    def __init__(self, error: PlanLoadError) -> None:
        self.error = error
        super().__init__(error.message("ja"), error.message("en"))


class ReapplyFailed(StoreError):
    """My edit and the other edit touch the same thing, so mine cannot be re-applied automatically."""

    def __init__(self, paths: list[tuple[str, ...]]) -> None:
        self.paths = paths
        where = "、".join("/".join(p) for p in paths[:5])
        super().__init__(
            f"同じ箇所が先に変更されているため、あなたの変更を自動で再適用できません({where})",
            f"the other change touches the same place, so your edit cannot be re-applied ({where})",
        )


@dataclass(frozen=True, slots=True)
class PlanInfo:
    id: str
    name: str
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    purge_after: datetime | None = None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    version: int
    created_at: datetime
    author: str
    summary: str
    summary_en: str
    note: str | None = None

    def summary_text(self, lang: str = "ja") -> str:
        return self.summary if lang == "ja" else self.summary_en


@dataclass(frozen=True, slots=True)
class OpenedPlan:
    info: PlanInfo
    plan: dict[str, Any]
    role: str

    @property
    def version(self) -> int:
        return self.info.version


@dataclass(frozen=True, slots=True)
class SaveResult:
    plan_id: str
    version: int
    changed: bool
    summary: str
    summary_en: str
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ShareInfo:
    id: int
    plan_id: str
    role: str
    label: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PersonInfo:
    plan_id: str
    email: str
    name: str
    role: str
    added_at: datetime
    added_by: str

    @property
    def label(self) -> str:
        return person_label(self.name, self.email)


@dataclass(frozen=True, slots=True)
class InvitationInfo:
    id: int
    plan_id: str
    email: str | None
    role: str
    created_at: datetime
    created_by: str
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    revoked_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


@dataclass(frozen=True, slots=True)
class InvitationEvent:
    invitation_id: int
    plan_id: str
    event: str  # sent | accepted | revoked
    email: str | None
    role: str
    actor: str
    at: datetime


def clean_email(email: str | None) -> str:
    """An e-mail as the store compares it: trimmed, lower case; refused when it is not one."""
    value = (email or "").strip().lower()
    if not _EMAIL.fullmatch(value):
        raise StoreError(f"メールアドレス {email!r} は使えません", f"{email!r} is not an e-mail address")
    return value


def person_label(name: str | None, email: str) -> str:
    """How a person is named in the history: ``name <email>`` (just the e-mail without a name)."""
    name = " ".join(str(name or "").replace("<", "").replace(">", "").split())[:120]
    return (f"{name} <{email}>" if name else email)[:200]


class Conflict(StoreError):
    """A save based on version ``base_version`` while the plan is at ``current_version``.

    ``their_changes`` is the diff from the base to the current plan, ``their_versions`` the versions saved
    in between (who, when, summary), ``current_plan`` the plan to reload, ``mine`` the refused plan and
    ``my_changes`` its diff from the base (what a re-apply would do).
    """

    def __init__(self, plan_id: str, base_version: int, current_version: int, their_changes: list[Change],
                 their_versions: list[VersionInfo], current_plan: dict[str, Any], mine: dict[str, Any],
                 my_changes: list[Change]) -> None:
        self.plan_id = plan_id
        self.base_version = base_version
        self.current_version = current_version
        self.their_changes = their_changes
        self.their_versions = their_versions
        self.current_plan = current_plan
        self.mine = mine
        self.my_changes = my_changes
        authors = "、".join(dict.fromkeys(v.author for v in their_versions)) or "?"
        super().__init__(
            f"この計画は先に {authors} が保存しました(版 {base_version} → {current_version}:"
            f"{summarize(their_changes, 'ja')})。最新を読み込むか、あなたの変更を再適用してください",
            f"{authors} saved this plan first (version {base_version} → {current_version}: "
            f"{summarize(their_changes, 'en')}); reload it, or re-apply your edit",
        )

    def their_summary(self, lang: str = "ja") -> str:
        return summarize(self.their_changes, lang)


NOTIFY_CHANNEL = "kyoso_plan_saved"
PRESENCE_SECONDS = 20.0  # a session not seen for this long no longer counts as having the plan open
PRESENCE_KEEP_SECONDS = 120  # older presence rows are cleared
SIGN_IN_HOLD_SECONDS = 15 * 60

_EMAIL = re.compile(r"^[^@\s<>]{1,200}@[^@\s<>]{1,200}$")


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _dump(plan: dict[str, Any]) -> str:
    return json.dumps(plan, ensure_ascii=False, separators=(",", ":"))


#: zlib level of the stored versions: a 2,000-line plan (0.31 MB of JSON) becomes 30 KB in 3.7 ms
#: (level 1: 43 KB in 1.1 ms); reading it back takes 4.4 ms.  docs/store.md has the measurement.
ZLIB_LEVEL = 6


def _stored_columns(text: str) -> dict[str, Any]:
    """The version's JSON as it is written: compressed in ``plan_z``, with its size on disk."""
    blob = zlib.compress(text.encode("utf-8"), ZLIB_LEVEL)
    return {"plan_json": "", "plan_z": blob, "stored_bytes": len(blob)}


def _validated(plan: Plan | dict[str, Any]) -> dict[str, Any]:
    """The plan as canonical JSON after the strict loader; bad input raises :class:`InvalidPlan`."""
    if isinstance(plan, Plan):
        return plan.to_json_dict()
    try:
        return load_plan(plan).to_json_dict()
    except PlanLoadError as exc:
        raise InvalidPlan(exc) from None


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise StoreError("計画名を入力してください", "the plan name is empty")
    return name[:200]


class Store:
    """One plan store (SQLite by default, PostgreSQL with ``KYOSO_DATABASE_URL``). Thread-safe."""

    def __init__(self, url: str | None = None, *, shared_mode: bool | None = None,
                 retention_days: int | None = None, migrate: bool = True, quotas: Quotas | None = None,
                 sign_in: bool | None = None) -> None:
        self.url = config.normalize_url(url) if url else config.database_url()
        self.engine = make_engine(self.url)
        self.shared_mode = config.shared_mode() if shared_mode is None else shared_mode
        days = config.retention_days() if retention_days is None else retention_days
        self.retention = timedelta(days=days)
        self.quotas = Quotas.from_env() if quotas is None else quotas
        self.sign_in = config.sign_in_mode() if sign_in is None else sign_in
        if migrate and config.migrate_on_open():
            from store.migrate import ensure_current

            ensure_current(self.engine)
            self.purge_expired()
        elif migrate:  # KYOSO_MIGRATE=external: the migration is its own step (replicas never race on it)
            from store.migrate import require_current

            require_current(self.engine, self.url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------------------------------
    # Who is asking

    def local_access(self, author: str | None = None) -> Access:
        """The local single user: the lead of every plan.  Refused in shared mode and in sign-in mode."""
        if self.sign_in:
            raise AccessDenied("サインインしてください(この計画ツールはサインインモードで動いています)",
                               "please sign in (this planner runs in sign-in mode)")
        if self.shared_mode:
            raise AccessDenied(
                "共有モードでは計画は共有リンク(トークン)からのみ開けます",
                "in shared mode a plan can be opened only through a share link (token)",
            )
        return Access(role="lead", author=(author or config.local_author())[:200])

    def operator_access(self, author: str | None = None) -> Access:
        """Whoever runs the command line on the store's machine (has the database anyway): lead of all."""
        return Access(role="lead", author=(author or f"cli:{config.local_author()}")[:200])

    def token_access(self, token: str) -> Access:
        token = (token or "").strip()
        if not token:
            raise AccessDenied("共有リンクのトークンがありません", "no share token given")
        with read_tx(self.engine) as conn:
            row = conn.execute(
                select(share_links).where(share_links.c.token_hash == hash_token(token))
            ).one_or_none()
        if row is None:
            raise AccessDenied("この共有リンクは無効です", "this share link is not valid")
        if row.revoked_at is not None:
            raise AccessDenied("この共有リンクは取り消されています", "this share link has been revoked")
        author = f"{row.label} ({row.role})" if row.label else row.role
        return Access(role=row.role, author=author[:200], plan_id=row.plan_id, share_id=row.id,
                      token_hash=row.token_hash)

    def _authorize(self, conn: Connection, access: Access, plan_id: str, *, lead: bool = False) -> None:
        if access.plan_id is not None and access.plan_id != plan_id:
            raise AccessDenied("この共有リンクでは別の計画は開けません", "this share link is for another plan")
        if access.token_hash is not None:
            row = conn.execute(
                select(share_links.c.revoked_at, share_links.c.plan_id).where(
                    share_links.c.id == access.share_id, share_links.c.token_hash == access.token_hash
                )
            ).one_or_none()
            if row is None or row.plan_id != plan_id:
                raise AccessDenied("この共有リンクは無効です", "this share link is not valid")
            if row.revoked_at is not None:
                raise AccessDenied("この共有リンクは取り消されています", "this share link has been revoked")
        if access.email is not None:
            person = self._person_row(conn, plan_id, access.email)
            if person is None:
                raise AccessDenied("あなたはこの計画の参加者ではありません", "you are not one of this plan's people")
            if person.role != access.role:
                raise AccessDenied("あなたの役割が変更されました。開き直してください",
                                   "your role in this plan has changed: open it again")
        if lead and not access.is_lead:
            raise AccessDenied("この操作は代表(lead)だけができます", "only the lead may do this")

    @staticmethod
    def _require_local(access: Access) -> None:
        if access.plan_id is not None or not access.is_lead:
            raise AccessDenied(
                "共有リンクからは新しい計画を作れません", "a share link cannot create new plans"
            )

    # ------------------------------------------------------------------------------------------
    # Reading

    def _info(self, row: Row[Any]) -> PlanInfo:
        deleted = _aware(row.deleted_at)
        created, updated = _aware(row.created_at), _aware(row.updated_at)
        assert created is not None and updated is not None
        return PlanInfo(row.id, row.name, row.current_version, created, updated, deleted,
                        deleted + self.retention if deleted else None)

    def _plan_row(self, conn: Connection, plan_id: str, *, allow_deleted: bool = False) -> Row[Any]:
        row = conn.execute(select(plans).where(plans.c.id == plan_id)).one_or_none()
        if row is None:
            raise NotFound(f"計画 {plan_id} はありません", f"no plan {plan_id}")
        if row.deleted_at is not None and not allow_deleted:
            raise NotFound(f"計画 {plan_id} は削除されています(元に戻せます)",
                           f"plan {plan_id} is deleted (it can be restored)", deleted=True)
        return row

    @staticmethod
    def _version_json(conn: Connection, plan_id: str, version: int) -> dict[str, Any]:
        row = conn.execute(
            select(plan_versions.c.plan_json, plan_versions.c.plan_z).where(
                plan_versions.c.plan_id == plan_id, plan_versions.c.version == version
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"計画 {plan_id} に版 {version} はありません", f"plan {plan_id} has no version {version}")
        raw = zlib.decompress(row.plan_z).decode("utf-8") if row.plan_z is not None else row.plan_json
        data: dict[str, Any] = json.loads(raw)
        return data

    @staticmethod
    def _versions(conn: Connection, plan_id: str, lo: int = 0, hi: int | None = None) -> list[VersionInfo]:
        q = select(plan_versions.c.version, plan_versions.c.created_at, plan_versions.c.author,
                   plan_versions.c.summary, plan_versions.c.summary_en, plan_versions.c.note).where(
            plan_versions.c.plan_id == plan_id, plan_versions.c.version > lo)
        if hi is not None:
            q = q.where(plan_versions.c.version <= hi)
        out = []
        for r in conn.execute(q.order_by(plan_versions.c.version.desc())):
            created = _aware(r.created_at)
            assert created is not None
            out.append(VersionInfo(r.version, created, r.author, r.summary, r.summary_en, r.note))
        return out

    def list_plans(self, access: Access, *, include_deleted: bool = False) -> list[PlanInfo]:
        q = select(plans)
        if access.plan_id is not None:
            q = q.where(plans.c.id == access.plan_id)
        if not include_deleted:
            q = q.where(plans.c.deleted_at.is_(None))
        with read_tx(self.engine) as conn:
            if access.plan_id is not None:
                self._authorize(conn, access, access.plan_id)
            rows = conn.execute(q.order_by(plans.c.updated_at.desc(), plans.c.id)).all()
        return [self._info(r) for r in rows]

    def open_plan(self, access: Access, plan_id: str) -> OpenedPlan:
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            row = self._plan_row(conn, plan_id)
            data = self._version_json(conn, plan_id, row.current_version)
        return OpenedPlan(self._info(row), data, access.role)

    def info(self, access: Access, plan_id: str, *, allow_deleted: bool = True) -> PlanInfo:
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            return self._info(self._plan_row(conn, plan_id, allow_deleted=allow_deleted))

    def history(self, access: Access, plan_id: str) -> list[VersionInfo]:
        """Every version, newest first (metadata only: opening a plan never loads old versions)."""
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            self._plan_row(conn, plan_id, allow_deleted=True)
            return self._versions(conn, plan_id)

    def get_version(self, access: Access, plan_id: str, version: int) -> tuple[VersionInfo, dict[str, Any]]:
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            self._plan_row(conn, plan_id, allow_deleted=True)
            infos = self._versions(conn, plan_id, version - 1, version)
            if not infos:
                raise NotFound(f"計画 {plan_id} に版 {version} はありません",
                               f"plan {plan_id} has no version {version}")
            return infos[0], self._version_json(conn, plan_id, version)

    def compare(self, access: Access, plan_id: str, version: int, other: int | None = None) -> list[Change]:
        """The changes from ``version`` to ``other`` (default: the current version)."""
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            row = self._plan_row(conn, plan_id, allow_deleted=True)
            old = self._version_json(conn, plan_id, version)
            new = self._version_json(conn, plan_id, row.current_version if other is None else other)
        return diff(old, new)

    # ------------------------------------------------------------------------------------------
    # Writing

    def create_plan(self, access: Access, plan: Plan | dict[str, Any], *, name: str | None = None,
                    note: str | None = None) -> PlanInfo:
        self._require_local(access)
        data = _validated(plan)
        title = _clean_name(name if name is not None else str(data.get("consortium", {}).get("name", "")) or "計画")
        now = _now()
        for _attempt in range(5):
            plan_id = secrets.token_hex(5)
            try:
                with write_tx(self.engine) as conn:
                    conn.execute(insert(plans).values(id=plan_id, name=title, current_version=1,
                                                      created_at=now, updated_at=now))
                    conn.execute(insert(plan_versions).values(
                        plan_id=plan_id, version=1, created_at=now, author=access.author,
                        summary="新規作成", summary_en="created", note=note, **_stored_columns(_dump(data))))
            except IntegrityError:
                continue
            return PlanInfo(plan_id, title, 1, now, now)
        raise StoreError("計画の ID を割り当てられませんでした", "could not allocate a plan id")

    def save(self, access: Access, plan_id: str, plan: Plan | dict[str, Any], base_version: int,
             *, note: str | None = None) -> SaveResult:
        """Save ``plan`` as the next version, provided the plan is still at ``base_version``.

        Raises :class:`Conflict` (another save got there first), :class:`AccessDenied` (the role may not
        make this change, or the link is revoked), :class:`InvalidPlan`, :class:`NotFound`.
        An unchanged plan writes nothing and returns ``changed=False``.
        """
        return self._save(access, plan_id, _validated(plan), base_version, note=note)

    def _save(self, access: Access, plan_id: str, new: dict[str, Any], base_version: int, *,
              note: str | None = None, prefix: tuple[str, str] | None = None) -> SaveResult:
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            row = self._plan_row(conn, plan_id)
            if row.current_version != base_version:
                raise self._conflict(conn, plan_id, base_version, row.current_version, new)
            current = self._version_json(conn, plan_id, base_version)
            changes = diff(current, new)
            if not changes:
                return SaveResult(plan_id, base_version, False, "変更なし", "no change", [])
            check_edit(access, current, new)
            text = _dump(new)
            stored = _stored_columns(text)
            if access.limited:
                self._check_quotas(conn, plan_id, len(text.encode("utf-8")), stored["stored_bytes"])
            summary, summary_en = summarize(changes, "ja"), summarize(changes, "en")
            if prefix is not None:
                summary, summary_en = f"{prefix[0]}:{summary}", f"{prefix[1]}: {summary_en}"
            now = _now()
            swapped = conn.execute(
                update(plans)
                .where(plans.c.id == plan_id, plans.c.current_version == base_version)
                .values(current_version=base_version + 1, updated_at=now)
            ).rowcount
            if swapped != 1:
                latest = self._plan_row(conn, plan_id).current_version
                raise self._conflict(conn, plan_id, base_version, latest, new)
            conn.execute(insert(plan_versions).values(
                plan_id=plan_id, version=base_version + 1, created_at=now, author=access.author,
                summary=summary, summary_en=summary_en, note=note, **stored))
            self._notify(conn, plan_id, base_version + 1)
        return SaveResult(plan_id, base_version + 1, True, summary, summary_en, changes)

    def _check_quotas(self, conn: Connection, plan_id: str, size: int, adding: int) -> None:
        """Refuse a link holder's save that passes a quota (:mod:`store.quota`)."""
        q = self.quotas
        q.check_size(size)
        if q.versions_per_hour:
            recent = conn.execute(select(func.count()).select_from(plan_versions).where(
                plan_versions.c.plan_id == plan_id, plan_versions.c.created_at > _now() - timedelta(hours=1)
            )).scalar_one()
            q.check_rate(int(recent))
        if q.plan_stored_bytes:
            stored = conn.execute(select(func.coalesce(func.sum(plan_versions.c.stored_bytes), 0)).where(
                plan_versions.c.plan_id == plan_id)).scalar_one()
            q.check_stored(int(stored), adding)

    def _conflict(self, conn: Connection, plan_id: str, base: int, current: int,
                  mine: dict[str, Any]) -> Conflict:
        if base < 1 or base > current:
            raise StoreError(f"版 {base} は存在しません(現在は版 {current})",
                             f"there is no version {base} (the plan is at version {current})")
        base_json = self._version_json(conn, plan_id, base)
        cur_json = self._version_json(conn, plan_id, current)
        return Conflict(plan_id, base, current, diff(base_json, cur_json),
                        self._versions(conn, plan_id, base, current), cur_json, mine, diff(base_json, mine))

    def reapply(self, access: Access, plan_id: str, base_version: int, mine: Plan | dict[str, Any],
                *, note: str | None = None) -> SaveResult:
        """Apply my edit (``mine`` relative to ``base_version``) on top of the current plan and save.

        Raises :class:`ReapplyFailed` when both edits touch the same field or item, and :class:`Conflict`
        when yet another save lands meanwhile (call again with the new conflict).
        """
        mine_json = _validated(mine)
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            row = self._plan_row(conn, plan_id)
            base = self._version_json(conn, plan_id, base_version)
            theirs = self._version_json(conn, plan_id, row.current_version)
            current_version = row.current_version
        try:
            merged = merge(base, theirs, mine_json)
        except MergeConflict as exc:
            raise ReapplyFailed(exc.paths) from None
        return self._save(access, plan_id, _validated(merged), current_version, note=note)

    def restore(self, access: Access, plan_id: str, version: int, *, base_version: int | None = None,
                note: str | None = None) -> SaveResult:
        """Make version ``version`` the current plan again (as a new version; nothing is rewritten)."""
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            row = self._plan_row(conn, plan_id)
            old = self._version_json(conn, plan_id, version)
        base = row.current_version if base_version is None else base_version
        return self._save(access, plan_id, _validated(old), base, note=note,
                          prefix=(f"版 {version} に戻す", f"restored version {version}"))

    def rename(self, access: Access, plan_id: str, name: str) -> PlanInfo:
        title = _clean_name(name)
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            self._plan_row(conn, plan_id)
            conn.execute(update(plans).where(plans.c.id == plan_id).values(name=title))
            return self._info(self._plan_row(conn, plan_id))

    def duplicate(self, access: Access, plan_id: str, *, name: str | None = None) -> PlanInfo:
        self._require_local(access)
        opened = self.open_plan(access, plan_id)
        title = name if name is not None else f"{opened.info.name} のコピー"
        return self.create_plan(access, opened.plan, name=title[:200], note=f"複製元 / copied from {plan_id}")

    def delete(self, access: Access, plan_id: str) -> PlanInfo:
        """Soft delete: hidden from the list, restorable with :meth:`undelete` for the retention period."""
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            self._plan_row(conn, plan_id)
            conn.execute(update(plans).where(plans.c.id == plan_id).values(deleted_at=_now()))
            return self._info(self._plan_row(conn, plan_id, allow_deleted=True))

    def undelete(self, access: Access, plan_id: str) -> PlanInfo:
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            self._plan_row(conn, plan_id, allow_deleted=True)
            conn.execute(update(plans).where(plans.c.id == plan_id).values(deleted_at=None))
            return self._info(self._plan_row(conn, plan_id))

    def purge_expired(self, now: datetime | None = None) -> list[str]:
        """Remove for good the plans deleted longer ago than the retention period; their ids."""
        cutoff = (now or _now()) - self.retention
        with write_tx(self.engine) as conn:
            ids = list(conn.execute(
                select(plans.c.id).where(plans.c.deleted_at.is_not(None), plans.c.deleted_at < cutoff)
            ).scalars())
            if ids:
                conn.execute(delete(share_links).where(share_links.c.plan_id.in_(ids)))
                conn.execute(delete(invitations).where(invitations.c.plan_id.in_(ids)))
                conn.execute(delete(plan_people).where(plan_people.c.plan_id.in_(ids)))
                conn.execute(delete(plan_presence).where(plan_presence.c.plan_id.in_(ids)))
                conn.execute(delete(plan_versions).where(plan_versions.c.plan_id.in_(ids)))
                conn.execute(delete(plans).where(plans.c.id.in_(ids)))
        return ids

    # ------------------------------------------------------------------------------------------
    # Live updates (store/live.py watches; ui/live.py shows): the newest version, who has a plan open

    @staticmethod
    def _notify(conn: Connection, plan_id: str, version: int) -> None:
        """PostgreSQL: tell every listening replica (``LISTEN kyoso_plan_saved``) that ``plan_id`` is at
        ``version``; sent when the save's transaction commits, never for one that rolls back."""
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                         {"channel": NOTIFY_CHANNEL, "payload": f"{plan_id}:{version}"})

    def head_versions(self, plan_ids: list[str] | tuple[str, ...]) -> dict[str, int]:
        """The current version of each plan that exists and is not deleted (one indexed query; the
        version number only, so no access check: callers already hold the plan open)."""
        if not plan_ids:
            return {}
        with read_tx(self.engine) as conn:
            rows = conn.execute(select(plans.c.id, plans.c.current_version).where(
                plans.c.id.in_(list(plan_ids)), plans.c.deleted_at.is_(None)))
            return {r.id: int(r.current_version) for r in rows}

    def changes_since(self, access: Access, plan_id: str, base_version: int,
                      mine: Plan | dict[str, Any]) -> Conflict | None:
        """What others saved after ``base_version``, as the :class:`Conflict` a save of ``mine`` would meet
        now (the same reload / re-apply choice); None when the plan is still at ``base_version``."""
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id)
            row = self._plan_row(conn, plan_id)
            if row.current_version == base_version:
                return None
            return self._conflict(conn, plan_id, base_version, row.current_version,
                                  mine.to_json_dict() if isinstance(mine, Plan) else mine)

    def touch_presence(self, access: Access, plan_id: str, session_id: str) -> None:
        """Session ``session_id`` has ``plan_id`` open now (refreshed by its live-update tick)."""
        now = _now()
        values = {"plan_id": plan_id, "who": access.author[:600], "role": access.role[:80], "seen_at": now}
        with write_tx(self.engine) as conn:
            done = conn.execute(update(plan_presence).where(plan_presence.c.session_id == session_id)
                                .values(**values)).rowcount
            if done != 1:
                conn.execute(insert(plan_presence).values(session_id=session_id, **values))
            conn.execute(delete(plan_presence).where(
                plan_presence.c.seen_at < now - timedelta(seconds=PRESENCE_KEEP_SECONDS)))

    def present(self, plan_id: str, *, exclude: str | None = None,
                within: float = PRESENCE_SECONDS) -> list[tuple[str, str]]:
        """Who else has ``plan_id`` open: (who, role) seen in the last ``within`` seconds, each once,
        newest first; ``exclude``: the asking session."""
        since = _now() - timedelta(seconds=within)
        with read_tx(self.engine) as conn:
            q = select(plan_presence.c.who, plan_presence.c.role, plan_presence.c.session_id).where(
                plan_presence.c.plan_id == plan_id, plan_presence.c.seen_at >= since
            ).order_by(plan_presence.c.seen_at.desc())
            rows = [(r.who, r.role) for r in conn.execute(q) if r.session_id != exclude]
        return list(dict.fromkeys(rows))

    def leave(self, session_id: str) -> None:
        """Session ``session_id`` closed the plan (or the replica shuts down)."""
        with write_tx(self.engine) as conn:
            conn.execute(delete(plan_presence).where(plan_presence.c.session_id == session_id))

    def hold_invitation(self, token: str) -> str:
        """Hold an invitation opened before signing in, across the provider's redirect (on any replica):
        returns a random key for a short-lived cookie; only hashes of the key and the token are stored."""
        key = secrets.token_urlsafe(24)
        now = _now()
        with write_tx(self.engine) as conn:
            conn.execute(delete(sign_in_holds).where(
                sign_in_holds.c.created_at < now - timedelta(seconds=SIGN_IN_HOLD_SECONDS)))
            conn.execute(insert(sign_in_holds).values(key_hash=hash_token(key),
                                                      token_hash=hash_token((token or "").strip()),
                                                      created_at=now))
        return key

    def take_invitation(self, key: str) -> str | None:
        """The held invitation's token hash for ``key`` (once; None when unknown or older than 15 min)."""
        if not key:
            return None
        with write_tx(self.engine) as conn:
            row = conn.execute(select(sign_in_holds).where(
                sign_in_holds.c.key_hash == hash_token(key))).one_or_none()
            if row is None:
                return None
            conn.execute(delete(sign_in_holds).where(sign_in_holds.c.key_hash == row.key_hash))
        created = _aware(row.created_at)
        if created is None or _now() - created > timedelta(seconds=SIGN_IN_HOLD_SECONDS):
            return None
        return str(row.token_hash)

    # ------------------------------------------------------------------------------------------
    # Share links

    def create_share(self, access: Access, plan_id: str, role: str, *, label: str = "") -> tuple[str, ShareInfo]:
        """A new share link: returns (token, info).  The token is shown only now; only its hash is kept."""
        role = role.strip()
        if not valid_role(role):
            raise StoreError(f"役割 {role!r} は使えません(lead または member:<ID>)",
                             f"unknown role {role!r} (lead or member:<id>)")
        label = " ".join(label.split())[:200]
        token = secrets.token_urlsafe(32)
        now = _now()
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            row = self._plan_row(conn, plan_id)
            if role.startswith("member:"):
                member = role.split(":", 1)[1]
                current = self._version_json(conn, plan_id, row.current_version)
                if not any(m.get("id") == member for m in current.get("members", [])):
                    raise StoreError(f"メンバー {member} はこの計画にいません", f"member {member} is not in this plan")
            share_id = conn.execute(insert(share_links).values(
                plan_id=plan_id, token_hash=hash_token(token), role=role, label=label, created_at=now,
                created_by=access.author).returning(share_links.c.id)).scalar_one()
        return token, ShareInfo(share_id, plan_id, role, label, now, access.author)

    def list_shares(self, access: Access, plan_id: str) -> list[ShareInfo]:
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            rows = conn.execute(select(share_links).where(share_links.c.plan_id == plan_id)
                                .order_by(share_links.c.id)).all()
        out = []
        for r in rows:
            created = _aware(r.created_at)
            assert created is not None
            out.append(ShareInfo(r.id, r.plan_id, r.role, r.label, created, r.created_by, _aware(r.revoked_at)))
        return out

    def revoke_share(self, access: Access, plan_id: str, share_id: int) -> None:
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            done = conn.execute(
                update(share_links)
                .where(share_links.c.id == share_id, share_links.c.plan_id == plan_id,
                       share_links.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            ).rowcount
            if done != 1:
                exists = conn.execute(select(share_links.c.id).where(
                    share_links.c.id == share_id, share_links.c.plan_id == plan_id)).one_or_none()
                if exists is None:
                    raise NotFound(f"共有リンク {share_id} はありません", f"no share link {share_id}")

    # ------------------------------------------------------------------------------------------
    # People (sign-in mode): roles bound to verified e-mails, invitations

    @staticmethod
    def _person_row(conn: Connection, plan_id: str, email: str) -> Row[Any] | None:
        return conn.execute(select(plan_people).where(
            plan_people.c.plan_id == plan_id, plan_people.c.email == email, plan_people.c.removed_at.is_(None)
        ).order_by(plan_people.c.id.desc()).limit(1)).one_or_none()

    def person_access(self, email: str, name: str | None, plan_id: str) -> Access:
        """A signed-in person's access to ``plan_id`` (its role from ``plan_people``).  ``email`` must be
        the identity provider's verified e-mail.  Refused when the person is not (or no longer) in the plan."""
        address = clean_email(email)
        with read_tx(self.engine) as conn:
            row = self._person_row(conn, plan_id, address)
        if row is None:
            raise AccessDenied("あなたはこの計画の参加者ではありません", "you are not one of this plan's people")
        return Access(role=row.role, author=person_label(name or row.name, address), plan_id=plan_id,
                      email=address)

    def plans_of(self, email: str) -> list[PlanInfo]:
        """The live plans ``email`` is a person of (newest first)."""
        address = clean_email(email)
        with read_tx(self.engine) as conn:
            rows = conn.execute(
                select(plans).join(plan_people, plan_people.c.plan_id == plans.c.id).where(
                    plan_people.c.email == address, plan_people.c.removed_at.is_(None),
                    plans.c.deleted_at.is_(None)).distinct().order_by(plans.c.updated_at.desc(), plans.c.id)
            ).all()
        return [self._info(r) for r in rows]

    def _check_role(self, conn: Connection, plan_id: str, role: str) -> str:
        role = role.strip()
        if not valid_role(role):
            raise StoreError(f"役割 {role!r} は使えません(lead、viewer または member:<ID>)",
                             f"unknown role {role!r} (lead, viewer or member:<id>)")
        if role.startswith("member:"):
            member = role.split(":", 1)[1]
            row = self._plan_row(conn, plan_id)
            current = self._version_json(conn, plan_id, row.current_version)
            if not any(m.get("id") == member for m in current.get("members", [])):
                raise StoreError(f"メンバー {member} はこの計画にいません", f"member {member} is not in this plan")
        return role

    def _put_person(self, conn: Connection, plan_id: str, email: str, name: str, role: str, by: str) -> None:
        now = _now()
        conn.execute(update(plan_people).where(
            plan_people.c.plan_id == plan_id, plan_people.c.email == email, plan_people.c.removed_at.is_(None)
        ).values(removed_at=now))
        conn.execute(insert(plan_people).values(plan_id=plan_id, email=email, name=" ".join(name.split())[:200],
                                                role=role, added_at=now, added_by=by[:200]))

    def add_person(self, access: Access, plan_id: str, email: str, role: str, *, name: str = "") -> None:
        """Make ``email`` a person of the plan with ``role`` (the lead or the operator; e.g. the first lead)."""
        address = clean_email(email)
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            self._plan_row(conn, plan_id)
            role = self._check_role(conn, plan_id, role)
            self._put_person(conn, plan_id, address, name, role, access.author)

    def list_people(self, access: Access, plan_id: str) -> list[PersonInfo]:
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            rows = conn.execute(select(plan_people).where(
                plan_people.c.plan_id == plan_id, plan_people.c.removed_at.is_(None)).order_by(plan_people.c.id)).all()
        out = []
        for r in rows:
            added = _aware(r.added_at)
            assert added is not None
            out.append(PersonInfo(r.plan_id, r.email, r.name, r.role, added, r.added_by))
        return out

    def _leads_left(self, conn: Connection, plan_id: str, without: str) -> int:
        return int(conn.execute(select(func.count()).select_from(plan_people).where(
            plan_people.c.plan_id == plan_id, plan_people.c.removed_at.is_(None), plan_people.c.role == "lead",
            plan_people.c.email != without)).scalar_one())

    def change_role(self, access: Access, plan_id: str, email: str, role: str) -> None:
        address = clean_email(email)
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            role = self._check_role(conn, plan_id, role)
            row = self._person_row(conn, plan_id, address)
            if row is None:
                raise NotFound(f"{address} はこの計画の参加者ではありません", f"{address} is not one of this plan's people")
            if row.role == "lead" and role != "lead" and self._leads_left(conn, plan_id, address) == 0:
                raise StoreError("最後の代表(lead)の役割は変更できません", "the last lead's role cannot be changed")
            self._put_person(conn, plan_id, address, row.name, role, access.author)

    def remove_person(self, access: Access, plan_id: str, email: str) -> None:
        address = clean_email(email)
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            row = self._person_row(conn, plan_id, address)
            if row is None:
                raise NotFound(f"{address} はこの計画の参加者ではありません", f"{address} is not one of this plan's people")
            if row.role == "lead" and self._leads_left(conn, plan_id, address) == 0:
                raise StoreError("最後の代表(lead)は外せません", "the last lead cannot be removed")
            conn.execute(update(plan_people).where(plan_people.c.id == row.id).values(removed_at=_now()))

    @staticmethod
    def _event(conn: Connection, inv: Row[Any], event: str, actor: str) -> None:
        conn.execute(insert(invitation_events).values(
            invitation_id=inv.id, plan_id=inv.plan_id, event=event, email=inv.email, role=inv.role,
            actor=actor[:600], at=_now()))

    def invite(self, access: Access, plan_id: str, email: str | None, role: str) -> str:
        """Invite ``email`` (None: any signed-in user, once) to ``role``; the token is returned only now."""
        address = clean_email(email) if email is not None and email.strip() else None
        token = secrets.token_urlsafe(32)
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            self._plan_row(conn, plan_id)
            role = self._check_role(conn, plan_id, role)
            inv_id = conn.execute(insert(invitations).values(
                plan_id=plan_id, email=address, role=role, token_hash=hash_token(token), created_at=_now(),
                created_by=access.author).returning(invitations.c.id)).scalar_one()
            inv = conn.execute(select(invitations).where(invitations.c.id == inv_id)).one()
            self._event(conn, inv, "sent", access.author)
        return token

    def accept_invitation(self, token: str, email: str, email_verified: bool, name: str | None, *,
                          token_hash: str | None = None) -> Access:
        """A signed-in user accepts an invitation: it becomes a person of the plan with the invited role.

        Only with a verified e-mail (``email_verified`` from the identity provider), equal to the invited
        one (an invitation without an e-mail: anyone, once).  The invitation is then spent; a spent or
        revoked one is refused.  Returns the person's access to the plan.
        """
        token = (token or "").strip()
        if not token and not token_hash:
            raise AccessDenied("招待のトークンがありません", "no invitation token given")
        wanted = token_hash or hash_token(token)  # token_hash: an invitation held across sign-in
        if email_verified is not True:
            raise AccessDenied("メールアドレスが確認されていないため招待を受けられません",
                               "your e-mail address is not verified, so you cannot accept the invitation")
        address = clean_email(email)
        label = person_label(name, address)
        with write_tx(self.engine) as conn:
            inv = conn.execute(select(invitations).where(invitations.c.token_hash == wanted)).one_or_none()
            if inv is None:
                raise AccessDenied("この招待は無効です", "this invitation is not valid")
            if inv.revoked_at is not None:
                raise AccessDenied("この招待は取り消されています", "this invitation has been revoked")
            if inv.accepted_at is not None:
                raise AccessDenied("この招待はすでに使われています", "this invitation has already been used")
            if inv.email is not None and inv.email != address:
                raise AccessDenied("この招待は別のメールアドレス宛てです", "this invitation is for another e-mail address")
            self._plan_row(conn, inv.plan_id)
            done = conn.execute(update(invitations).where(
                invitations.c.id == inv.id, invitations.c.accepted_at.is_(None), invitations.c.revoked_at.is_(None)
            ).values(accepted_at=_now(), accepted_by=address)).rowcount
            if done != 1:
                raise AccessDenied("この招待はすでに使われています", "this invitation has already been used")
            self._put_person(conn, inv.plan_id, address, str(name or ""), inv.role, f"invitation {inv.id}")
            self._event(conn, inv, "accepted", label)
        return Access(role=inv.role, author=label, plan_id=inv.plan_id, email=address)

    def list_invitations(self, access: Access, plan_id: str) -> list[InvitationInfo]:
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            rows = conn.execute(select(invitations).where(invitations.c.plan_id == plan_id)
                                .order_by(invitations.c.id)).all()
        out = []
        for r in rows:
            created = _aware(r.created_at)
            assert created is not None
            out.append(InvitationInfo(r.id, r.plan_id, r.email, r.role, created, r.created_by,
                                      _aware(r.accepted_at), r.accepted_by, _aware(r.revoked_at)))
        return out

    def revoke_invitation(self, access: Access, plan_id: str, invitation_id: int) -> None:
        with write_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            inv = conn.execute(select(invitations).where(
                invitations.c.id == invitation_id, invitations.c.plan_id == plan_id)).one_or_none()
            if inv is None:
                raise NotFound(f"招待 {invitation_id} はありません", f"no invitation {invitation_id}")
            if inv.accepted_at is not None or inv.revoked_at is not None:
                return
            conn.execute(update(invitations).where(invitations.c.id == inv.id).values(revoked_at=_now()))
            self._event(conn, inv, "revoked", access.author)

    def invitation_audit(self, access: Access, plan_id: str) -> list[InvitationEvent]:
        """Every invitation event of the plan (sent, accepted, revoked), oldest first; never deleted."""
        with read_tx(self.engine) as conn:
            self._authorize(conn, access, plan_id, lead=True)
            rows = conn.execute(select(invitation_events).where(invitation_events.c.plan_id == plan_id)
                                .order_by(invitation_events.c.id)).all()
        out = []
        for r in rows:
            at = _aware(r.at)
            assert at is not None
            out.append(InvitationEvent(r.invitation_id, r.plan_id, r.event, r.email, r.role, r.actor, at))
        return out


def open_store(url: str | None = None, **kwargs: Any) -> Store:
    """The store configured by the environment (see :mod:`store.config`)."""
    return Store(url, **kwargs)




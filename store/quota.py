"""Quotas for link holders: how much one share link may make the store keep.

A share link is handed to another company; without a bound one link could fill the server's disk for every
consortium on it (a tester stored 20 × 12 MB versions in 3.8 s).  The quotas apply to saves made through a
link (``Access.via_token``); the local user and the operator, who own the machine, are not limited.

- ``KYOSO_QUOTA_PLAN_BYTES``: the largest plan a link may save, as canonical JSON (default 8 MiB; the
  2,000-line benchmark plan is 0.3 MB).
- ``KYOSO_QUOTA_VERSIONS_PER_HOUR``: versions of one plan saved in the last hour, by anyone, above which a
  link's save is refused (default 600: one save every 6 s for an hour; the app saves each accepted edit).
- ``KYOSO_QUOTA_PLAN_STORED_BYTES``: bytes of one plan's whole history on disk (compressed), above which a
  link's save is refused (default 256 MiB).

``0`` turns a quota off.  A refusal is :class:`QuotaExceeded` with a message that says which quota, the
figure and the limit, and what to do (ask the lead, who can also restore or prune by exporting).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from store.access import StoreError

MIB = 1024 * 1024


class QuotaExceeded(StoreError):
    """A link holder's save passes one of the quotas; nothing was written."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class Quotas:
    plan_bytes: int = 8 * MIB
    versions_per_hour: int = 600
    plan_stored_bytes: int = 256 * MIB

    @classmethod
    def from_env(cls) -> Quotas:
        d = cls()
        return cls(
            plan_bytes=_env_int("KYOSO_QUOTA_PLAN_BYTES", d.plan_bytes),
            versions_per_hour=_env_int("KYOSO_QUOTA_VERSIONS_PER_HOUR", d.versions_per_hour),
            plan_stored_bytes=_env_int("KYOSO_QUOTA_PLAN_STORED_BYTES", d.plan_stored_bytes),
        )

    def check_size(self, size: int) -> None:
        if self.plan_bytes and size > self.plan_bytes:
            raise QuotaExceeded(
                f"計画が大きすぎるため共有リンクからは保存できません({size:,} バイト、上限 {self.plan_bytes:,} バイト)。"
                "代表者に相談してください",
                f"the plan is too large to save through a share link ({size:,} bytes, limit {self.plan_bytes:,}); "
                "ask the lead",
            )

    def check_rate(self, versions_last_hour: int) -> None:
        if self.versions_per_hour and versions_last_hour >= self.versions_per_hour:
            raise QuotaExceeded(
                f"この計画は直近 1 時間に {versions_last_hour:,} 回保存されています(共有リンクからの上限 "
                f"{self.versions_per_hour:,} 回/時)。しばらく待ってから保存してください",
                f"this plan was saved {versions_last_hour:,} times in the last hour (the limit through a share "
                f"link is {self.versions_per_hour:,} an hour); wait a while and save again",
            )

    def check_stored(self, stored: int, adding: int) -> None:
        if self.plan_stored_bytes and stored + adding > self.plan_stored_bytes:
            raise QuotaExceeded(
                f"この計画の履歴が保存容量の上限に達しています({stored + adding:,} バイト、上限 "
                f"{self.plan_stored_bytes:,} バイト)。代表者に相談してください",
                f"this plan's history has reached its storage limit ({stored + adding:,} bytes, limit "
                f"{self.plan_stored_bytes:,}); ask the lead",
            )

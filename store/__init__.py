"""Plans that survive: the plan store (issue 6).

SQLAlchemy 2 over SQLite (default: ``./data/kyoso.db`` or ``$KYOSO_DATA_DIR/kyoso.db``, WAL) or PostgreSQL
(``KYOSO_DATABASE_URL``, psycopg 3).  Plans are stored as validated plan JSON with a version history; saves
are compare-and-swap on the version they were based on; share links carry roles enforced here.
See docs/store.md.
"""

from store.access import Access, AccessDenied, StoreError
from store.diff import Change, diff, merge, summarize
from store.quota import QuotaExceeded, Quotas
from store.repository import (
    Conflict,
    InvalidPlan,
    InvitationEvent,
    InvitationInfo,
    NotFound,
    OpenedPlan,
    PersonInfo,
    PlanInfo,
    ReapplyFailed,
    SaveResult,
    ShareInfo,
    Store,
    VersionInfo,
    open_store,
)

__all__ = [
    "Access",
    "AccessDenied",
    "Change",
    "Conflict",
    "InvalidPlan",
    "InvitationEvent",
    "InvitationInfo",
    "NotFound",
    "OpenedPlan",
    "PersonInfo",
    "PlanInfo",
    "QuotaExceeded",
    "Quotas",
    "ReapplyFailed",
    "SaveResult",
    "ShareInfo",
    "Store",
    "StoreError",
    "VersionInfo",
    "diff",
    "merge",
    "open_store",
    "summarize",
]

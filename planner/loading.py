"""Loading plan files against the engine's rule packs.

The data model (``schemas``) knows no rule packs, so it cannot tell whether a plan's ``program`` (or an
application's ``program`` and ``frame``) names one that exists.  These functions are ``schemas``' loaders with
that catalogue passed in explicitly: every face (app, command line, store, exports) loads through them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.pack import available_pack_ids, get_pack
from schemas import Plan
from schemas import load_plan as _load_plan
from schemas.itdonyu import Application
from schemas.itdonyu import load_application as _load_application
from schemas.itdonyu import load_plan_or_application as _load_either

Source = str | Path | bytes | bytearray | dict[str, Any]


def kyoso_pack_ids() -> list[str]:
    """The rule packs a ``kyoso-plan/1`` file may name (other engines read other file formats)."""
    return [pid for pid in available_pack_ids() if get_pack(pid).header.engine == "kyoso"]


def itdonyu_frames() -> dict[str, list[str]]:
    """IT導入補助金 pack id → the frame ids it offers."""
    from planner.itdonyu import pack_frames

    return pack_frames()


def load_plan(source: Source, *, name: str | None = None) -> Plan:
    """:func:`schemas.load_plan` with the engine's 共創型 rule packs (an unknown ``program`` is a load error)."""
    return _load_plan(source, name=name, programs=kyoso_pack_ids())


def load_application(source: Source, *, name: str | None = None) -> Application:
    """:func:`schemas.itdonyu.load_application` with the engine's IT導入補助金 packs and their frames."""
    return _load_application(source, name=name, frames=itdonyu_frames())


def load_plan_or_application(path: str | Path) -> Plan | Application:
    """A plan or an IT導入 application file (told from its bytes), read once, checked against the packs."""
    loaded: Plan | Application = _load_either(path, programs=kyoso_pack_ids(), frames=itdonyu_frames())
    return loaded

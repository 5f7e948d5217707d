"""The IT導入補助金 engine (rule packs ``itdonyu-2017`` … ``itdonyu-2025``): frames, group rules, comparison."""

from __future__ import annotations

from planner.itdonyu.params import ItdonyuParams
from planner.pack import available_pack_ids, get_pack, register_engine

register_engine("itdonyu", ItdonyuParams)


def pack_frames() -> dict[str, list[str]]:
    """IT導入補助金 pack id → the frame ids it offers (``planner.load_application`` passes it to the loader)."""
    out: dict[str, list[str]] = {}
    for pid in available_pack_ids():
        pack = get_pack(pid)
        if pack.header.engine == "itdonyu":
            out[pid] = list(pack.params.frames())
    return out


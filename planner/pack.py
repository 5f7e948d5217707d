"""Rule packs: one dated, validated parameter file per programme year (``planner/packs/*.toml``).

A pack file has a ``[pack]`` header (id, engine, names, as-of date, sources) and ``[params.NAME]``
tables, each with ``value``, ``unit``, ``source`` and optionally ``interpretation`` and ``note``.
The header's ``engine`` names the engine that knows the parameters' types (``kyoso`` for
共創型; later programmes register their own), so a new fiscal year is a new file, not new code, and
a new programme is a new engine module plus its files, without touching the 共創型 rules.

A missing or malformed parameter fails loudly with :class:`PackError`, naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

PACK_DIR = Path(__file__).parent / "packs"

T = TypeVar("T")


class PackError(Exception):
    """A rule pack file is missing, malformed or incomplete."""


def _fraction(value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if not isinstance(value, str) or "/" not in value:
        raise ValueError("a ratio is written as a string 'p/q', e.g. \"2/3\"")
    num, den = value.split("/", 1)
    if not (num.strip().isdigit() and den.strip().isdigit()) or int(den) == 0:
        raise ValueError(f"not a ratio p/q of whole numbers: {value!r}")
    frac = Fraction(int(num), int(den))
    if not 0 < frac <= 1:
        raise ValueError(f"a ratio must be in (0, 1]: {value!r}")
    return frac


Ratio = Annotated[Fraction, BeforeValidator(_fraction)]


class Param(BaseModel, Generic[T]):
    """One programme number with its unit and source."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    value: T
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1)
    interpretation: bool = False
    note: str | None = None
    note_ja: str | None = None


class PackHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    engine: str
    programme_ja: str
    programme_en: str
    fiscal_year_ja: str
    fiscal_year_en: str
    as_of: date
    sources: dict[str, str]


P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class RulePack(Generic[P]):
    """A loaded pack: its header, typed parameters and the raw parameter tables (for docs)."""

    header: PackHeader
    params: P
    raw: dict[str, dict[str, Any]]
    path: Path

    @property
    def id(self) -> str:
        return self.header.id


#: engine name → the pydantic model of its parameters.  Engines register themselves on import.
PARAM_MODELS: dict[str, type[BaseModel]] = {}


def register_engine(name: str, params_model: type[BaseModel]) -> Callable[[], None]:
    PARAM_MODELS[name] = params_model
    return lambda: None


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def load_pack_file(path: Path) -> RulePack[Any]:
    """Read and validate one pack file; raises :class:`PackError` naming the file and the key."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise PackError(f"{path}: rule pack file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{path}: not valid TOML: {exc}") from None
    try:
        header = PackHeader.model_validate(data.get("pack"))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PackError(f"{path}: pack.{_loc(first['loc'])}: {first['msg']}") from None
    if path.stem != header.id:
        raise PackError(f"{path}: pack.id {header.id!r} must match the file name {path.stem!r}")
    model = PARAM_MODELS.get(header.engine)
    if model is None:
        raise PackError(f"{path}: pack.engine: unknown engine {header.engine!r} (known: {sorted(PARAM_MODELS)})")
    raw = data.get("params")
    if not isinstance(raw, dict):
        raise PackError(f"{path}: params: missing [params.*] tables")
    unknown_top = set(data) - {"pack", "params"}
    if unknown_top:
        raise PackError(f"{path}: unknown top-level table(s) {sorted(unknown_top)}")
    try:
        params = model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"params.{_loc(e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise PackError(f"{path}: {problems}") from None
    return RulePack(header=header, params=params, raw=raw, path=path)


def pack_paths() -> dict[str, Path]:
    return {p.stem: p for p in sorted(PACK_DIR.glob("*.toml"))}


@cache
def get_pack(pack_id: str) -> RulePack[Any]:
    paths = pack_paths()
    if pack_id not in paths:
        raise PackError(f"no rule pack {pack_id!r} in {PACK_DIR} (known: {sorted(paths)})")
    return load_pack_file(paths[pack_id])


def available_pack_ids() -> list[str]:
    return list(pack_paths())


def load_all_packs() -> list[RulePack[Any]]:
    """Load and validate every pack (done at start-up so a broken file fails loudly at once)."""
    return [get_pack(pid) for pid in available_pack_ids()]

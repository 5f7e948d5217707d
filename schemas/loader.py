"""Loading a plan file: never crashes, never guesses, never changes the file.

Every problem is reported as a :class:`PlanLoadError` whose problems each name the JSON path
(``$.members[2].capital_yen``) with a Japanese and an English message.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import stat
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.errors import BilingualError
from schemas.plan import Plan

MAX_PLAN_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 20
READ_CHUNK_BYTES = 1024 * 1024



@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    ja: str
    en: str

    def text(self, lang: str = "ja") -> str:
        return f"{self.path}: {self.ja if lang == 'ja' else self.en}"


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class PlanLoadError(Exception):
    """The plan could not be read. ``problems`` name the JSON paths; ``source`` names the file."""

    def __init__(self, problems: list[Problem], source: str = "<plan>", hidden: int = 0) -> None:
        # a lone surrogate (from a JSON escape or an undecodable file name) must not break printing
        self.problems = [Problem(_printable(p.path), _printable(p.ja), _printable(p.en)) for p in problems]
        self.source = _printable(source)
        self.hidden = hidden
        super().__init__(self.message("ja") + "\n" + self.message("en"))

    def message(self, lang: str = "ja") -> str:
        head = (
            f"{self.source}: 計画ファイルを読み込めません"
            if lang == "ja"
            else f"{self.source}: the plan file cannot be read"
        )
        lines = [head, *("  " + p.text(lang) for p in self.problems)]
        if self.hidden:
            lines.append(
                f"  …ほか {self.hidden} 件" if lang == "ja" else f"  …and {self.hidden} more problem(s)"
            )
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# JSON parsing


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


class _Bad:
    """A value the strict parse refused, kept by the second, tolerant parse so it can be located."""

    __slots__ = ("en", "ja")

    def __init__(self, ja: str, en: str) -> None:
        self.ja = ja
        self.en = en


class _Obj(dict[str, Any]):
    duplicate: str | None = None


def _tolerant_pairs(pairs: list[tuple[str, Any]]) -> _Obj:
    out = _Obj()
    for key, value in pairs:
        if key in out and out.duplicate is None:
            out.duplicate = key
        out[key] = value
    return out


def _tolerant_int(text: str) -> Any:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts
        digits = len(text.lstrip("-"))
        return _Bad(f"整数の桁数が多すぎます({digits:,} 桁)", f"an integer with too many digits ({digits:,})")


def _tolerant_constant(name: str) -> _Bad:
    return _Bad(
        f"{name} は JSON の値ではありません(数値で指定してください)",
        f"{name} is not a JSON value (give a number)",
    )


def _locate(text: str) -> Problem | None:
    """Name the JSON path of a duplicate key, NaN/Infinity or an unconvertible integer."""
    try:
        data = json.loads(
            text,
            object_pairs_hook=_tolerant_pairs,
            parse_float=Decimal,
            parse_int=_tolerant_int,
            parse_constant=_tolerant_constant,
        )
    except (ValueError, RecursionError):
        return None
    stack: list[tuple[str, Any]] = [("$", data)]
    while stack:  # depth first, in document order
        path, node = stack.pop()
        if isinstance(node, _Bad):
            return Problem(path, node.ja, node.en)
        if isinstance(node, _Obj):
            if node.duplicate is not None:
                key = node.duplicate
                return Problem(
                    f"{path}.{key}",
                    f"同じキー {key!r} が1つのオブジェクトに2回あります",
                    f"the key {key!r} appears twice in one object",
                )
            stack.extend((f"{path}.{k}", v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(node))))
    return None


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def _max_depth_ok(text: str, limit: int) -> bool:
    """A quick bracket scan (strings skipped) so absurdly nested input is refused before parsing.

    Strings are removed with one regular expression (an unterminated one runs to the end), then only
    the brackets are walked: 2× faster than a per-character loop, same verdict.
    """
    steps = [1 if b in "[{" else -1 for b in _BRACKET.findall(_JSON_STRING.sub("", text))]
    return max(itertools.accumulate(steps), default=0) <= limit


MAX_DEPTH = 64


def _parse_json(raw: bytes, source: str) -> Any:
    def fail(ja: str, en: str) -> PlanLoadError:
        return PlanLoadError([Problem("$", ja, en)], source)

    if len(raw) > MAX_PLAN_BYTES:
        raise fail(
            f"ファイルが大きすぎます({len(raw):,} バイト、上限 {MAX_PLAN_BYTES:,} バイト)",
            f"the file is too large ({len(raw):,} bytes, limit {MAX_PLAN_BYTES:,})",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(
            f"UTF-8 ではありません({exc.start} バイト目)",
            f"the file is not UTF-8 (byte {exc.start})",
        ) from None
    if not text.strip():
        raise fail("ファイルが空です", "the file is empty")
    # Nesting deeper than any plan needs is refused quickly (the plan itself is 5 levels deep).
    if text.count("[") + text.count("{") > MAX_DEPTH and not _max_depth_ok(text, MAX_DEPTH):
        raise fail(
            f"JSON の入れ子が深すぎます(上限 {MAX_DEPTH} 段)",
            f"the JSON is nested too deeply (limit {MAX_DEPTH} levels)",
        )
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=Decimal,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise fail(
            f"JSON として読めません({exc.lineno} 行 {exc.colno} 列: {exc.msg})",
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
        ) from None
    except RecursionError:
        raise fail("JSON の入れ子が深すぎます", "the JSON is nested too deeply") from None
    except ValueError as exc:  # duplicate keys, huge integers, NaN/Infinity: name where
        located = _locate(text)
        if located is not None:
            raise PlanLoadError([located], source) from None
        if isinstance(exc, _DuplicateKey):
            raise fail(
                f"同じキー {exc.args[0]!r} が1つのオブジェクトに2回あります",
                f"the key {exc.args[0]!r} appears twice in one object",
            ) from None
        raise fail(f"JSON の値が不正です: {exc}", f"invalid JSON value: {exc}") from None


# ---------------------------------------------------------------------------------------------
# Validation errors → problems

_JA_BY_TYPE: dict[str, str] = {
    "missing": "必須の項目がありません",
    "extra_forbidden": "未知のキーです(綴りを確認してください。自由な項目は extra の下に置けます)",
    "int_type": "整数で指定してください(文字列・小数・真偽値は不可)",
    "int_from_float": "整数で指定してください(小数は不可)",
    "int_parsing": "整数で指定してください",
    "string_type": "文字列で指定してください",
    "string_unicode": "不正な文字(対になっていないサロゲート)が含まれています",
    "bool_type": "true か false で指定してください",
    "list_type": "配列([...])で指定してください",
    "dict_type": "オブジェクト({...})で指定してください",
    "model_type": "オブジェクト({...})で指定してください",
    "model_attributes_type": "オブジェクト({...})で指定してください",
    "literal_error": "許可された値ではありません",
    "greater_than": "値が小さすぎます",
    "greater_than_equal": "値が小さすぎます",
    "less_than": "値が大きすぎます",
    "less_than_equal": "値が大きすぎます",
    "string_too_short": "空にできません",
    "string_too_long": "文字列が長すぎます",
    "string_pattern_mismatch": "書式が正しくありません",
    "too_long": "要素が多すぎます",
    "too_short": "要素が足りません",
    "none_required": "null にしてください",
}


def _path(loc: tuple[int | str, ...], data: Any) -> str:
    parts = ["$"]
    node = data
    for item in loc:
        if item == "[key]":  # pydantic's marker for a bad dict key: the path already names the key
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(f".{item}")
        try:
            node = node[item] if node is not None else None
        except (KeyError, IndexError, TypeError):
            node = None
    return "".join(parts)


def _problem_from_error(err: Any, data: Any) -> Problem:
    loc = tuple(err.get("loc", ()))
    ctx = err.get("ctx") or {}
    subpath = ctx.get("subpath")
    path = _path(loc, data)
    if subpath:
        path += ("" if subpath.startswith("[") else ".") + subpath
    if "ja" in ctx and "en" in ctx:
        return Problem(path, str(ctx["ja"]), str(ctx["en"]))
    etype = err.get("type", "")
    en = str(err.get("msg", "invalid value"))
    ja = _JA_BY_TYPE.get(etype, "値が不正です")
    if etype == "literal_error" and "expected" in ctx:
        ja += f"(候補: {ctx['expected']})"
    elif etype in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        limit = next(v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le"))
        sign = {"gt": "より大きく", "ge": "以上に", "lt": "未満に", "le": "以下に"}
        key = next(k for k in ctx if k in sign)
        ja = f"{limit} {sign[key]}してください"
    elif etype == "string_pattern_mismatch":
        ja += "(前後の空白や長さも確認してください)"
    inp = err.get("input")
    if etype in ("int_type", "string_type", "bool_type", "int_from_float") and not isinstance(inp, dict | list):
        shown = str(inp) if isinstance(inp, Decimal) else repr(inp)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        ja += f"(入力: {shown})"
        en += f" (got {shown})"
    return Problem(path, ja, en)


def _lone_surrogate(data: Any) -> Problem | None:
    """The first key or string holding a lone surrogate (``"\\ud800"``), which is not text."""
    stack: list[tuple[str, Any]] = [("$", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key in node:
                if isinstance(key, str) and not _utf8_ok(key):
                    return Problem(f"{path}.{key}", "キーに不正な文字(対になっていないサロゲート)が含まれています",
                                   "a key holds an invalid character (a lone surrogate)")
            stack.extend((f"{path}.{k}", v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, str) and not _utf8_ok(node):
            return Problem(path, "不正な文字(対になっていないサロゲート)が含まれています",
                           "an invalid character (a lone surrogate)")
    return None


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _validate(data: Any, source: str, programs: Collection[str] | None = None) -> Plan:
    if not isinstance(data, dict):
        raise PlanLoadError(
            [Problem("$", "計画はJSONオブジェクトでなければなりません", "a plan must be a JSON object")], source
        )
    if data.get("format") not in (None, "kyoso-plan/1") and isinstance(data.get("format"), str):
        raise PlanLoadError(
            [
                Problem(
                    "$.format",
                    f"形式 {data['format']!r} には対応していません(kyoso-plan/1 のみ)",
                    f"format {data['format']!r} is not supported (only kyoso-plan/1)",
                )
            ],
            source,
        )
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        try:
            errors = exc.errors(include_url=False)
        except UnicodeEncodeError:  # pydantic cannot report a lone surrogate; find it ourselves
            raise PlanLoadError([_lone_surrogate(data) or Problem("$", "値が不正です", "invalid value")], source) from None
        problems = [_problem_from_error(e, data) for e in errors[:MAX_PROBLEMS]]
        raise PlanLoadError(problems, source, hidden=max(0, len(errors) - MAX_PROBLEMS)) from None
    except RecursionError:
        raise PlanLoadError(
            [Problem("$", "JSON の入れ子が深すぎます", "the JSON is nested too deeply")], source
        ) from None
    if programs is not None:
        ids = list(programs)
        if plan.program not in ids:
            raise PlanLoadError(
                [
                    Problem(
                        "$.program",
                        f"ルールパック {plan.program!r} はありません(候補: {', '.join(ids)})",
                        f"no rule pack {plan.program!r} (known: {', '.join(ids)})",
                    )
                ],
                source,
            )
    return plan


class InputRefused(BilingualError):
    """An input file that is not read: not a regular file, too large, missing or unreadable (ja/en)."""


def _too_large(limit: int, size: int | None = None) -> InputRefused:
    if size is None:
        return InputRefused(f"ファイルが大きすぎます(上限 {limit:,} バイトを超えています)",
                            f"the file is too large (more than the limit of {limit:,} bytes)")
    return InputRefused(f"ファイルが大きすぎます({size:,} バイト、上限 {limit:,} バイト)",
                        f"the file is too large ({size:,} bytes, limit {limit:,})")


def read_bounded(path: str | Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, or :class:`InputRefused`.

    Devices (``/dev/zero``), FIFOs, sockets and folders are refused from ``os.stat`` before anything is
    opened (a FIFO is never opened); the file is opened non-blocking and re-checked on the descriptor,
    then read up to ``limit + 1`` bytes: ``st_size`` only ever refuses early, it is never trusted to
    accept (a file may grow, or lie, after the stat).
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputRefused("フォルダです(ファイルを指定してください)", "this is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise InputRefused("通常のファイルではありません(デバイス・FIFO・ソケットは読みません)",
                               "not a regular file (devices, FIFOs and sockets are not read)")
        if info.st_size > limit:
            raise _too_large(limit, info.st_size)
        flags = os.O_RDONLY
        for name in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"):
            flags |= getattr(os, name, 0)
        fd = os.open(path, flags)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the stat and the open
                raise InputRefused("通常のファイルではありません(デバイス・FIFO・ソケットは読みません)",
                                   "not a regular file (devices, FIFOs and sockets are not read)")
            buf = bytearray()
            while len(buf) <= limit:
                chunk = os.read(fd, min(READ_CHUNK_BYTES, limit + 1 - len(buf)))
                if not chunk:
                    break
                buf += chunk
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise InputRefused("ファイルがありません", "no such file") from None
    except IsADirectoryError:
        raise InputRefused("フォルダです(ファイルを指定してください)", "this is a folder") from None
    except PermissionError:
        raise InputRefused("読み取り権限がありません", "permission denied") from None
    except OSError as exc:
        raise InputRefused(f"読み込めません: {exc.strerror}", f"cannot read: {exc.strerror}") from None
    if len(buf) > limit:
        raise _too_large(limit)
    return bytes(buf)


def read_file_bytes(path: Path, label: str, limit: int = MAX_PLAN_BYTES) -> bytes:
    """A plan-like file's bytes (:func:`read_bounded`), or :class:`PlanLoadError` naming ``label``."""
    try:
        return read_bounded(path, limit)
    except InputRefused as exc:
        raise PlanLoadError([Problem("$", exc.ja, exc.en)], label) from None


def load_plan(source: str | Path | bytes | bytearray | dict[str, Any], *, name: str | None = None,
              programs: Collection[str] | None = None) -> Plan:
    """Read and validate a plan.

    ``source`` is a file path, the file's bytes, or an already parsed JSON object (the app's edits).
    ``programs``: the rule pack ids a plan may name in ``program`` — the data model knows no rule packs, so
    the caller passes them (``planner.load_plan`` passes the engine's); ``None`` leaves ``program`` unchecked.
    Raises :class:`PlanLoadError` and nothing else for bad input; the file is only ever read.
    """
    if isinstance(source, dict):
        return _validate(source, name or "<plan>", programs)
    if isinstance(source, bytes | bytearray):
        label = name or "<plan>"
        return _validate(_parse_json(bytes(source), label), label, programs)
    path = Path(source)
    label = name or str(path)
    raw = read_file_bytes(path, label)
    return _validate(_parse_json(raw, label), label, programs)


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``kyoso-plan/1`` (what ``kyoso schema`` prints)."""
    schema = Plan.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kyoso-plan/1"
    return schema

"""Structural diff of two plan JSON documents, its one-line summary, and a three-way merge.

Lists whose items carry an id (``members``, ``tools``, ``integrations``, ``meetings``, ``costs``) and
``schedule`` (keyed by ``step``) are compared item by item, so a change reads "cost c3: unit_price_yen"
rather than "costs[2]".  A path is a tuple of strings: ``("costs", "c3", "unit_price_yen")``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["add", "remove", "change", "reorder"]
Path = tuple[str, ...]

#: list name → the key that identifies an item of that list
KEYED: dict[str, str] = {
    "members": "id",
    "tools": "id",
    "integrations": "id",
    "meetings": "id",
    "schedule": "step",
    "costs": "id",
}

_MISSING = object()


@dataclass(frozen=True, slots=True)
class Change:
    """One difference. ``after`` (for an item added to a keyed list) is the key of the item before it."""

    path: Path
    op: Op
    old: Any = None
    new: Any = None
    after: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": list(self.path), "op": self.op}
        if self.op in ("remove", "change", "reorder"):
            out["old"] = self.old
        if self.op in ("add", "change", "reorder"):
            out["new"] = self.new
        if self.after is not None:
            out["after"] = self.after
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        return cls(tuple(data["path"]), data["op"], data.get("old"), data.get("new"), data.get("after"))

    def text(self, lang: str = "ja") -> str:
        """A one-line description of just this change (for a diff table)."""
        where = "/".join(self.path) or "$"
        if self.op == "change":
            return f"{where}: {_short(self.old)} → {_short(self.new)}"
        if self.op == "add":
            return f"{where}: {'追加' if lang == 'ja' else 'added'} {_short(self.new)}"
        if self.op == "remove":
            return f"{where}: {'削除' if lang == 'ja' else 'removed'} {_short(self.old)}"
        return f"{where}: {'順序を変更' if lang == 'ja' else 'reordered'}"


def _short(value: Any, limit: int = 60) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key(item: Any, key: str) -> str | None:
    if isinstance(item, dict) and key in item:
        return str(item[key])
    return None


def _keyed(items: list[Any], key: str) -> dict[str, Any] | None:
    """``{key: item}`` or None when the list is not cleanly keyed (then it is compared as a whole)."""
    out: dict[str, Any] = {}
    for item in items:
        k = _key(item, key)
        if k is None or k in out:
            return None
        out[k] = item
    return out


def diff(old: Any, new: Any) -> list[Change]:
    """The changes that turn ``old`` into ``new`` (both plan JSON dicts)."""
    out: list[Change] = []
    _diff_value((), old, new, out, top=True)
    return out


def _diff_value(path: Path, old: Any, new: Any, out: list[Change], top: bool = False) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for name in [*old, *(k for k in new if k not in old)]:
            o, n = old.get(name, _MISSING), new.get(name, _MISSING)
            sub = (*path, str(name))
            if o is _MISSING:
                out.append(Change(sub, "add", new=n))
            elif n is _MISSING:
                out.append(Change(sub, "remove", old=o))
            elif top and name in KEYED and isinstance(o, list) and isinstance(n, list):
                _diff_keyed(sub, KEYED[name], o, n, out)
            else:
                _diff_value(sub, o, n, out)
        return
    if old != new or type(old) is not type(new):
        out.append(Change(path, "change", old=old, new=new))


def _diff_keyed(path: Path, key: str, old: list[Any], new: list[Any], out: list[Change]) -> None:
    o_map, n_map = _keyed(old, key), _keyed(new, key)
    if o_map is None or n_map is None:
        if old != new:
            out.append(Change(path, "change", old=old, new=new))
        return
    for k, item in o_map.items():
        if k not in n_map:
            out.append(Change((*path, k), "remove", old=item))
    previous: str | None = None
    for k, item in n_map.items():
        if k not in o_map:
            out.append(Change((*path, k), "add", new=item, after=previous))
        else:
            _diff_value((*path, k), o_map[k], item, out)
        previous = k
    o_common = [k for k in o_map if k in n_map]
    n_common = [k for k in n_map if k in o_map]
    if o_common != n_common:
        out.append(Change(path, "reorder", old=o_common, new=n_common))


# ---------------------------------------------------------------------------------------------
# One-line summary

_LIST_LABEL = {
    "members": ("メンバー", "member"),
    "tools": ("ツール", "tool"),
    "integrations": ("連携", "integration"),
    "meetings": ("会議", "meeting"),
    "schedule": ("STEP", "step"),
    "costs": ("経費", "cost"),
}
_TOP_LABEL = {
    "format": ("形式", "format"),
    "program": ("ルールパック", "program"),
    "consortium": ("コンソーシアム", "consortium"),
    "kenpo_rates": ("健保等級表", "kenpo_rates"),
    "extra": ("追加情報", "extra"),
}
_FIELD_JA = {
    "unit_price_yen": "単価",
    "quantity": "数量",
    "hours": "時間",
    "hourly_rate_yen": "時間単価",
    "kenpo_grade": "健保等級",
    "months": "月数",
    "description": "内容",
    "category": "費目",
    "step": "STEP",
    "member": "担当メンバー",
    "payee": "支払先",
    "payee_external": "外部支払先",
    "subcontract": "再委託",
    "integration": "連携",
    "meeting": "会議",
    "maintenance": "保守",
    "flex": "調整幅",
    "modifies_existing_tool": "既存ツール改修",
    "name": "名称",
    "role": "役割",
    "industry": "業種",
    "main_industry": "主たる業種",
    "capital_yen": "資本金",
    "employees": "従業員数",
    "deemed_large": "みなし大企業",
    "large_enterprise": "大企業",
    "corporate_number": "法人番号",
    "representative": "代表者",
    "address": "住所",
    "vendor": "ベンダ",
    "external_vendor": "外部ベンダ",
    "users": "利用者",
    "has_sales_record": "販売実績",
    "from": "連携元",
    "to": "連携先",
    "method": "連携方式",
    "new_development": "新規開発",
    "title": "件名",
    "participants": "参加者",
    "date": "日付",
    "start": "開始日",
    "end": "終了日",
    "note": "備考",
    "lead": "代表メンバー",
    "decision_date": "交付決定日",
    "project_end": "事業終了日",
    "contact": "連絡先",
    "email": "メール",
    "phone": "電話",
    "company": "会社名",
    "rates": "単価表",
    "year": "年度",
    "extra": "追加情報",
    "min_yen": "下限",
    "max_yen": "上限",
}


def _field(name: str, lang: str) -> str:
    return _FIELD_JA.get(name, name) if lang == "ja" else name


def _entity(path: Path, lang: str) -> tuple[str, Path]:
    """(entity label, the rest of the path) for a change path."""
    ja = lang == "ja"
    head = path[0] if path else ""
    if head in _LIST_LABEL and len(path) >= 2:
        return f"{_LIST_LABEL[head][0 if ja else 1]} {path[1]}", path[2:]
    if head in _LIST_LABEL:
        return _LIST_LABEL[head][0 if ja else 1] + ("" if ja else "s"), ()
    if head in _TOP_LABEL:
        return _TOP_LABEL[head][0 if ja else 1], path[1:]
    return head or "$", path[1:]


def _phrases(changes: Sequence[Change], lang: str) -> list[str]:
    ja = lang == "ja"
    order: list[str] = []
    groups: dict[str, dict[str, list[str]]] = {}
    for ch in changes:
        entity, rest = _entity(ch.path, lang)
        if entity not in groups:
            groups[entity] = {"add": [], "remove": [], "change": [], "reorder": []}
            order.append(entity)
        bucket = groups[entity]
        if ch.op == "reorder":
            bucket["reorder"].append("")
        elif rest:
            op = "change" if len(rest) > 1 else ch.op
            name = _field(rest[0], lang)
            if name not in bucket[op]:
                bucket[op].append(name)
        else:
            bucket[ch.op].append("")
    out: list[str] = []
    for entity in order:
        b = groups[entity]
        if b["add"] == [""]:
            out.append(f"{entity} を追加" if ja else f"added {entity}")
            continue
        if b["remove"] == [""]:
            out.append(f"{entity} を削除" if ja else f"removed {entity}")
            continue
        if b["reorder"]:
            out.append(f"{entity}の順序を変更" if ja else f"reordered {entity}")
        fields = [f for f in (*b["change"], *b["add"], *b["remove"]) if f]
        if fields:
            shown = fields[:3]
            more = len(fields) - len(shown)
            if ja:
                text = f"{entity} の{'・'.join(shown)}{f'ほか{more}項目' if more else ''}を変更"
            else:
                text = f"changed {entity} {', '.join(shown)}{f' (+{more})' if more else ''}"
            out.append(text)
        elif b["change"] or (not b["reorder"]):
            out.append(f"{entity} を変更" if ja else f"changed {entity}")
    return out


def summarize(changes: Sequence[Change], lang: str = "ja") -> str:
    """One line: 「経費 c3 の単価を変更」 / "changed cost c3 unit_price_yen"; more than two → 「…ほか N 件」."""
    phrases = _phrases(changes, lang)
    if not phrases:
        return "変更なし" if lang == "ja" else "no change"
    head = ("、" if lang == "ja" else "; ").join(phrases[:2])
    rest = len(phrases) - 2
    if rest > 0:
        head += f"、ほか {rest} 件" if lang == "ja" else f"; and {rest} more"
    return head


# ---------------------------------------------------------------------------------------------
# Three-way merge (re-apply my edit on top of someone else's)


class MergeConflict(Exception):
    """Both sides changed the same thing; ``paths`` name where."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        shown = ", ".join("/".join(p) for p in paths[:5])
        super().__init__(f"both edits touch: {shown}")


def _overlap(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def merge(base: dict[str, Any], theirs: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """``theirs`` with the changes of ``mine`` (relative to ``base``) applied.

    Raises :class:`MergeConflict` when both changed the same field, item or list order.
    """
    my_changes = diff(base, mine)
    their_changes = diff(base, theirs)
    clashes = [c.path for c in my_changes if any(_overlap(c.path, t.path) for t in their_changes)]
    if clashes:
        raise MergeConflict(clashes)
    out = copy.deepcopy(theirs)
    whole = {c.path[0] for c in my_changes if c.op == "reorder" and c.path}
    for name in whole:
        out[name] = copy.deepcopy(mine[name])
    for change in my_changes:
        if change.path and change.path[0] in whole:
            continue
        _apply(out, change)
    return out


def _apply(doc: dict[str, Any], change: Change) -> None:
    path = change.path
    container: Any = doc
    for depth, step in enumerate(path[:-1]):
        container = _child(container, step, path[0] if depth == 1 else None)
    last = path[-1]
    if isinstance(container, list):
        key = KEYED[path[0]]
        index = next((i for i, item in enumerate(container) if _key(item, key) == last), None)
        if change.op == "remove":
            if index is not None:
                del container[index]
        elif change.op == "add":
            pos = 0
            if change.after is not None:
                prev = next((i for i, item in enumerate(container) if _key(item, key) == change.after), None)
                pos = len(container) if prev is None else prev + 1
            container.insert(pos, copy.deepcopy(change.new))
        elif index is not None:
            container[index] = copy.deepcopy(change.new)
        return
    if change.op == "remove":
        container.pop(last, None)
    else:
        container[last] = copy.deepcopy(change.new)


def _child(container: Any, step: str, list_name: str | None) -> Any:
    if isinstance(container, list):
        key = KEYED[list_name or ""]
        for item in container:
            if _key(item, key) == step:
                return item
        raise MergeConflict([(step,)])
    return container[step]


def changed_paths(changes: Iterable[Change]) -> list[str]:
    return ["/".join(c.path) or "$" for c in changes]

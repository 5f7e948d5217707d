"""``kyoso plans …``: the plan store from the command line (the same store the app uses).

    kyoso plans list [--deleted] [--json]
    kyoso plans new PLAN.json [--name NAME]            → prints the new plan id
    kyoso plans show ID [--version N] [--json] [--diff N]
    kyoso plans history ID [--json]
    kyoso plans restore ID VERSION
    kyoso plans export ID [--version N] [-o FILE]      → the kyoso-plan/1 JSON
    kyoso plans share ID --role lead|member:<id> [--label L] [--url BASE] | --list
    kyoso plans revoke ID SHARE_ID
    kyoso plans people ID [--add EMAIL --role ROLE [--name N] | --remove EMAIL | --json]   (sign-in mode)
    kyoso plans invite ID --role lead|viewer|member:<id> [--email E] [--url BASE] | --list | --revoke N
    kyoso plans delete ID | undelete ID

The store is ``--db URL``, else ``KYOSO_DATABASE_URL``, else SQLite in ``$KYOSO_DATA_DIR`` (``./data``).
The command line is the operator's: whoever runs it has the database, so it acts as the lead of every plan
(also in shared mode); ``--token`` acts through a share link instead, with that link's role.
Exit codes: 0 done; 2 not found / unreadable input / refused / conflict, and anything about the database the
user can fix (a bad ``--db`` URL, an unreachable server, a path that cannot be written, a file that is not a
database: the message says which setting to check); 3 only for a bug.
``plans export -o FILE`` never writes over the store's database (or its -wal/-shm), and over an existing file
only when it is a plan file or ``--force`` is given; it writes atomically (exports/safe_write.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli import EXIT_OK, EXIT_UNREADABLE, _pad, _print_json, _width

_LANG_DEFAULT = "ja"


def _lang(args: argparse.Namespace) -> str:
    return str(getattr(args, "lang", _LANG_DEFAULT) or _LANG_DEFAULT)


def _store(args: argparse.Namespace) -> Any:
    from store import Store

    return Store(args.db or None)


def _access(store: Any, args: argparse.Namespace) -> Any:
    if args.token:
        return store.token_access(args.token)
    return store.operator_access()


def _when(dt: Any) -> str:
    return str(dt.astimezone().strftime("%Y-%m-%d %H:%M:%S")) if dt is not None else ""


def _table(rows: list[tuple[str, ...]]) -> None:
    if not rows:
        return
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(_pad(c, widths[i]) for i, c in enumerate(r)).rstrip())


def cmd_list(args: argparse.Namespace, store: Any, access: Any) -> int:
    ja = _lang(args) == "ja"
    infos = store.list_plans(access, include_deleted=args.deleted)
    if args.json:
        _print_json([
            {"id": i.id, "name": i.name, "version": i.version, "updated_at": i.updated_at.isoformat(),
             "deleted_at": i.deleted_at.isoformat() if i.deleted_at else None} for i in infos
        ])
        return EXIT_OK
    if not infos:
        print("計画はありません" if ja else "no plans")
        return EXIT_OK
    head = ("ID", "名前" if ja else "name", "版" if ja else "version", "更新" if ja else "updated")
    rows = [head] + [
        (i.id, i.name + ((" (削除済み)" if ja else " (deleted)") if i.deleted_at else ""), str(i.version),
         _when(i.updated_at)) for i in infos
    ]
    _table(rows)
    return EXIT_OK


def cmd_new(args: argparse.Namespace, store: Any, access: Any) -> int:
    from planner import load_plan
    from schemas import PlanLoadError

    try:
        plan = load_plan(args.file)
    except PlanLoadError as exc:
        sys.stderr.write(exc.message(_lang(args)) + "\n")
        return EXIT_UNREADABLE
    info = store.create_plan(access, plan, name=args.name, note=f"{Path(args.file).name}")
    print(info.id)
    return EXIT_OK


def cmd_show(args: argparse.Namespace, store: Any, access: Any) -> int:
    lang = _lang(args)
    ja = lang == "ja"
    if args.diff is not None:
        changes = store.compare(access, args.id, args.diff, args.version)
        if args.json:
            _print_json([c.to_dict() for c in changes])
        else:
            for c in changes:
                print(c.text(lang))
            if not changes:
                print("変更なし" if ja else "no change")
        return EXIT_OK
    info = store.info(access, args.id)
    if args.version is None:
        data = store.open_plan(access, args.id).plan
        version = info.version
    else:
        _vinfo, data = store.get_version(access, args.id, args.version)
        version = args.version
    if args.json:
        _print_json(data)
        return EXIT_OK
    import planner
    from planner import load_plan
    from planner.money import yen

    summary = planner.evaluate(load_plan(data)).summary_dict(lang)
    rows = [
        ("ID", info.id),
        ("名前" if ja else "name", info.name),
        ("版" if ja else "version", f"{version} / {info.version}"),
        ("更新" if ja else "updated", _when(info.updated_at)),
        ("補助金額" if ja else "subsidy", yen(summary["subsidy_yen"])),
        ("申請経費" if ja else "claimed", yen(summary["claimed_total_yen"])),
        ("指摘" if ja else "findings",
         f"{summary['error_count']} / {summary['warning_count']} / {summary['info_count']}"),
    ]
    _table([(k, v) for k, v in rows])
    return EXIT_OK


def cmd_history(args: argparse.Namespace, store: Any, access: Any) -> int:
    lang = _lang(args)
    versions = store.history(access, args.id)
    if args.json:
        _print_json([
            {"version": v.version, "created_at": v.created_at.isoformat(), "author": v.author,
             "summary": v.summary, "summary_en": v.summary_en, "note": v.note} for v in versions
        ])
        return EXIT_OK
    ja = lang == "ja"
    head = ("版" if ja else "ver", "日時" if ja else "time", "作成者" if ja else "author", "変更" if ja else "change")
    _table([head] + [(str(v.version), _when(v.created_at), v.author, v.summary_text(lang)) for v in versions])
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, store: Any, access: Any) -> int:
    result = store.restore(access, args.id, args.version)
    ja = _lang(args) == "ja"
    if not result.changed:
        print(f"版 {args.version} は現在の内容と同じです" if ja else f"version {args.version} equals the current plan")
    else:
        print(f"版 {result.version}: {result.summary if ja else result.summary_en}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, store: Any, access: Any) -> int:
    from exports.safe_write import PLAN, Output, OutputRefused, check_outputs, write_outputs
    from store.files import store_files

    lang = _lang(args)
    out = Path(args.output) if args.output else None
    databases = store_files([store.url])
    if out is not None:
        try:
            check_outputs([(out, PLAN)], databases=databases, force=args.force)
        except OutputRefused as exc:
            sys.stderr.write(f"kyoso plans: {exc.message(lang)}\n")
            return EXIT_UNREADABLE
    if args.version is None:
        data = store.open_plan(access, args.id).plan
    else:
        _info, data = store.get_version(access, args.id, args.version)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        write_outputs([Output(out, PLAN, text.encode("utf-8"))], databases=databases, force=args.force)
    except OutputRefused as exc:
        sys.stderr.write(f"kyoso plans: {exc.message(lang)}\n")
        return EXIT_UNREADABLE
    except OSError as exc:
        sys.stderr.write(f"kyoso plans: {out}: 書き込めません: {exc.strerror}\n" if lang == "ja"
                         else f"kyoso plans: {out}: cannot write: {exc.strerror}\n")
        return EXIT_UNREADABLE
    return EXIT_OK


def cmd_share(args: argparse.Namespace, store: Any, access: Any) -> int:
    ja = _lang(args) == "ja"
    if args.list:
        shares = store.list_shares(access, args.id)
        head = ("ID", "役割" if ja else "role", "名前" if ja else "label", "作成" if ja else "created",
                "取消" if ja else "revoked")
        _table([head] + [(str(s.id), s.role, s.label, _when(s.created_at), _when(s.revoked_at)) for s in shares])
        return EXIT_OK
    if not args.role:
        sys.stderr.write("--role lead または --role member:<ID> を指定してください\n" if ja
                         else "give --role lead or --role member:<id>\n")
        return EXIT_UNREADABLE
    token, share = store.create_share(access, args.id, args.role, label=args.label or "")
    base = (args.url or "http://localhost:8501/").rstrip("/")
    print(f"share {share.id}  role {share.role}")
    print(f"token {token}")
    print(f"link  {base}/?plan={args.id}&token={token}")
    return EXIT_OK


def cmd_people(args: argparse.Namespace, store: Any, access: Any) -> int:
    """The plan's people (sign-in mode): list, ``--add EMAIL --role R`` (e.g. the first lead), ``--remove``."""
    ja = _lang(args) == "ja"
    if args.add:
        if not args.role:
            sys.stderr.write("--role を指定してください\n" if ja else "give --role\n")
            return EXIT_UNREADABLE
        store.add_person(access, args.id, args.add, args.role, name=args.name or "")
    elif args.remove:
        store.remove_person(access, args.id, args.remove)
    people = store.list_people(access, args.id)
    if args.json:
        _print_json([{"email": p.email, "name": p.name, "role": p.role, "added_at": p.added_at.isoformat(),
                      "added_by": p.added_by} for p in people])
        return EXIT_OK
    head = ("メール" if ja else "e-mail", "名前" if ja else "name", "役割" if ja else "role", "追加" if ja else "added")
    _table([head] + [(p.email, p.name, p.role, _when(p.added_at)) for p in people])
    return EXIT_OK


def cmd_invite(args: argparse.Namespace, store: Any, access: Any) -> int:
    """Invite an e-mail (or anyone, once) to a role: prints the invitation link once; ``--list``, ``--revoke``."""
    ja = _lang(args) == "ja"
    if args.revoke is not None:
        store.revoke_invitation(access, args.id, args.revoke)
        print("取り消しました" if ja else "revoked")
        return EXIT_OK
    if args.list:
        head = ("ID", "メール" if ja else "e-mail", "役割" if ja else "role", "作成" if ja else "created",
                "受諾" if ja else "accepted", "取消" if ja else "revoked")
        _table([head] + [(str(i.id), i.email or "*", i.role, _when(i.created_at), _when(i.accepted_at),
                          _when(i.revoked_at)) for i in store.list_invitations(access, args.id)])
        return EXIT_OK
    if not args.role:
        sys.stderr.write("--role を指定してください(lead、viewer または member:<ID>)\n" if ja
                         else "give --role (lead, viewer or member:<id>)\n")
        return EXIT_UNREADABLE
    token = store.invite(access, args.id, args.email, args.role)
    base = (args.url or "http://localhost:8501/").rstrip("/")
    print(f"token {token}")
    print(f"link  {base}/?token={token}")
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace, store: Any, access: Any) -> int:
    store.revoke_share(access, args.id, args.share_id)
    print("取り消しました" if _lang(args) == "ja" else "revoked")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace, store: Any, access: Any) -> int:
    info = store.delete(access, args.id)
    ja = _lang(args) == "ja"
    print(f"削除しました({_when(info.purge_after)} まで元に戻せます)" if ja
          else f"deleted (can be undone until {_when(info.purge_after)})")
    return EXIT_OK


def cmd_undelete(args: argparse.Namespace, store: Any, access: Any) -> int:
    store.undelete(access, args.id)
    print("元に戻しました" if _lang(args) == "ja" else "restored")
    return EXIT_OK


def _database_problem(args: argparse.Namespace, error: BaseException) -> int | None:
    """Exit 2 with what to fix when ``error`` is a database problem the user can fix; None for a bug."""
    from store.config import database_url
    from store.db import DatabaseUnavailable, explain_error

    url = args.db or database_url()
    problem = error if isinstance(error, DatabaseUnavailable) else explain_error(error, url)
    if problem is None:
        return None
    ja = _lang(args) == "ja"
    if args.db:
        hint = "--db を確認してください" if ja else "check --db"
    elif os.environ.get("KYOSO_DATABASE_URL", "").strip():
        hint = "環境変数 KYOSO_DATABASE_URL を確認してください" if ja else "check KYOSO_DATABASE_URL"
    else:
        hint = ("--db、KYOSO_DATABASE_URL または KYOSO_DATA_DIR を確認してください" if ja
                else "check --db, KYOSO_DATABASE_URL or KYOSO_DATA_DIR")
    sys.stderr.write(f"kyoso plans: {problem.message(_lang(args))}({hint})\n" if ja
                     else f"kyoso plans: {problem.message(_lang(args))} ({hint})\n")
    return EXIT_UNREADABLE


def cmd_plans(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from store import StoreError
    from store.db import DatabaseUnavailable

    func: Callable[[argparse.Namespace, Any, Any], int] = args.plans_func
    try:
        store = _store(args)
    except DatabaseUnavailable as exc:
        return _database_problem(args, exc) or EXIT_UNREADABLE
    except StoreError as exc:
        sys.stderr.write(f"kyoso plans: {exc.message(_lang(args))}\n")
        return EXIT_UNREADABLE
    except (SQLAlchemyError, OSError) as exc:
        code = _database_problem(args, exc)
        if code is None:
            raise
        return code
    try:
        return func(args, store, _access(store, args))
    except DatabaseUnavailable as exc:
        return _database_problem(args, exc) or EXIT_UNREADABLE
    except StoreError as exc:
        sys.stderr.write(f"kyoso plans: {exc.message(_lang(args))}\n")
        return EXIT_UNREADABLE
    except SQLAlchemyError as exc:
        code = _database_problem(args, exc)
        if code is None:
            raise
        return code
    finally:
        store.close()


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    parser = add("plans", cmd_plans, "the plan store: list, show, history, restore, export, new, share, revoke",
                 plan=False)
    parser.add_argument("--db", default=None, help="database URL (default: KYOSO_DATABASE_URL or ./data/kyoso.db)")
    parser.add_argument("--token", default=None, help="act through a share link token (its role) instead of as operator")
    plans_sub = parser.add_subparsers(dest="plans_command", required=True)

    def cmd(name: str, func: Callable[[argparse.Namespace, Any, Any], int], help_text: str) -> argparse.ArgumentParser:
        p = plans_sub.add_parser(name, help=help_text)
        p.add_argument("--lang", choices=("ja", "en"), default=argparse.SUPPRESS, help="message language")
        p.set_defaults(plans_func=func)
        return p

    p = cmd("list", cmd_list, "list the plans")
    p.add_argument("--deleted", action="store_true", help="also the deleted plans (restorable)")
    p.add_argument("--json", action="store_true")
    p = cmd("new", cmd_new, "store a plan file as a new plan; prints its id")
    p.add_argument("file", help="plan file (kyoso-plan/1 JSON)")
    p.add_argument("--name", default=None)
    p = cmd("show", cmd_show, "a plan's figures, its JSON (--json), or the changes since a version (--diff N)")
    p.add_argument("id")
    p.add_argument("--version", type=int, default=None)
    p.add_argument("--diff", type=int, default=None, metavar="N", help="changes from version N to --version/current")
    p.add_argument("--json", action="store_true")
    p = cmd("history", cmd_history, "every version: time, author, what changed")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p = cmd("restore", cmd_restore, "make an old version current again (as a new version)")
    p.add_argument("id")
    p.add_argument("version", type=int)
    p = cmd("export", cmd_export, "write the plan (or one version) as a kyoso-plan/1 file")
    p.add_argument("id")
    p.add_argument("--version", type=int, default=None)
    p.add_argument("-o", "--output", default=None, help="file to write (default stdout)")
    p.add_argument("--force", action="store_true",
                   help="overwrite FILE even when it is an existing file that is not a plan (never the database)")
    p = cmd("share", cmd_share, "make a share link (prints the token once) or --list the links")
    p.add_argument("id")
    p.add_argument("--role", default=None, help="lead or member:<member id>")
    p.add_argument("--label", default=None, help="who the link is for (shown in the history)")
    p.add_argument("--url", default=None, help="the app's address for the printed link")
    p.add_argument("--list", action="store_true")
    p = cmd("revoke", cmd_revoke, "revoke a share link")
    p.add_argument("id")
    p.add_argument("share_id", type=int)
    p = cmd("people", cmd_people, "sign-in mode: the plan's people; --add EMAIL --role R (e.g. its first lead), --remove")
    p.add_argument("id")
    p.add_argument("--add", default=None, metavar="EMAIL")
    p.add_argument("--role", default=None, help="lead, viewer or member:<member id>")
    p.add_argument("--name", default=None)
    p.add_argument("--remove", default=None, metavar="EMAIL")
    p.add_argument("--json", action="store_true")
    p = cmd("invite", cmd_invite, "sign-in mode: invite an e-mail (or anyone, once) to a role; prints the link once")
    p.add_argument("id")
    p.add_argument("--role", default=None, help="lead, viewer or member:<member id>")
    p.add_argument("--email", default=None, help="the invited e-mail (default: any signed-in user, once)")
    p.add_argument("--url", default=None, help="the app's address for the printed link")
    p.add_argument("--list", action="store_true")
    p.add_argument("--revoke", type=int, default=None, metavar="INVITATION_ID")
    p = cmd("delete", cmd_delete, "delete a plan (restorable for KYOSO_RETENTION_DAYS days)")
    p.add_argument("id")
    p = cmd("undelete", cmd_undelete, "restore a deleted plan")
    p.add_argument("id")

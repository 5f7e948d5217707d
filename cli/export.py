"""``kyoso export`` and ``kyoso import-costs`` (registered by :func:`cli.build_parser`).

Exit codes as for ``kyoso check``: 0 done and the plan has no error finding; 1 done but the plan has
an error finding (the documents are still written, the import still applied); 2 an input cannot be
read (plan, workbook or a cell of it; nothing is written), or an output is refused: an input file, the plan
store's database, a folder, or an existing file that is not this command's own kind of output (``--force``
overwrites the last kind only).  Every name is checked before anything is written and every file is written
atomically (exports/safe_write.py).  Input files are never written to.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def _err(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def cmd_export(args: argparse.Namespace) -> int:
    import planner
    from cli import _load
    from exports.context import ExportError
    from exports.packet import write_export
    from exports.pdf import INSTALL_HINT, PdfUnavailable, soffice
    from exports.safe_write import OutputRefused, check_not_protected
    from store.files import store_files

    ja = args.lang == "ja"
    plan = _load(args.plan, args.lang)
    out = Path(args.out)
    try:
        check_not_protected(out, inputs=(Path(args.plan),), databases=store_files())
    except OutputRefused as exc:
        _err(exc.message(args.lang))
        return EXIT_UNREADABLE
    if out.exists() and not out.is_dir():
        _err(f"{out}: フォルダではありません" if ja else f"{out}: not a folder")
        return EXIT_UNREADABLE
    password = args.password
    if password is None and args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            _err(f"環境変数 {args.password_env} が空です" if ja else f"environment variable {args.password_env} is empty")
            return EXIT_UNREADABLE
    if args.max_mail_mb < 0:
        _err("--max-mail-mb は 0 以上です(0 = 分割しない)" if ja else "--max-mail-mb must be 0 or more (0: never split)")
        return EXIT_UNREADABLE
    want_pdf = args.pdf
    if want_pdf and soffice() is None:  # the documents are still written; the PDF preview needs LibreOffice
        _err(f"注意: PDF は作成しません。LibreOffice が必要です。インストール: {INSTALL_HINT}" if ja
             else f"note: no PDF written; LibreOffice is needed. Install it: {INSTALL_HINT}")
        want_pdf = False
    started = time.perf_counter()
    try:
        written = write_export(plan, out, password=password or None, protect=(Path(args.plan),),
                               databases=tuple(store_files()), force=args.force,
                               max_mail_mb=args.max_mail_mb or None, pdf=want_pdf)
    except (OutputRefused, PdfUnavailable) as exc:
        _err(exc.message(args.lang))
        return EXIT_UNREADABLE
    except (FileExistsError, ExportError) as exc:
        _err(str(exc))
        return EXIT_UNREADABLE
    except OSError as exc:
        _err(f"{out}: 書き込めません: {exc.strerror}" if ja else f"{out}: cannot write: {exc.strerror}")
        return EXIT_UNREADABLE
    elapsed = time.perf_counter() - started
    result = planner.evaluate(plan)
    for path in written:
        print(path)
    mails = [p for p in written if p.suffix == ".eml"]
    if len(mails) > 1:
        print(f"メールは {len(mails)} 通に分割しました(1 通 {args.max_mail_mb:g} MB まで)" if ja
              else f"the e-mail is split into {len(mails)} numbered mails (up to {args.max_mail_mb:g} MB each)")
    print((f"{len(written)} ファイルを書き出しました({elapsed:.2f} 秒)" if ja
           else f"wrote {len(written)} files ({elapsed:.2f} s)") + ("、zip は AES-256 で暗号化" if ja and password
                                                                  else ", zip encrypted with AES-256" if password
                                                                  else ""))
    if result.has_errors:
        n = result.count("error")
        _err(f"注意: 計画にエラーが {n} 件あります(kyoso check で確認してください)" if ja
             else f"note: the plan has {n} error finding(s) (see kyoso check)")
        return EXIT_ERRORS
    return EXIT_OK


def cmd_import_costs(args: argparse.Namespace) -> int:
    from cli import _load
    from exports.costs_import import import_costs
    from exports.safe_write import PLAN, Output, OutputRefused, check_outputs, write_outputs
    from store.files import store_files

    ja = args.lang == "ja"
    plan = _load(args.plan, args.lang)
    out = Path(args.out)
    inputs = (Path(args.plan), Path(args.book))
    if out.is_dir():
        _err(f"{out}: フォルダです(ファイル名を指定してください)" if ja else f"{out}: is a folder")
        return EXIT_UNREADABLE
    try:
        check_outputs([(out, PLAN)], inputs=inputs, databases=store_files(), force=args.force)
    except OutputRefused as exc:
        _err(exc.message(args.lang))
        return EXIT_UNREADABLE
    report = import_costs(plan, Path(args.book))
    for line in report.summary_lines(args.lang):
        print(line)
    if not report.ok or report.plan is None:
        _err(f"{args.book}: 取り込めません。{out} は作成していません" if ja
             else f"{args.book}: not imported; {out} was not written")
        return EXIT_UNREADABLE
    text = json.dumps(report.plan.to_json_dict(), ensure_ascii=False, indent=1) + "\n"
    try:
        write_outputs([Output(out, PLAN, text.encode("utf-8"))], inputs=inputs, databases=store_files(),
                      force=args.force)
    except OutputRefused as exc:  # the file changed under us since the check above
        _err(exc.message(args.lang))
        return EXIT_UNREADABLE
    except OSError as exc:
        _err(f"{out}: 書き込めません: {exc.strerror}" if ja else f"{out}: cannot write: {exc.strerror}")
        return EXIT_UNREADABLE
    print(f"{out} に書き出しました" if ja else f"wrote {out}")
    after = report.after
    return EXIT_ERRORS if after is not None and after.has_errors else EXIT_OK


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("export", cmd_export, "write the application workbooks, the submission zip and the .eml draft")
    p.add_argument("-o", "--out", required=True, help="output folder (created if missing)")
    p.add_argument("--force", action="store_true",
                   help="overwrite existing files with the output names even when they are not earlier exports "
                        "(never an input file or the plan store's database)")
    p.add_argument("--max-mail-mb", type=float, default=10.0, metavar="MB",
                   help="split the submission into numbered e-mails of at most MB each, every document in exactly "
                        "one (default 10; 0: always one e-mail)")
    p.add_argument("--pdf", action="store_true",
                   help="also print each workbook to PDF with LibreOffice (headless) to check the forms")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--password", help="encrypt the zip with AES-256 using this password")
    group.add_argument("--password-env", metavar="VAR", help="take the zip password from this environment variable")
    q = add("import-costs", cmd_import_costs, "read an edited 経費内訳 workbook back into the plan's cost lines")
    q.add_argument("book", help="the exported (and edited) application workbook (.xlsx)")
    q.add_argument("-o", "--out", required=True, help="the new plan file to write (never the input)")
    q.add_argument("--force", action="store_true",
                   help="overwrite OUT even when it is an existing file that is not a plan (never an input or the "
                        "plan store's database)")

"""Application workbooks, the submission packet and the cost import (issue 4).

- :mod:`exports.packet` — ``export_documents(plan)`` (the five workbooks of kyoso-rules.md §8),
  ``build_packet(plan, password=None)`` (documents + zip, AES-256 with a password, + .eml draft),
  ``write_export(plan, out_dir)``.
- :mod:`exports.application` — 補助金交付申請書・事業計画書・補助対象経費内訳書 (総括表 + 経費内訳 sheets).
- :mod:`exports.forms` — 補助事業概要書, 事業者情報入力シート, 誓約書, 提出書類チェックリスト.
- :mod:`exports.costs_import` — ``import_costs(plan, workbook)`` → :class:`~exports.costs_import.ImportReport`.
- :mod:`exports.naming` — ``safe_filename`` and the document file names.
- :mod:`exports.safe_write` — every file a command writes: names checked first, then atomic replaces.
  (``kyoso export`` and ``kyoso import-costs`` are in :mod:`cli.export`.)

Nothing here computes a programme rule: every figure comes from ``planner.evaluate``.  This package
file imports nothing, so ``kyoso check`` does not load the spreadsheet libraries.
"""

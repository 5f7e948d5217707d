"""The app's 書類の出力 page (AppTest): download buttons for every document and the packet, the
password, and the import uploader — change report first, applied only on confirmation, never partially."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pyzipper

from exports.packet import export_documents
from tests.app.helpers import assert_clean, go, shown, start
from tests.exports.helpers import edit_sample_workbook, edited_expected_costs, sample_plan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_page() -> Any:
    at = start()
    return go(at, "export")


def test_download_buttons_for_every_document_and_the_packet() -> None:
    at = _export_page()
    labels = [b.label for b in at.download_button]
    for doc in export_documents(sample_plan()):
        assert doc.title in labels
    assert "zip をダウンロード" in labels and "メール下書き(.eml)をダウンロード" in labels
    captions = " ".join(str(c.value) for c in at.caption)
    assert "来店予測共創コンソーシアム令和4年度「共創型サービスIT連携支援補助金」 応募書類送付" in captions
    assert any("エラーが 1 件" in str(w.value) for w in at.warning)


def test_a_password_makes_the_zip_aes_encrypted() -> None:
    at = _export_page()
    at.text_input(key="export_password").input("秘密-123").run()
    assert_clean(at)
    labels = [b.label for b in at.download_button]
    assert "暗号化zip をダウンロード" in labels
    (packet,) = at.session_state["_export_packets"].values()
    with pyzipper.AESZipFile(io.BytesIO(packet.zip_bytes)) as zf:
        zf.setpassword("秘密-123".encode())
        assert zf.read(packet.documents[0].filename) == packet.documents[0].data


def test_import_shows_the_report_and_applies_only_on_confirmation() -> None:
    at = _export_page()
    before = at.session_state["plan"]
    edited = edit_sample_workbook(export_documents(sample_plan())[0].data)
    at.file_uploader[0].upload("edited.xlsx", edited, XLSX).run()
    assert_clean(at)
    assert any("追加 2 行・変更 3 行・削除 2 行" in str(m.value) for m in at.markdown)
    table = at.dataframe[0].value
    assert list(table["経費ID"]) == ["c16", "c2", "c5", "c17", "c13", "c6", "c7"]
    assert at.session_state["plan"] is before  # nothing applied yet
    at.button(key="export_apply").click().run()
    assert_clean(at)
    after = at.session_state["plan"]
    assert after is not before
    assert after.to_json_dict()["costs"] == edited_expected_costs()


def test_an_unreadable_workbook_is_reported_and_not_applied() -> None:
    at = _export_page()
    before = at.session_state["plan"]
    wb = openpyxl.load_workbook(io.BytesIO(export_documents(sample_plan())[0].data))
    wb["経費内訳01"]["F8"] = "abc"
    wb["経費内訳01"]["E9"] = 2_000_000  # a readable change next to the unreadable cell
    buf = io.BytesIO()
    wb.save(buf)
    at.file_uploader[0].upload("bad.xlsx", buf.getvalue(), XLSX).run()
    assert_clean(at)
    errors = " ".join(shown(e.value) for e in at.error)
    assert "取り込みは行いません" in errors and "経費内訳01!F8" in errors
    assert not [b for b in at.button if b.key == "export_apply"]
    assert at.session_state["plan"] is before

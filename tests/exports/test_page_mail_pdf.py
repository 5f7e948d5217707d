"""書類の出力 page (AppTest): the size limit splits the e-mail into numbered downloads; the PDF preview is made
with the real LibreOffice on request and shown (st.pdf when its component is installed, else the first page)."""

from __future__ import annotations

import email
from email import policy

from tests.app.helpers import assert_clean, go, start


def test_a_small_limit_offers_one_download_per_numbered_mail() -> None:
    at = go(start(), "export")
    labels = [b.label for b in at.download_button]
    assert "メール下書き(.eml)をダウンロード" in labels  # 10 MB: one e-mail
    assert any("宛先" in str(c.value) for c in at.caption)
    at.number_input(key="export_max_mail_mb").set_value(0.05).run()
    assert_clean(at)
    (packet,) = at.session_state["_export_packets"].values()
    n = len(packet.mails)
    assert n > 1
    labels = [b.label for b in at.download_button]
    assert [f"メール {k}/{n}(.eml)" for k in range(1, n + 1)] == [lb for lb in labels if lb.startswith("メール ")]
    assert any(f"{n} 通に分割" in str(i.value) for i in at.info)
    for k, mail in enumerate(packet.mails, start=1):
        msg = email.message_from_bytes(mail.eml_bytes, policy=policy.default)
        assert str(msg["Subject"]).endswith(f"({k}/{n})")


def test_pdf_preview_on_request() -> None:
    at = go(start(), "export")
    assert "_export_pdfs" not in at.session_state  # nothing is converted until asked
    at.button(key="export_pdf").click().run(timeout=300)
    assert_clean(at)
    _key, pdfs = at.session_state["_export_pdfs"]
    assert isinstance(pdfs, dict) and len(pdfs) == 5
    assert all(data.startswith(b"%PDF-") for data in pdfs.values())
    assert "PDF をダウンロード" in [b.label for b in at.download_button]
    assert at.selectbox(key="export_pdf_doc").value == "application"

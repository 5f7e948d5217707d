"""The submission packet: the zip (AES-256 with a password), the .eml draft, safe file names, the CLI."""

from __future__ import annotations

import email
import hashlib
import io
import subprocess
import sys
import unicodedata
import zipfile
from email import policy
from pathlib import Path

import pytest
import pyzipper
from hypothesis import given
from hypothesis import strategies as st

import planner
from exports.naming import safe_filename
from exports.packet import build_packet
from schemas import load_plan
from tests.conftest import SAMPLE_PLAN
from tests.exports.helpers import sample_dict, sample_plan

PASSWORD = "ｐａｓｓ-ワード 123"


@pytest.fixture(scope="module")
def encrypted():  # type: ignore[no-untyped-def]
    return build_packet(sample_plan(), password=PASSWORD)


def test_zip_opens_with_the_password_and_not_without(encrypted) -> None:  # type: ignore[no-untyped-def]
    assert encrypted.encrypted
    with pyzipper.AESZipFile(io.BytesIO(encrypted.zip_bytes)) as zf:
        names = zf.namelist()
        assert names == [d.filename for d in encrypted.documents]
        for info in zf.infolist():
            assert info.flag_bits & 0x1  # encrypted
            assert info.flag_bits & 0x800  # UTF-8 file name
        with pytest.raises(RuntimeError):
            zf.read(names[0])  # no password
        zf.setpassword(b"wrong password")
        with pytest.raises(RuntimeError):
            zf.read(names[0])
        zf.setpassword(PASSWORD.encode("utf-8"))
        for d in encrypted.documents:
            assert zf.read(d.filename) == d.data
    with zipfile.ZipFile(io.BytesIO(encrypted.zip_bytes)) as plain:  # the standard library cannot decrypt
        with pytest.raises((RuntimeError, NotImplementedError)):
            plain.read(names[0])
    # AES-256: the WinZip AE extra field (0x9901) says strength 3
    extra = zipfile.ZipFile(io.BytesIO(encrypted.zip_bytes)).infolist()[0].extra
    assert extra[:2] == b"\x01\x99" and extra[8] == 3


def test_zip_without_password_opens_anywhere() -> None:
    packet = build_packet(sample_plan())
    assert not packet.encrypted
    with zipfile.ZipFile(io.BytesIO(packet.zip_bytes)) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == {d.filename: d.data for d in packet.documents}


@pytest.mark.parametrize("program", ["kyoso-r4", "kyoso-r3"])
def test_eml_subject_sender_block_and_attachment(program: str) -> None:
    d = sample_dict()
    d["program"] = program
    plan = load_plan(d)
    packet = build_packet(plan, password="pw")
    msg = email.message_from_bytes(packet.eml_bytes, policy=policy.default)
    year = planner.get_pack(program).header.fiscal_year_ja
    assert year == {"kyoso-r4": "令和4年度", "kyoso-r3": "令和3年度"}[program]
    assert msg["Subject"] == f"来店予測共創コンソーシアム{year}「共創型サービスIT連携支援補助金」 応募書類送付"
    assert packet.subject == msg["Subject"]
    assert msg["X-Unsent"] == "1"
    assert msg["From"].addresses[0].addr_spec == "sato@example.jp"
    assert msg["From"].addresses[0].display_name == "佐藤 花子"
    part = msg.get_body(("plain",))
    assert part is not None
    body = part.get_content()
    contact = d["consortium"]["contact"]
    for label, key in (("会社名", "company"), ("役職", "title"), ("氏名", "name"), ("メールアドレス", "email"),
                       ("電話番号", "phone")):
        assert f"{label}: {contact[key]}" in body
    for doc in packet.documents:
        assert doc.filename in body and doc.title in body
    assert packet.zip_name in body and "パスワードは別途" in body
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename() == packet.zip_name
    assert attachments[0].get_content() == packet.zip_bytes


def test_eml_without_contact_still_parses() -> None:
    d = sample_dict()
    del d["consortium"]["contact"]
    d["consortium"]["name"] = "改行\r\n入り\tの名前"
    packet = build_packet(load_plan(d))
    msg = email.message_from_bytes(packet.eml_bytes, policy=policy.default)
    assert msg["Subject"] == "改行 入り の名前令和4年度「共創型サービスIT連携支援補助金」 応募書類送付"
    assert msg["From"] is None
    part = msg.get_body(("plain",))
    assert part is not None and "会社名: (未入力)" in part.get_content()


@given(st.text(max_size=300))
def test_safe_filename_is_safe_anywhere(name: str) -> None:
    out = safe_filename(name)
    assert out and out not in (".", "..")
    assert len(out.encode("utf-8")) <= 121
    assert not any(ch in out for ch in '<>:"/\\|?*') and all(ord(ch) >= 32 for ch in out)
    assert not out.startswith((".", " ")) and not out.endswith((".", " "))
    base = out.split(".")[0].rstrip(" ").upper()
    assert base not in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
    assert out == unicodedata.normalize("NFC", out)


def test_safe_filename_examples(tmp_path: Path) -> None:
    assert safe_filename("来店予測共創コンソーシアム") == "来店予測共創コンソーシアム"
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("CON") == "_CON"
    assert safe_filename("nul.txt") == "_nul.txt"
    assert safe_filename("a<b>:c") == "a_b_c"
    assert safe_filename("   ") == "consortium"
    for name in ("..", "a/../../b", "x" * 500, "C:\\Windows\\win.ini", "\u202etxt.exe"):
        path = tmp_path / safe_filename(name)
        path.write_text("x")
        assert path.parent == tmp_path


def test_cli_export_writes_everything_and_never_the_input(tmp_path: Path) -> None:
    plan_copy = tmp_path / "plan.json"
    plan_copy.write_bytes(SAMPLE_PLAN.read_bytes())
    before = hashlib.sha256(plan_copy.read_bytes()).hexdigest()
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "cli", "export", str(plan_copy), "-o", str(out),
                           "--password", "pw"], capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr  # the sample has one error finding; documents are written anyway
    assert "Traceback" not in proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 7
    assert any(n.endswith("_応募書類.zip") for n in names) and any(n.endswith(".eml") for n in names)
    assert sum(n.endswith(".xlsx") for n in names) == 5
    assert hashlib.sha256(plan_copy.read_bytes()).hexdigest() == before
    with pyzipper.AESZipFile(next(out.glob("*.zip"))) as zf:
        zf.setpassword(b"pw")
        assert len(zf.namelist()) == 5 and zf.testzip() is None


def test_cli_export_unreadable_plan_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "cli", "export", str(bad), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and str(bad) in proc.stderr
    assert not (tmp_path / "o").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    proc = subprocess.run([sys.executable, "-m", "cli", "export", str(SAMPLE_PLAN), "-o", str(a_file)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and a_file.read_text() == "x"

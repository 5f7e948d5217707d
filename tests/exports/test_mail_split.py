"""The submission e-mail: its To: comes from the rule pack; a packet over the size limit becomes numbered
mails, each under the limit with a zip of its own, every document in exactly one; written through safe_write."""

from __future__ import annotations

import dataclasses
import email
import io
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest
import pyzipper

import planner
from exports.context import ExportContext
from exports.packet import MB, build_packet
from exports.safe_write import OutputRefused
from tests.conftest import SAMPLE_PLAN
from tests.exports.helpers import sample_plan

SUBJECT = "来店予測共創コンソーシアム令和4年度「共創型サービスIT連携支援補助金」 応募書類送付"


def _msg(data: bytes) -> email.message.EmailMessage:
    msg = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def _zip_names(data: bytes, password: str | None) -> dict[str, bytes]:
    with pyzipper.AESZipFile(io.BytesIO(data)) as zf:
        if password:
            zf.setpassword(password.encode())
        return {n: zf.read(n) for n in zf.namelist()}


def _ctx_with_address(address: str) -> ExportContext:
    ctx = ExportContext.of(sample_plan())
    params = ctx.pack.params
    email_param = params.secretariat_email.model_copy(update={"value": address})
    ctx.pack = dataclasses.replace(ctx.pack, params=params.model_copy(update={"secretariat_email": email_param}))
    return ctx


def test_the_pack_carries_a_dated_sourced_secretariat_address() -> None:
    for pack_id in ("kyoso-r4", "kyoso-r3"):
        param = planner.get_pack(pack_id).params.secretariat_email
        assert param.source and param.unit
        # no official address is in the documents this project holds: empty, marked as an interpretation
        assert param.value == "" and param.interpretation


def test_to_comes_from_the_rule_pack() -> None:
    ctx = _ctx_with_address("jimukyoku@example.go.jp")
    packet = build_packet(ctx.plan, ctx=ctx)
    msg = _msg(packet.eml_bytes)
    assert msg["To"].addresses[0].addr_spec == "jimukyoku@example.go.jp"
    assert packet.to == "jimukyoku@example.go.jp"
    # the pack's empty value: no To: header (the sender fills it in)
    assert _msg(build_packet(sample_plan()).eml_bytes)["To"] is None


def test_a_small_packet_is_one_mail_with_the_one_zip() -> None:
    packet = build_packet(sample_plan(), password="pw")
    assert len(packet.mails) == 1 and not packet.split
    mail = packet.mails[0]
    assert mail.subject == SUBJECT and _msg(mail.eml_bytes)["Subject"] == SUBJECT
    assert mail.zip_bytes == packet.zip_bytes and len(mail.eml_bytes) <= 10 * MB
    assert [d.key for d in mail.documents] == [d.key for d in packet.documents]


@pytest.mark.parametrize("password", [None, "pw"])
@pytest.mark.parametrize("limit_mb", [0.05, 0.07])
def test_a_large_packet_is_split_into_numbered_mails_under_the_limit(limit_mb: float, password: str | None) -> None:
    ctx = _ctx_with_address("jimukyoku@example.go.jp")
    packet = build_packet(ctx.plan, password=password, max_mail_mb=limit_mb, ctx=ctx)
    n = len(packet.mails)
    assert n > 1 and packet.split
    assert not packet.oversized()
    seen: list[str] = []
    for k, mail in enumerate(packet.mails, start=1):
        assert len(mail.eml_bytes) <= limit_mb * MB
        msg = _msg(mail.eml_bytes)
        assert msg["Subject"] == f"{SUBJECT}({k}/{n})" == mail.subject
        assert msg["To"].addresses[0].addr_spec == "jimukyoku@example.go.jp"
        assert msg["X-Unsent"] == "1"
        body = msg.get_body(("plain",))
        assert body is not None and f"{n} 通中 {k} 通目" in body.get_content()
        attachments = list(msg.iter_attachments())
        assert [a.get_filename() for a in attachments] == [mail.zip_name]
        assert attachments[0].get_content() == mail.zip_bytes
        inside = _zip_names(mail.zip_bytes, password)
        assert inside == {d.filename: d.data for d in mail.documents}
        seen += list(inside)
    # every document in exactly one mail, in checklist order
    assert seen == [d.filename for d in packet.documents]
    names = [m.eml_name for m in packet.mails] + [m.zip_name for m in packet.mails]
    assert len(set(names)) == len(names)


def test_a_document_larger_than_the_limit_still_goes_alone_and_is_reported() -> None:
    packet = build_packet(sample_plan(), max_mail_mb=0.001)
    assert len(packet.mails) == len(packet.documents)
    assert all(len(m.documents) == 1 for m in packet.mails)
    assert packet.oversized() == packet.mails


def test_cli_split_writes_every_mail_and_checks_names_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "cli", "export", str(SAMPLE_PLAN), "-o", str(out), "--max-mail-mb", "0.05"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr  # the sample has an error finding; written anyway
    emls = sorted(out.glob("*.eml"))
    zips = sorted(out.glob("*.zip"))
    assert len(emls) == len(zips) >= 2 and "通に分割" in proc.stdout
    assert all(p.stat().st_size <= 0.05 * MB for p in emls)
    # a foreign file with the name of one of the parts: refused before anything is written
    again = tmp_path / "again"
    again.mkdir()
    (again / emls[-1].name).write_text("not mine", encoding="utf-8")
    proc = subprocess.run([*cmd[:5], str(again), *cmd[6:]], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert sorted(p.name for p in again.iterdir()) == [emls[-1].name]
    # re-exporting into the same folder overwrites its own earlier parts without --force
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr


def test_refused_when_no_name_is_safe(tmp_path: Path) -> None:
    from exports.packet import write_export

    (tmp_path / "x").mkdir()
    target = tmp_path / "x"
    packet = build_packet(sample_plan(), max_mail_mb=0.05)
    (target / packet.mails[0].zip_name).mkdir()  # a folder where a part zip goes
    with pytest.raises(OutputRefused):
        write_export(sample_plan(), target, max_mail_mb=0.05)
    assert [p.name for p in target.iterdir()] == [packet.mails[0].zip_name]

"""The submission packet: all documents, one zip (optionally AES-256 encrypted), an .eml draft.

kyoso-rules.md §8: the 幹事社 e-mails the documents; the subject line is exactly
``<コンソーシアム名>令和4年度「共創型サービスIT連携支援補助金」 応募書類送付`` (the year and the
programme name come from the rule pack); the body carries the sender's 会社名, 役職, 氏名,
メールアドレス, 電話番号; the attachments follow the 提出書類チェックリスト, as one zip.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr
from pathlib import Path

import pyzipper

from exports.application import write_application
from exports.common import BookInfo
from exports.context import ExportContext
from exports.forms import write_checklist, write_members, write_overview, write_pledges
from exports.naming import DOCUMENT_TITLES, DOCUMENTS, document_filename, packet_basename
from exports.safe_write import EML, PACKET_ZIP, WORKBOOK, Output, check_outputs, write_files
from planner.result import Result
from schemas.plan import Plan

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


@dataclass
class Document:
    key: str
    title: str
    filename: str
    data: bytes
    info: BookInfo = field(default_factory=BookInfo)


@dataclass
class Packet:
    documents: list[Document]
    subject: str
    zip_name: str
    zip_bytes: bytes
    eml_name: str
    eml_bytes: bytes
    encrypted: bool

    def files(self) -> dict[str, bytes]:
        """Everything the export writes, by file name."""
        out = {d.filename: d.data for d in self.documents}
        out[self.zip_name] = self.zip_bytes
        out[self.eml_name] = self.eml_bytes
        return out


def _one_line(text: str | None) -> str:
    """Header-safe text: control characters and line breaks become one space."""
    return _CONTROL.sub(" ", text or "").strip()


def subject_line(ctx: ExportContext) -> str:
    """``<コンソーシアム名>令和4年度「共創型サービスIT連携支援補助金」 応募書類送付`` (§8; year from the pack)."""
    return f"{_one_line(ctx.plan.consortium.name)}{ctx.fiscal_year_ja}「{ctx.programme_ja}」 応募書類送付"


def export_documents(plan: Plan, result: Result | None = None, *, encrypted: bool = False,
                     ctx: ExportContext | None = None) -> list[Document]:
    """The five workbooks of §8, in checklist order."""
    ctx = ctx or ExportContext.of(plan, result)
    name = plan.consortium.name
    writers: dict[str, Callable[[], tuple[bytes, BookInfo]]] = {
        "application": lambda: write_application(ctx),
        "overview": lambda: write_overview(ctx),
        "members": lambda: write_members(ctx),
        "pledges": lambda: write_pledges(ctx),
        "checklist": lambda: write_checklist(ctx, subject_line(ctx), packet_basename(name), encrypted),
    }
    docs = []
    for key, _stem in DOCUMENTS:
        data, info = writers[key]()
        docs.append(Document(key, DOCUMENT_TITLES[key], document_filename(name, key), data, info))
    return docs


def make_zip(documents: list[Document], password: str | None = None) -> bytes:
    """One zip with every document; AES-256 (WinZip AE-2) when a password is given."""
    buf = io.BytesIO()
    if password:
        zf = pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES)
        zf.setpassword(password.encode("utf-8"))
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
    else:
        zf = pyzipper.ZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED)
    with zf:
        for d in documents:
            zf.writestr(d.filename, d.data)
    return buf.getvalue()


def make_eml(ctx: ExportContext, documents: list[Document], zip_name: str, zip_bytes: bytes,
             encrypted: bool) -> bytes:
    """An unsent e-mail draft (``X-Unsent: 1``) with the §8 subject, the sender block and the zip."""
    contact = ctx.plan.consortium.contact
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject_line(ctx)
    if contact is not None and contact.email:
        msg["From"] = formataddr((_one_line(contact.name), _one_line(contact.email)))
    msg["X-Unsent"] = "1"

    def v(value: str | None) -> str:
        return _one_line(value) or "(未入力)"

    lines = [
        f"{ctx.programme_ja} 事務局 御中",
        "",
        f"{v(contact.company if contact else None)}の{v(contact.name if contact else None)}です。",
        f"コンソーシアム「{_one_line(ctx.plan.consortium.name)}」の幹事社として、"
        f"{ctx.fiscal_year_ja}「{ctx.programme_ja}」の応募書類を送付いたします。",
        "ご査収のほど、よろしくお願いいたします。",
        "",
        "■ 添付ファイル",
        f"{zip_name}" + ("(AES-256で暗号化したzipです。パスワードは別途お送りします)" if encrypted else ""),
    ]
    for n, d in enumerate(documents, start=1):
        lines.append(f"  {n}. {d.title}({d.filename})")
    lines += [
        "",
        "■ 送付者",
        f"会社名: {v(contact.company if contact else None)}",
        f"役職: {v(contact.title if contact else None)}",
        f"氏名: {v(contact.name if contact else None)}",
        f"メールアドレス: {v(contact.email if contact else None)}",
        f"電話番号: {v(contact.phone if contact else None)}",
        "",
    ]
    msg.set_content("\n".join(lines), charset="utf-8")
    msg.add_attachment(zip_bytes, maintype="application", subtype="zip", filename=zip_name)
    return msg.as_bytes()


def build_packet(plan: Plan, result: Result | None = None, password: str | None = None,
                 documents: list[Document] | None = None) -> Packet:
    """All documents, the zip and the .eml draft, in memory."""
    ctx = ExportContext.of(plan, result)
    encrypted = bool(password)
    docs = documents if documents is not None else export_documents(plan, ctx.result, encrypted=encrypted, ctx=ctx)
    base = packet_basename(plan.consortium.name)
    zip_name = f"{base}.zip"
    zip_bytes = make_zip(docs, password)
    eml_name = f"{base}送付.eml"
    eml = make_eml(ctx, docs, zip_name, zip_bytes, encrypted)
    return Packet(docs, subject_line(ctx), zip_name, zip_bytes, eml_name, eml, encrypted)


def export_outputs(packet: Packet, out_dir: Path) -> list[Output]:
    """What :func:`write_export` writes, by path and kind (the names are known before anything is written)."""
    kinds = {packet.zip_name: PACKET_ZIP, packet.eml_name: EML}
    return [Output(out_dir / name, kinds.get(name, WORKBOOK), data) for name, data in packet.files().items()]


def write_export(plan: Plan, out_dir: Path, password: str | None = None,
                 protect: tuple[Path, ...] = (), *, databases: tuple[Path, ...] = (),
                 force: bool = False) -> list[Path]:
    """Write the documents, the zip and the .eml into ``out_dir`` (exports/safe_write.py).

    Every name is checked first: never over a path in ``protect`` (the inputs) or the plan store's database,
    never over an existing file that is not an earlier export unless ``force``; then all are written
    atomically.  Raises :class:`~exports.safe_write.OutputRefused` with nothing written.
    """
    packet = build_packet(plan, password=password)
    outputs = export_outputs(packet, out_dir)
    check_outputs(((o.path, o.kind) for o in outputs), inputs=protect, databases=databases, force=force)
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_files({o.path: o.data for o in outputs})

"""The submission packet: all documents, one zip (optionally AES-256 encrypted), an .eml draft — or, when that
mail would be larger than the size limit (default 10 MB), numbered mails each with a zip of its own.

kyoso-rules.md §8: the 幹事社 e-mails the documents; the subject line is exactly
``<コンソーシアム名>令和4年度「共創型サービスIT連携支援補助金」 応募書類送付`` (the year and the
programme name come from the rule pack); the body carries the sender's 会社名, 役職, 氏名,
メールアドレス, 電話番号; the attachments follow the 提出書類チェックリスト, as one zip.  The To: is the
rule pack's ``secretariat_email`` (empty, so no To:, while the official address is not in the pack).
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
class Mail:
    """One e-mail of the submission: its draft file and the zip it carries."""

    number: int
    count: int
    subject: str
    eml_name: str
    eml_bytes: bytes
    zip_name: str
    zip_bytes: bytes
    documents: list[Document]


@dataclass
class Packet:
    documents: list[Document]
    subject: str
    zip_name: str  # the one zip of every document (the app's download)
    zip_bytes: bytes
    mails: list[Mail]  # one mail, or numbered mails under the size limit, each with its own zip
    encrypted: bool
    max_mail_bytes: int = 0
    to: str = ""  # the secretariat's address from the rule pack ("" while unknown)

    @property
    def eml_name(self) -> str:
        return self.mails[0].eml_name

    @property
    def eml_bytes(self) -> bytes:
        return self.mails[0].eml_bytes

    @property
    def split(self) -> bool:
        return len(self.mails) > 1

    def oversized(self) -> list[Mail]:
        """Mails over the limit anyway (one document whose zip alone is larger than it)."""
        return [m for m in self.mails if self.max_mail_bytes and len(m.eml_bytes) > self.max_mail_bytes]

    def files(self) -> dict[str, bytes]:
        """Everything the export writes, by file name: the documents, then each mail's zip and .eml."""
        out = {d.filename: d.data for d in self.documents}
        for m in self.mails:
            out[m.zip_name] = m.zip_bytes
            out[m.eml_name] = m.eml_bytes
        return out


DEFAULT_MAX_MAIL_MB = 10.0
MB = 1024 * 1024


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


def numbered_subject(ctx: ExportContext, number: int, count: int) -> str:
    """The §8 subject; with several mails ``…応募書類送付(1/3)``."""
    base = subject_line(ctx)
    return base if count == 1 else f"{base}({number}/{count})"


def secretariat_email(ctx: ExportContext) -> str:
    """The To: address from the rule pack (``params.secretariat_email``); "" while the pack leaves it empty."""
    param = getattr(ctx.pack.params, "secretariat_email", None)
    return _one_line(str(param.value)) if param is not None else ""


def make_eml(ctx: ExportContext, documents: list[Document], zip_name: str, zip_bytes: bytes,
             encrypted: bool, *, number: int = 1, count: int = 1,
             plan_of_mails: list[tuple[str, list[Document]]] | None = None) -> bytes:
    """An unsent e-mail draft (``X-Unsent: 1``) with the §8 subject, the sender block and one zip.

    ``number``/``count`` number the mail when the packet is split; ``plan_of_mails`` (each mail's zip and
    documents) lets every mail say which documents the others carry.
    """
    contact = ctx.plan.consortium.contact
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = numbered_subject(ctx, number, count)
    to = secretariat_email(ctx)
    if to:
        msg["To"] = formataddr((f"{ctx.programme_ja} 事務局", to))
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
    ]
    if count > 1:
        lines.append(f"ファイル容量が大きいため {count} 通に分割して送付いたします。本メールは {count} 通中 {number} 通目です。")
    lines += [
        "ご査収のほど、よろしくお願いいたします。",
        "",
        "■ 添付ファイル" + (f"({number}/{count})" if count > 1 else ""),
        f"{zip_name}" + ("(AES-256で暗号化したzipです。パスワードは別途お送りします)" if encrypted else ""),
    ]
    for n, d in enumerate(documents, start=1):
        lines.append(f"  {n}. {d.title}({d.filename})")
    if count > 1 and plan_of_mails:
        lines += ["", "■ 分割送付の内訳"]
        for k, (name, docs) in enumerate(plan_of_mails, start=1):
            titles = "、".join(d.title for d in docs)
            lines.append(f"  {k}/{count}通目: {name}({titles})")
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


def _group_documents(docs: list[Document], fits: Callable[[list[Document]], bool]) -> list[list[Document]]:
    """Consecutive groups in checklist order, each as large as still ``fits`` (a lone document always forms one)."""
    groups: list[list[Document]] = []
    for d in docs:
        if groups and fits([*groups[-1], d]):
            groups[-1].append(d)
        else:
            groups.append([d])
    return groups


def build_packet(plan: Plan, result: Result | None = None, password: str | None = None,
                 documents: list[Document] | None = None, *, max_mail_mb: float | None = DEFAULT_MAX_MAIL_MB,
                 ctx: ExportContext | None = None) -> Packet:
    """All documents, the zip and the .eml draft(s), in memory.

    The secretariat asks 「ファイル容量が大きく送付が困難な場合は分割して送付ください」: when the one mail with the
    zip of every document would be larger than ``max_mail_mb`` (the whole .eml as sent, attachment encoded),
    the documents go into numbered mails ``…(1/n)``, each with a zip of its own, every document in exactly one
    of them (checklist order).  ``max_mail_mb=None`` or 0: always one mail.
    """
    ctx = ctx or ExportContext.of(plan, result)
    encrypted = bool(password)
    docs = documents if documents is not None else export_documents(plan, ctx.result, encrypted=encrypted, ctx=ctx)
    base = packet_basename(plan.consortium.name)
    zip_name = f"{base}.zip"
    zip_bytes = make_zip(docs, password)
    limit = int(max_mail_mb * MB) if max_mail_mb else 0
    to = secretariat_email(ctx)
    single = make_eml(ctx, docs, zip_name, zip_bytes, encrypted)
    if not limit or len(single) <= limit:
        mails = [Mail(1, 1, subject_line(ctx), f"{base}送付.eml", single, zip_name, zip_bytes, list(docs))]
        return Packet(docs, subject_line(ctx), zip_name, zip_bytes, mails, encrypted, limit, to)

    # a group fits when its mail, measured at its longest, is within the limit: the longest numbering and names
    # (fewer than 100 mails) and the breakdown of every document sent on its own
    longest_name = f"{base}_00of00.zip"
    worst_breakdown = [(longest_name, [d]) for d in docs]

    def fits(group: list[Document]) -> bool:
        eml = make_eml(ctx, group, longest_name, make_zip(group, password), encrypted, number=99, count=99,
                       plan_of_mails=worst_breakdown)
        return len(eml) <= limit

    groups = _group_documents(list(docs), fits)
    n = len(groups)
    names = [f"{base}_{k}of{n}.zip" for k in range(1, n + 1)]
    zips = [make_zip(g, password) for g in groups]
    plan_of_mails = list(zip(names, groups, strict=True))
    mails = [
        Mail(k, n, numbered_subject(ctx, k, n), f"{base}送付_{k}of{n}.eml",
             make_eml(ctx, g, name, data, encrypted, number=k, count=n, plan_of_mails=plan_of_mails),
             name, data, g)
        for k, (name, data, g) in enumerate(zip(names, zips, groups, strict=True), start=1)
    ]
    return Packet(docs, subject_line(ctx), zip_name, zip_bytes, mails, encrypted, limit, to)


def export_outputs(packet: Packet, out_dir: Path) -> list[Output]:
    """What :func:`write_export` writes, by path and kind (the names are known before anything is written)."""
    kinds = {m.zip_name: PACKET_ZIP for m in packet.mails} | {m.eml_name: EML for m in packet.mails}
    return [Output(out_dir / name, kinds.get(name, WORKBOOK), data) for name, data in packet.files().items()]


def write_export(plan: Plan, out_dir: Path, password: str | None = None,
                 protect: tuple[Path, ...] = (), *, databases: tuple[Path, ...] = (),
                 force: bool = False, max_mail_mb: float | None = DEFAULT_MAX_MAIL_MB,
                 pdf: bool = False) -> list[Path]:
    """Write the documents, the zip(s) and the .eml draft(s) into ``out_dir`` (exports/safe_write.py); with
    ``pdf`` also each workbook as PDF beside it (exports/pdf.py, LibreOffice).

    Every name is checked first: never over a path in ``protect`` (the inputs) or the plan store's database,
    never over an existing file that is not an earlier export unless ``force``; then all are written
    atomically.  Raises :class:`~exports.safe_write.OutputRefused` (or :class:`~exports.pdf.PdfUnavailable`
    when the PDF cannot be made) with nothing written.
    """
    packet = build_packet(plan, password=password, max_mail_mb=max_mail_mb)
    outputs = export_outputs(packet, out_dir)
    check_outputs(((o.path, o.kind) for o in outputs), inputs=protect, databases=databases, force=force)
    files = {o.path: o.data for o in outputs}
    if pdf:
        from exports import pdf as pdfs

        targets = {d.key: out_dir / pdfs.pdf_filename(d) for d in packet.documents}
        pdfs.check_pdf_targets(targets.values(), inputs=protect, databases=databases, force=force)
        files |= {targets[key]: data for key, data in pdfs.to_pdf(packet.documents).items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_files(files)

"""Reading the audit log for the office: filters typed by people, keyset pages, xlsx export.

`AuditFilter.from_args` turns a query string into typed values and Japanese messages per field;
`audit_page` and `audit_export` are the only queries the audit page runs. Every query is bounded:
pages go by id (`id < last seen id`, never OFFSET), the "how many" figure stops counting at the
export cap, and the list of entities is read with a loose index scan of `ix_audit_log_entity`
(one index probe per entity present, no DISTINCT over the table).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import exists, func, select, text

from procure.audit import AuditLog
from procure.extensions import db
from procure.formatting import TOKYO
from procure.textnorm import parse_date, parse_int

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000  # rows in one xlsx export; the page says so when a filter matches more
MAX_ID = 2**63 - 1  # largest BIGINT; a bigger number is refused before it reaches the database
MAX_ID_TEXT = f"{MAX_ID:,}"
XLSX_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
FIRST_YEAR, LAST_YEAR = 2000, 2100  # dates the filter accepts (and whose UTC bounds exist)

# Table (or event) names as the audit log stores them, in the order the filter offers them.
ENTITY_LABELS = {
    "user_account": _l("利用者アカウント"), "ward": _l("区"), "facility": _l("施設"),
    "space": _l("保管場所"), "department": _l("部署"), "vendor": _l("事業者"),
    "vendor_branch": _l("事業者の支店・営業所"), "vendor_qualification": _l("入札参加資格"),
    "catalog_version": _l("カタログ版"), "budget": _l("予算"), "approval_rule": _l("承認ルール"),
    "purchase_order": _l("注文"), "order_line": _l("注文明細"), "par_level": _l("定数"),
    "month_close": _l("月次締め"), "pooled_adjustment": _l("共同単価精算"),
    "delivery": _l("納品"), "delivery_line": _l("納品明細"), "inspection": _l("検収"),
    "records": _l("納品・検収記録"),
    "tender": _l("共同入札"), "tender_lot": _l("ロット"), "tender_ward": _l("入札の参加区"),
    "pc_pattern": _l("パソコン仕様パターン"), "pc_demand_line": _l("パソコン需要明細"),
    "facility_demand_line": _l("施設別の電力需要"), "bid": _l("入札書"),
    "bid_evaluation": _l("入札の評価"), "tender_award": _l("落札"), "tender_contract": _l("区別契約"),
    "electricity_reading": _l("電力の検針値"), "tender_question": _l("入札への質問"),
    "vendor_billing": _l("事業者の請求設定"), "ward_billing": _l("区の支払設定"),
    "invoice": _l("請求書"), "invoice_line": _l("請求明細"), "zengin_batch": _l("全銀振込ファイル"),
    "payment": _l("支払"), "audit_log": _l("監査ログ"),
}
ACTION_LABELS = {
    "create": _l("新規作成"), "update": _l("更新"), "delete": _l("削除"),
    "sign_in": _l("ログイン"), "sign_in_failed": _l("ログイン失敗"), "export": _l("書き出し"),
    "stripe_webhook": _l("Stripe からの通知"),
}

_NAME = re.compile(r"[a-z][a-z0-9_]*")


def entity_label(name: str | None) -> str:
    return str(ENTITY_LABELS.get(name, name or ""))


def action_label(name: str | None) -> str:
    return str(ACTION_LABELS.get(name, name or ""))


def _clean(value) -> str:
    """What a person typed, as we compare it: NFKC (full-width digits and ＠ become ASCII), trimmed."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


@dataclass(frozen=True)
class AuditFilter:
    entity: str = ""
    entity_id: str = ""
    actor: str = ""          # part of the e-mail address (or label) of whoever acted
    action: str = ""
    date_from: date | None = None  # Japan dates, both ends included
    date_to: date | None = None

    @classmethod
    def from_args(cls, args) -> tuple[AuditFilter, dict[str, str]]:
        """The filter in a query string, and a message per field that could not be read."""
        errors: dict[str, str] = {}
        values: dict = {}

        entity = _clean(args.get("entity"))
        if entity and not (len(entity) <= 60 and _NAME.fullmatch(entity)):
            errors["entity"] = _("対象は一覧から選んでください。")
        values["entity"] = entity

        entity_id = _clean(args.get("entity_id"))
        if len(entity_id) > 60:
            errors["entity_id"] = _("ID は 60 文字以内で入力してください。")
        elif entity_id.isdecimal():
            try:
                entity_id = str(parse_int(entity_id, "ID", 0, MAX_ID))
            except ValueError:
                errors["entity_id"] = _("ID は %(max)s 以下の数字で入力してください。", max=MAX_ID_TEXT)
        values["entity_id"] = entity_id

        actor = _clean(args.get("actor"))
        if len(actor) > 254:
            errors["actor"] = _("実行者は 254 文字以内で入力してください。")
        values["actor"] = actor

        action = _clean(args.get("action"))
        if action and not (len(action) <= 40 and _NAME.fullmatch(action)):
            errors["action"] = _("操作は一覧から選んでください。")
        values["action"] = action

        for name in ("date_from", "date_to"):
            raw = _clean(args.get(name))
            values[name] = None
            if raw:
                try:
                    day = parse_date(raw, name)
                except ValueError:
                    errors[name] = _("日付は 2026-12-05 のように年-月-日で入力してください。")
                    continue
                if not FIRST_YEAR <= day.year <= LAST_YEAR:
                    errors[name] = _("%(first)s 年から %(last)s 年までの日付で入力してください。",
                                     first=FIRST_YEAR, last=LAST_YEAR)
                    continue
                values[name] = day
        if values["date_from"] and values["date_to"] and values["date_from"] > values["date_to"]:
            errors["date_to"] = _("終了日は開始日と同じ日か、それより後の日にしてください。")
        return cls(**values), errors

    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def as_args(self) -> dict[str, str]:
        """The filter as query-string values (for links to other pages and the export)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}

    def conditions(self) -> list:
        conditions = []
        if self.entity:
            conditions.append(AuditLog.entity == self.entity)
        if self.entity_id:
            conditions.append(AuditLog.entity_id == self.entity_id)
        if self.actor:
            conditions.append(AuditLog.actor.icontains(self.actor, autoescape=True))
        if self.action:
            conditions.append(AuditLog.action == self.action)
        if self.date_from:
            conditions.append(AuditLog.at >= _utc_bounds(self.date_from)[0])
        if self.date_to:
            conditions.append(AuditLog.at < _utc_bounds(self.date_to)[1])
        return conditions

    def describe(self) -> str:
        """The filter in one line of Japanese, for the export's title."""
        parts = []
        if self.entity:
            parts.append(f"対象: {entity_label(self.entity)}")
        if self.entity_id:
            parts.append(f"ID: {self.entity_id}")
        if self.actor:
            parts.append(f"実行者: {self.actor}")
        if self.action:
            parts.append(f"操作: {action_label(self.action)}")
        if self.date_from or self.date_to:
            ends = [d.isoformat() if d else "" for d in (self.date_from, self.date_to)]
            parts.append(f"期間（日本時間）: {ends[0]} 〜 {ends[1]}".strip())
        return " / ".join(parts) or "条件なし"


def _utc_bounds(day: date) -> tuple[datetime, datetime]:
    """A Japan day as the UTC instants the log stores: [its 00:00, the next day's 00:00)."""
    start = datetime.combine(day, time.min, TOKYO)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just older than `before`, or just newer than `after` (ids)."""
    before: int | None = None
    after: int | None = None

    @classmethod
    def from_args(cls, args) -> tuple[Cursor, str | None]:
        values = {}
        for name in ("before", "after"):
            raw = args.get(name)
            if raw:
                try:
                    values[name] = parse_int(raw, name, 0, MAX_ID)
                except ValueError:
                    return cls(), _("ページの指定を読めなかったため、最新の記録から表示しています。")
        if len(values) > 1:
            return cls(), _("ページの指定を読めなかったため、最新の記録から表示しています。")
        return cls(**values), None


@dataclass
class AuditPage:
    rows: list[AuditLog] = field(default_factory=list)
    newer: int | None = None   # `after` cursor for the page of newer rows, when there is one
    older: int | None = None   # `before` cursor for the page of older rows, when there is one
    matched: int = 0           # rows matching the filter, counted up to export_limit + 1
    export_limit: int = 0
    entities: list[tuple[str, str]] = field(default_factory=list)

    @property
    def over_export_limit(self) -> bool:
        return self.matched > self.export_limit


def entity_choices(selected: str = "") -> list[tuple[str, str]]:
    """(name, label) of every entity in the log (plus the selected one), known ones first."""
    present = set(db.session.scalars(text(
        "WITH RECURSIVE present(name) AS ("
        " SELECT MIN(entity) FROM audit_log"
        " UNION ALL"
        " SELECT (SELECT MIN(entity) FROM audit_log WHERE entity > present.name)"
        " FROM present WHERE present.name IS NOT NULL)"
        " SELECT name FROM present WHERE name IS NOT NULL LIMIT 500")))
    if selected:
        present.add(selected)
    known = [name for name in ENTITY_LABELS if name in present]
    return [(name, entity_label(name)) for name in known + sorted(present - set(known))]


def audit_page(filters: AuditFilter | None, cursor: Cursor = Cursor(), size: int = PAGE_SIZE) -> AuditPage:
    """One page of entries matching `filters`, newest first; `None` (unreadable filters): no rows,
    only the choices the form offers."""
    page = AuditPage(export_limit=EXPORT_LIMIT, entities=entity_choices(filters.entity if filters else ""))
    if filters is None:
        return page
    where = filters.conditions()
    stmt = select(AuditLog).where(*where)
    if cursor.after is not None:
        rows = db.session.scalars(stmt.where(AuditLog.id > cursor.after)
                                  .order_by(AuditLog.id.asc()).limit(size + 1)).all()
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        if rows:
            page.newer = rows[0].id if more_newer else None
            if db.session.scalar(select(exists().where(*where, AuditLog.id < rows[-1].id))):
                page.older = rows[-1].id
    else:
        if cursor.before is not None:
            stmt = stmt.where(AuditLog.id < cursor.before)
        rows = db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(size + 1)).all()
        more_older = len(rows) > size
        rows = rows[:size]
        page.older = rows[-1].id if more_older else None
        if cursor.before is not None and rows:
            if db.session.scalar(select(exists().where(*where, AuditLog.id > rows[0].id))):
                page.newer = rows[0].id
    page.rows = rows
    limited = select(AuditLog.id).where(*where).limit(page.export_limit + 1).subquery()
    page.matched = db.session.scalar(select(func.count()).select_from(limited))
    return page


@dataclass
class AuditExport:
    rows: list[AuditLog]
    limit: int
    capped: bool  # more entries matched than `limit`: only the newest `limit` are here


def audit_export(filters: AuditFilter) -> AuditExport:
    """The newest entries matching `filters`, at most EXPORT_LIMIT of them."""
    limit = EXPORT_LIMIT
    rows = db.session.scalars(select(AuditLog).where(*filters.conditions())
                              .order_by(AuditLog.id.desc()).limit(limit + 1)).all()
    return AuditExport(rows[:limit], limit, len(rows) > limit)


XLSX_HEADERS = ("記録番号", "日時（日本時間）", "実行者", "実行者ID", "操作", "操作（コード）",
                "対象", "対象（テーブル名）", "対象ID", "変更前", "変更後")


def _json_text(value) -> str:
    if value is None:
        return ""
    data = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(data) > XLSX_CELL_LIMIT:
        marker = "…（Excel のセルの上限を超えるため省略）"
        data = data[:XLSX_CELL_LIMIT - len(marker)] + marker
    return data


def audit_xlsx(export: AuditExport, filters: AuditFilter) -> bytes:
    """The rows as a workbook: Japanese headers, Japan time, before/after as JSON text, and no cell
    that a spreadsheet would run as a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from procure.exports import append_row, csv_safe, titled_sheet, workbook_bytes

    def cell(value):
        if isinstance(value, str):
            return csv_safe(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        return value

    with force_locale("ja"):
        title = f"監査ログ（{filters.describe()}）"
        if export.capped:
            title += f" ※条件に合う記録が {export.limit:,} 件を超えたため、新しい順に {export.limit:,} 件で打ち切り"
        book, sheet = titled_sheet("監査ログ", title, XLSX_HEADERS)
        for r in export.rows:
            append_row(sheet, [cell(v) for v in (
                r.id, r.at.astimezone(TOKYO).replace(tzinfo=None), r.actor, r.actor_id,
                action_label(r.action), r.action, entity_label(r.entity), r.entity,
                r.entity_id or "", _json_text(r.before), _json_text(r.after))])
            sheet.cell(sheet.max_row, 2).number_format = "yyyy-mm-dd hh:mm:ss"
    for letter, width in zip("ABCDEFGHIJK", (10, 20, 30, 9, 14, 14, 22, 22, 10, 60, 60)):
        sheet.column_dimensions[letter].width = width
    return workbook_bytes(book)

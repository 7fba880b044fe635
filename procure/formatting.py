"""Jinja filters: yen amounts with separators and Asia/Tokyo dates."""
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from zoneinfo import ZoneInfo

from flask_babel import format_date, format_datetime
from jinja2 import pass_context
from flask_babel import lazy_gettext as _l

from procure import money

TOKYO = ZoneInfo("Asia/Tokyo")

ROLE_LABELS = {
    "ward_staff": _l("区職員"), "ward_approver": _l("区承認者"), "ward_inspector": _l("区検収・会計担当"),
    "office": _l("共同調達組織"), "vendor": _l("事業者"),
}
STATUS_LABELS = {
    # order and line approval
    "pending": _l("承認待ち"), "approved": _l("承認済み"), "rejected": _l("却下"),
    "partly_approved": _l("一部承認"),
    # line fulfilment
    "open": _l("受注確認待ち"), "confirmed": _l("受注確認済み"), "delivered": _l("納品済み"),
    # catalog versions
    "uploaded": _l("取り込み中"), "invalid": _l("エラーあり"), "pending_review": _l("審査待ち"),
    # jobs
    "queued": _l("待機中"), "running": _l("処理中"), "done": _l("完了"), "failed": _l("失敗"), "cancelled": _l("取消"),
}
INVOICE_STATUS_LABELS = {
    "discrepancy": _l("不一致あり"), "correction_requested": _l("訂正依頼中"), "payable": _l("支払可能"),
    "payment_pending": _l("支払処理中"), "paid": _l("支払済み"), "superseded": _l("訂正済み（無効）"),
}
INVOICE_SOURCE_LABELS = {"generated": _l("検収記録から作成"), "xlsx": _l("Excel アップロード"),
                         "ubl": _l("JP PINT XML アップロード")}
RESOLUTION_LABELS = {"accept": _l("受け入れ"), "correction": _l("訂正依頼"), "credit_note": _l("値引き（赤伝）")}
TENDER_KIND_LABELS = {"pc": _l("パソコン"), "electricity": _l("電力"), "generic": _l("その他物品")}
TENDER_STATUS_LABELS = {
    "draft": _l("準備中"), "demand_collection": _l("需要取りまとめ中"), "published": _l("公告中"),
    "questions": _l("質問受付中"), "bidding": _l("入札受付中"), "opened": _l("開札済み"),
    "evaluation": _l("評価中"), "awarded": _l("落札者決定"), "contracted": _l("契約済み"),
    "completed": _l("完了"), "cancelled": _l("中止"), "no_valid_bid": _l("不調（有効な入札なし）"),
}
TENDER_ACTION_LABELS = {
    "open_demand": _l("需要取りまとめを開始"), "publish": _l("公告"), "open_questions": _l("質問受付を開始"),
    "open_bidding": _l("入札受付を開始"), "make_contracts": _l("区別契約を締結"), "complete": _l("完了にする"),
    "cancel": _l("中止する"),
}
BID_STATUS_LABELS = {"active": _l("有効（最新）"), "replaced": _l("差し替え済み"), "withdrawn": _l("辞退")}
FACILITY_KIND_LABELS = {
    "main_office": _l("本庁舎"), "branch_office": _l("支所・出張所"), "school": _l("学校"),
    "other": _l("その他施設"),
}


def yen(value) -> str:
    """'¥1,234' for whole yen; keeps significant fractions of unit prices ('¥3.5')."""
    if value is None:
        return ""
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return f"¥{amount.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    return f"¥{amount.normalize():,f}"


def number(value) -> str:
    return "" if value is None else f"{value:,}"


def percent(rate) -> str:
    """'0.2500' -> '25.00%'."""
    if rate is None:
        return ""
    return f"{(Decimal(str(rate)) * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def tokyo_datetime(value: datetime | None) -> str:
    # Flask-Babel converts aware UTC to BABEL_DEFAULT_TIMEZONE (Asia/Tokyo).
    return "" if value is None else format_datetime(value, "yyyy-MM-dd HH:mm")


# (first day, era name, its first year in the Gregorian calendar)
ERAS = ((date(2019, 5, 1), "令和", 2019), (date(1989, 1, 8), "平成", 1989), (date(1926, 12, 25), "昭和", 1926))


def wareki(value: date | None) -> str:
    """和暦: 2026-12-06 -> 令和8年12月6日 (the first year of an era is 元年)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(TOKYO).date()
    for start, name, first in ERAS:
        if value >= start:
            year = value.year - first + 1
            return f"{name}{'元' if year == 1 else year}年{value.month}月{value.day}日"
    return f"{value.year}年{value.month}月{value.day}日"


DATE_STYLES = ("wareki", "western")


def western(value: date | None) -> str:
    """西暦 written the Japanese way: 2026年12月6日."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(TOKYO).date()
    return f"{value.year}年{value.month}月{value.day}日"


@pass_context
def document_date(context, value: date | None) -> str:
    """A date on a filed document, in the style of the ward it is for (`date_style` in the
    template's context: 和暦 unless the ward chose 西暦)."""
    return western(value) if context.get("date_style") == "western" else wareki(value)


def iso_date(value: date | None) -> str:
    return "" if value is None else format_date(value, "yyyy-MM-dd")


def today_in_tokyo() -> date:
    """Today in Tokyo. Tests may set the app's TODAY (honoured only when TESTING) to act on a
    later day as users would, e.g. record a bank transfer done on its transfer date."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.testing and current_app.config.get("TODAY"):
        return current_app.config["TODAY"]
    return datetime.now(TOKYO).date()


def quantity(value) -> str:
    """12.0000 -> '12', 2.5000 -> '2.5' (quantities are stored with 4 decimals)."""
    if value is None:
        return ""
    return f"{Decimal(str(value)).normalize():,f}"


def page_query(args, page: int) -> str:
    """The current query string with another page number (for pagers)."""
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in args.items(multi=True) if k != "page"]
    return urlencode(pairs + [("page", page)])


NON_TAXABLE_LABELS = {"E": _l("非課税"), "O": _l("不課税"), "Z": _l("ゼロ税率"), "G": _l("輸出免税")}


def tax_label(rate, category: str | None = None):
    """A line's tax on a page: 10%, 8%, or its category outside the tax (translated)."""
    if category:
        return NON_TAXABLE_LABELS.get(category, category)
    return money.tax_label(Decimal(str(rate)))


def register(app) -> None:
    app.jinja_env.filters.update(yen=yen, number=number, jst=tokyo_datetime, isodate=iso_date, wareki=wareki,
                                 docdate=document_date, pagequery=page_query)
    app.jinja_env.globals.update(
        role_label=lambda value: ROLE_LABELS.get(value, value),
        facility_kind_label=lambda value: FACILITY_KIND_LABELS.get(value, value),
        today=today_in_tokyo,
        percent=percent,
        approval_label=lambda value: STATUS_LABELS.get(value, value),
        fulfilment_label=lambda value: STATUS_LABELS.get(value, value),
        status_label=lambda value: STATUS_LABELS.get(value, value),
        invoice_status_label=lambda value: INVOICE_STATUS_LABELS.get(value, value),
        invoice_source_label=lambda value: INVOICE_SOURCE_LABELS.get(value, value),
        resolution_label=lambda value: RESOLUTION_LABELS.get(value, value),
        tender_kind_label=lambda value: TENDER_KIND_LABELS.get(value, value),
        tender_status_label=lambda value: TENDER_STATUS_LABELS.get(value, value),
        tender_action_label=lambda value: TENDER_ACTION_LABELS.get(value, value),
        bid_status_label=lambda value: BID_STATUS_LABELS.get(value, value),
        tax_label=tax_label,
        document_tax_label=money.tax_label,  # documents keep the legal Japanese
    )
    app.jinja_env.filters["qty"] = quantity
    # Decimal("0.0800") == 0.08 (a float) is False: compare as Decimal.
    app.jinja_env.tests["reduced_rate"] = lambda rate: rate is not None and Decimal(str(rate)) == Decimal("0.08")
    from procure.jpcalendar import fiscal_year

    app.jinja_env.filters["fiscal_year"] = fiscal_year

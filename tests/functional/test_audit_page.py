"""The office's audit page: filters (entity, id, actor, action, Japan dates), keyset pages,
xlsx export (Japan time, JSON text, no formulas, capped), access and bad input."""
import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, select

from procure.audit import AuditLog
from procure.extensions import db
from tests.helpers import sign_in, unit_of_work

OFFICE = "office@example.jp"
FORMULA_ACTOR = '=HYPERLINK("http://evil.example/","x")'
UTC = timezone.utc

# label: (at (UTC), actor, action, entity, entity_id, before, after)
ENTRIES = {
    # 2026-12-04 23:59 in Tokyo
    "A": (datetime(2026, 12, 4, 14, 59, tzinfo=UTC), "alice@audit.example.jp", "update", "invoice", "7",
          {"status": "payable"}, {"status": "payment_pending"}),
    # 2026-12-05 00:00 in Tokyo
    "B": (datetime(2026, 12, 4, 15, 0, tzinfo=UTC), "alice@audit.example.jp", "update", "invoice", "8",
          {"status": "payable"}, {"status": "paid"}),
    # 2026-12-05 23:59:59 in Tokyo
    "C": (datetime(2026, 12, 5, 14, 59, 59, tzinfo=UTC), "bob@audit.example.jp", "create", "payment", "3",
          None, {"invoice_id": 8, "amount": "1100", "note": "振込"}),
    # 2026-12-06 00:00 in Tokyo
    "D": (datetime(2026, 12, 5, 15, 0, tzinfo=UTC), "bob@audit.example.jp", "delete", "invoice", "7",
          {"status": "superseded"}, None),
    # someone named like a formula (and an id that starts with a minus)
    "E": (datetime(2026, 12, 6, 1, 0, tzinfo=UTC), FORMULA_ACTOR, "update", "invoice", "-9",
          {"note": ""}, {"note": "=1+1"}),
}


@pytest.fixture
def entries(app):
    """The entries above added to the seeded log; label -> id."""
    with unit_of_work(app):
        rows = {}
        for label, (at, actor, action, entity, entity_id, before, after) in ENTRIES.items():
            rows[label] = AuditLog(at=at, actor=actor, actor_id=None, action=action, entity=entity,
                                   entity_id=entity_id, before=before, after=after)
            db.session.add(rows[label])
        db.session.flush()
        ids = {label: row.id for label, row in rows.items()}
    return ids


@pytest.fixture
def office(client):
    assert sign_in(client, OFFICE).status_code == 302
    return client


def shown(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="entry-(\d+)"', page)]


def labels(entries, page: str) -> set[str]:
    by_id = {i: label for label, i in entries.items()}
    return {by_id[i] for i in shown(page) if i in by_id}


@pytest.mark.parametrize("query, expected", [
    ("actor=audit.example.jp", "ABCD"),
    ("actor=ALICE@AUDIT", "AB"),                       # case does not matter
    ("actor=ａｌｉｃｅ", "AB"),                          # full-width letters typed with the IME
    ("entity=invoice", "ABDE"),
    ("entity=invoice&entity_id=7", "AD"),
    ("entity=invoice&entity_id=７", "AD"),              # full-width digits
    ("entity=invoice&action=update", "ABE"),
    ("entity=invoice&action=update&actor=alice", "AB"),
    ("action=delete&entity=invoice", "D"),
    ("entity=payment&actor=bob", "C"),
    # Japan days: 12-05 runs from 12-04 15:00 UTC to 12-05 15:00 UTC
    ("actor=audit.example.jp&date_from=2026-12-05&date_to=2026-12-05", "BC"),
    ("actor=audit.example.jp&date_from=２０２６-１２-０５&date_to=２０２６年１２月５日", "BC"),
    ("actor=audit.example.jp&date_from=2026/12/6", "D"),
    ("actor=audit.example.jp&date_to=2026-12-04", "A"),
    ("entity=invoice&date_from=2026-12-05&actor=alice", "B"),
    ("actor=nobody-like-this", ""),
    ("actor=%25", ""),                                 # % is a character, not a wildcard
])
def test_filters_work_and_combine(office, entries, query, expected):
    response = office.get(f"/office/audit?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert labels(entries, page) == set(expected)
    assert f"該当 {len(expected)} 件" in page
    if not expected:
        assert "条件に合う記録はありません。" in page


def test_entities_and_actions_are_offered_with_japanese_labels(office, entries):
    page = office.get("/office/audit?entity=invoice").get_data(as_text=True)
    assert re.search(r'<option value="invoice"\s+selected>請求書（invoice）</option>', page)
    assert re.search(r'<option value="budget"\s*>予算（budget）</option>', page)  # from the seed
    assert '<option value="purchase_order"' not in page  # no order was ever audited in the seed
    assert "請求書" in page and "更新" in page and "削除" in page
    row = re.search(rf'<tr id="entry-{entries["A"]}">(.*?)</tr>', page, re.S).group(1)
    assert "2026-12-04 23:59" in row and "alice@audit.example.jp" in row
    assert "<del>payable</del>" in row and "<ins>payment_pending</ins>" in row
    assert 'href="/office/audit?entity=invoice&amp;entity_id=7"' in row


def follow(client, url: str, direction: str = "next") -> list[list[int]]:
    pages = []
    while url:
        page = client.get(url).get_data(as_text=True)
        pages.append(shown(page))
        link = re.search(rf'<a href="([^"]+)" rel="{direction}">', page)
        url = link.group(1).replace("&amp;", "&") if link else None
        assert len(pages) < 100
    return pages


def test_keyset_paging_returns_every_row_exactly_once(app, office, entries):
    with unit_of_work(app):
        all_ids = db.session.scalars(select(AuditLog.id).order_by(AuditLog.id.desc())).all()
    pages = follow(office, "/office/audit")
    assert len(pages) > 10 and all(len(p) == 50 for p in pages[:-1])
    seen = [i for p in pages for i in p]
    assert seen == all_ids  # newest first, each exactly once
    # And back: the newer-links from the last page walk the same rows.
    last = pages[-1][-1]
    back = follow(office, f"/office/audit?after={last - 1}", "prev")
    seen_back = [i for p in reversed(back) for i in p]
    assert seen_back == all_ids


def test_paging_with_a_filter_and_rows_added_meanwhile(app, office):
    with unit_of_work(app):
        budget_ids = db.session.scalars(select(AuditLog.id).where(AuditLog.entity == "budget")
                                        .order_by(AuditLog.id.desc())).all()
    assert len(budget_ids) > 100
    first = office.get("/office/audit?entity=budget").get_data(as_text=True)
    with unit_of_work(app):  # a newer entry arrives while the auditor reads page 1
        db.session.add(AuditLog(actor="system", action="update", entity="budget", entity_id="1",
                                before={"amount": "1"}, after={"amount": "2"}))
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "entity=budget" in next_url and "page=" not in next_url
    pages = [shown(first)] + follow(office, next_url)
    seen = [i for p in pages for i in p]
    assert seen == budget_ids  # no entry twice, none skipped, the newcomer not pushed in


def test_page_queries_use_neither_offset_nor_distinct(app, office, entries):
    statements = []

    def remember(conn, cursor, statement, parameters, *args):
        if "audit_log" in statement and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement.upper(), parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        office.get(f"/office/audit?entity=invoice&before={entries['E']}")
        office.get(f"/office/audit?entity=invoice&after={entries['A']}")
        office.get("/office/audit.xlsx?entity=invoice")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert len(statements) >= 5
    for statement, parameters in statements:
        assert "DISTINCT" not in statement
        # SQLite's dialect writes "LIMIT ? OFFSET ?" for every LIMIT, with OFFSET 0.
        assert statement.count(" OFFSET ") <= 1
        if " OFFSET " in statement:
            assert statement.rstrip().endswith("OFFSET ?") or "OFFSET ?)" in statement
            assert list(parameters)[-1] == 0, statement


def open_xlsx(data: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data)).active


def test_xlsx_export_holds_the_filtered_rows_safely(app, office, entries):
    response = office.get("/office/audit.xlsx?entity=invoice&date_from=２０２６-１２-０５")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit_log_')
    sheet = open_xlsx(response.data)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("監査ログ（対象: 請求書 / 期間（日本時間）: 2026-12-05 〜）")
    assert rows[1] == ("記録番号", "日時（日本時間）", "実行者", "実行者ID", "操作", "操作（コード）",
                       "対象", "対象（テーブル名）", "対象ID", "変更前", "変更後")
    body = {row[0]: row for row in rows[2:]}
    assert list(body) == [entries["E"], entries["D"], entries["B"]]  # newest first, A is 12-04
    b = body[entries["B"]]
    assert b[1] == datetime(2026, 12, 5, 0, 0)  # Tokyo wall time
    assert b[2:9] == ("alice@audit.example.jp", None, "更新", "update", "請求書", "invoice", "8")
    assert (b[9], b[10]) == ('{"status": "payable"}', '{"status": "paid"}')
    assert body[entries["D"]][10] is None or body[entries["D"]][10] == ""
    # Text that a spreadsheet would run is escaped and stored as text, never as a formula.
    e_row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == entries["E"])
    assert e_row[2].value == "'" + FORMULA_ACTOR and e_row[2].data_type == "s"
    assert e_row[8].value == "'-9"
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    # The export itself is on record.
    with unit_of_work(app):
        last = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (last.action, last.entity, last.actor) == ("export", "audit_log", OFFICE)
    assert last.after["rows"] == 3 and last.after["filters"] == {"entity": "invoice", "date_from": "2026-12-05"}


def test_export_is_capped_and_the_page_says_so(app, office, entries, monkeypatch):
    from procure import audit_queries

    monkeypatch.setattr(audit_queries, "EXPORT_LIMIT", 3)
    page = office.get("/office/audit?entity=invoice").get_data(as_text=True)
    assert "該当 3 件以上" in page
    assert "条件に合う記録が 3 件を超えています。Excel には新しい順に 3 件だけ書き出されます。" in page
    sheet = open_xlsx(office.get("/office/audit.xlsx?entity=invoice").data)
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == [entries["E"], entries["D"], entries["B"]]
    assert "3 件で打ち切り" in rows[0][0]
    small = office.get("/office/audit?entity=payment").get_data(as_text=True)
    assert "該当 1 件" in small and "件を超えています" not in small
    assert "Excel には条件に合う記録を新しい順に最大 3 件まで書き出します。" in small


@pytest.mark.parametrize("email", ["staff@shibuya.example.jp", "approver@shibuya.example.jp",
                                   "inspector@shibuya.example.jp", "vendor@bunguya.example.jp"])
@pytest.mark.parametrize("url", ["/office/audit", "/office/audit.xlsx", "/office/audit?entity=invoice"])
def test_only_the_office_reads_the_audit_log(client, email, url):
    sign_in(client, email)
    assert client.get(url).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/office/audit.xlsx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("query, field, message", [
    ("date_from=2026-13-01", "date_from", "日付は 2026-12-05 のように年-月-日で入力してください。"),
    ("date_to=yesterday", "date_to", "日付は 2026-12-05 のように年-月-日で入力してください。"),
    ("date_from=0001-01-01", "date_from", "2000 年から 2100 年までの日付で入力してください。"),
    ("date_to=9999-12-31", "date_to", "2000 年から 2100 年までの日付で入力してください。"),
    ("date_from=2026-12-06&date_to=2026-12-05", "date_to", "終了日は開始日と同じ日か、それより後の日にしてください。"),
    ("entity_id=18446744073709551616", "entity_id", "ID は 9,223,372,036,854,775,807 以下の数字で入力してください。"),
    ("entity_id=" + "1" * 61, "entity_id", "ID は 60 文字以内で入力してください。"),
    ("entity=DROP%20TABLE", "entity", "対象は一覧から選んでください。"),
    ("action=%3Cscript%3E", "action", "操作は一覧から選んでください。"),
    ("actor=" + "a" * 255, "actor", "実行者は 254 文字以内で入力してください。"),
])
def test_bad_input_gets_a_message_on_its_field(office, query, field, message):
    response = office.get(f"/office/audit?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page)
    assert shown(page) == [] and "条件を直してから、もう一度絞り込んでください。" in page
    # The export answers the same way instead of a file.
    export = office.get(f"/office/audit.xlsx?{query}")
    assert export.status_code == 400 and export.mimetype == "text/html"


def test_what_was_typed_stays_in_the_form(office):
    page = office.get("/office/audit?date_from=2026-12-40&actor=alice").get_data(as_text=True)
    assert 'value="2026-12-40"' in page and 'value="alice"' in page


@pytest.mark.parametrize("cursor", ["before=99999999999999999999999", "after=-5", "before=abc",
                                    "before=10&after=5"])
def test_an_unreadable_page_cursor_shows_the_newest_entries(app, office, cursor):
    response = office.get(f"/office/audit?{cursor}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "ページの指定を読めなかったため、最新の記録から表示しています。" in page
    with unit_of_work(app):
        newest = db.session.scalar(select(func.max(AuditLog.id)))
    assert shown(page)[0] == newest


def test_the_page_in_english(office, entries):
    office.get("/lang/en")
    page = office.get("/office/audit?entity=invoice&date_from=2026-13-01").get_data(as_text=True)
    assert "Clear filters" in page and "Enter the date as year-month-day, e.g. 2026-12-05." in page
    page = office.get("/office/audit?entity=invoice").get_data(as_text=True)
    assert "Invoices (invoice)" in page and "Export to Excel (.xlsx)" in page and "Updated" in page
    # The export stays Japanese whatever the page language.
    rows = list(open_xlsx(office.get("/office/audit.xlsx?entity=invoice").data).iter_rows(values_only=True))
    assert rows[1][0] == "記録番号" and rows[2][4] == "更新" and rows[2][6] == "請求書"

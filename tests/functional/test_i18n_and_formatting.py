"""Japanese by default, English on request; catalog complete; yen and Tokyo time."""
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def test_english_switch(client):
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "Password" in page
    client.get("/lang/ja")
    assert "ログイン" in client.get("/login").get_data(as_text=True)


def test_english_home_after_sign_in(client):
    client.get("/lang/en")
    sign_in(client, "office@example.jp")
    page = client.get("/office/").get_data(as_text=True)
    assert "Joint procurement office" in page and "Shibuya" in page


def test_every_message_has_an_english_translation():
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id}
    method_map = [("procure/**.py", "python"), ("catalog/**.py", "python"),
                  ("tenders/**.py", "python"), ("invoicing/**.py", "python"),
                  ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            assert translated.get(msgid), f"{filename}: no English for {msgid!r} (pybabel update)"


def test_compiled_catalog_is_up_to_date():
    with open(PO, "rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id}
    with open(MO, "rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run: pybabel compile -d translations"


def test_yen_and_tokyo_time(app):
    from procure.formatting import tokyo_datetime, yen

    assert yen(Decimal("1234567")) == "¥1,234,567"
    assert yen(Decimal("3.50")) == "¥3.5"
    assert yen(None) == ""
    with app.test_request_context():
        # 15:30 UTC is 00:30 the next day in Tokyo (UTC+9, no DST)
        assert tokyo_datetime(datetime(2026, 3, 31, 15, 30, tzinfo=timezone.utc)) == "2026-04-01 00:30"


def test_procurement_methods_read_in_the_readers_language(client, login):
    """The labels on pages say what the Japanese data says, and are English on request; every
    method and ground has one."""
    from procure.procurement_method import GROUNDS, METHOD_NAMES
    from procure.procurement_method_labels import GROUND_LABELS, METHOD_LABELS

    assert set(GROUND_LABELS) == set(GROUNDS) and set(METHOD_LABELS) == set(METHOD_NAMES)
    login("office@example.jp")
    japanese = client.get("/office/catalog/agreements").get_data(as_text=True)
    assert all(text in japanese for text in (*METHOD_NAMES.values(), *GROUNDS.values()))
    client.get("/lang/en")
    english = client.get("/office/catalog/agreements").get_data(as_text=True)
    assert "Open competitive tender" in english and "随意契約</option>" not in english
    assert "Local Autonomy Act Enforcement Order, Art. 167-2(1)(ii)" in english

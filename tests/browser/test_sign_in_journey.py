"""A newcomer's first minute: the Japanese sign-in page, each demo account, its home."""
import pytest

from tests.functional.test_auth import DEMO_HOMES
from tests.helpers import DEMO_PASSWORD


def sign_in(page, base, email, password=DEMO_PASSWORD):
    page.goto(f"{base}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


@pytest.mark.parametrize("email", DEMO_HOMES)
def test_demo_account_signs_in_and_sees_its_home(page, live_server, email):
    home, heading = DEMO_HOMES[email]
    sign_in(page, live_server, email)
    page.wait_for_url(f"{live_server}{home}")
    assert page.get_by_role("heading", level=1).inner_text().startswith(heading)
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(f"{live_server}/login")
    assert page.get_by_role("status").inner_text() == "ログアウトしました。"


def test_sign_in_page_is_styled_japanese_and_switches_to_english(page, live_server):
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "ja"
    # the stylesheet loads under the Content-Security-Policy
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 247, 249)"
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert page.locator("html").get_attribute("lang") == "en"


def test_wrong_password_shows_an_alert(page, live_server):
    sign_in(page, live_server, "office@example.jp", "wrong-password")
    assert "正しくありません" in page.get_by_role("alert").inner_text()
    assert page.url.startswith(f"{live_server}/login")

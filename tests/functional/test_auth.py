"""Sign-in, CSRF, throttling, session lifetime and security headers."""
import pytest

from tests.helpers import csrf_token, sign_in, unit_of_work

DEMO_HOMES = {
    "office@example.jp": ("/office/", "共同調達組織"),
    "staff@shibuya.example.jp": ("/ward/", "渋谷区"),
    "approver@shibuya.example.jp": ("/ward/", "渋谷区"),
    "inspector@shibuya.example.jp": ("/ward/", "渋谷区"),
    "staff@setagaya.example.jp": ("/ward/", "世田谷区"),
    "staff@shinjuku.example.jp": ("/ward/", "新宿区"),
    "staff@chiyoda.example.jp": ("/ward/", "千代田区"),
    "vendor@bunguya.example.jp": ("/vendor/", "株式会社文具屋"),
    "vendor@pc.example.jp": ("/vendor/", "東京ピーシーソリューションズ株式会社"),
    "vendor@denki.example.jp": ("/vendor/", "首都グリーン電力株式会社"),
}


def test_sign_in_page_is_japanese(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert "ログイン" in page and "メールアドレス" in page and "パスワード" in page


@pytest.mark.parametrize("email", DEMO_HOMES)
def test_each_demo_account_reaches_its_role_home(client, email):
    home, heading = DEMO_HOMES[email]
    response = sign_in(client, email)
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == home
    page = client.get(home).get_data(as_text=True)
    assert f"<h1>{heading}" in page


def test_wrong_password_is_refused_with_a_message(client):
    response = sign_in(client, "office@example.jp", "wrong")
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが正しくありません" in response.get_data(as_text=True)
    assert client.get("/office/").status_code == 302


def test_full_width_email_is_not_an_account(client):
    assert sign_in(client, "ｏｆｆｉｃｅ@example.jp").status_code in (400, 401)


def test_post_without_csrf_token_is_refused(client, login):
    response = client.post("/login", data={"email": "office@example.jp", "password": "demo-password"})
    assert response.status_code == 400
    login("office@example.jp")
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/office/").status_code == 200  # still signed in


def test_logout_with_token_ends_the_session(client, login):
    login("office@example.jp")
    token = csrf_token(client, "/office/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/office/").status_code == 302


def test_five_wrong_passwords_throttle_even_the_right_one(client):
    for _ in range(5):
        assert sign_in(client, "staff@shibuya.example.jp", "wrong").status_code == 401
    response = sign_in(client, "staff@shibuya.example.jp")
    assert response.status_code == 429
    assert "試行回数が上限を超えました" in response.get_data(as_text=True)
    # other accounts are not locked by it
    assert sign_in(client, "office@example.jp").status_code == 302


def test_throttling_applies_to_the_token_api(client):
    for _ in range(5):
        response = client.post("/api/v1/tokens", json={"email": "office@example.jp", "password": "x"})
        assert response.status_code == 401
    response = client.post("/api/v1/tokens", json={"email": "office@example.jp", "password": "demo-password"})
    assert response.status_code == 429


def test_throttle_window_expires(app, client):
    from datetime import timedelta

    from procure.auth.models import LoginFailure
    from procure.dbtypes import utcnow
    from procure.extensions import db

    with unit_of_work(app):
        old = utcnow() - timedelta(minutes=16)
        db.session.add_all([LoginFailure(email="office@example.jp", ip="127.0.0.1", at=old)
                            for _ in range(5)])
        db.session.commit()
    assert sign_in(client, "office@example.jp").status_code == 302


def test_session_cookie_expires_and_is_httponly(client):
    response = sign_in(client, "office@example.jp")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_older_than_absolute_limit_is_ended(app, client, login):
    login("office@example.jp")
    with client.session_transaction() as session:
        session["signed_in_at"] = "2020-01-01T00:00:00+00:00"
    response = client.get("/office/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_next_parameter_only_redirects_locally(client):
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data={
        "email": "office@example.jp", "password": "demo-password", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_passwords_are_hashed(app):
    from sqlalchemy import select

    from procure.extensions import db
    from procure.models import User

    with unit_of_work(app):
        hashes = db.session.scalars(select(User.password_hash)).all()
    assert hashes and all("demo-password" not in h and h.startswith(("scrypt:", "pbkdf2:"))
                          for h in hashes)


def test_inactive_user_cannot_sign_in(app, client):
    from sqlalchemy import select

    from procure.extensions import db
    from procure.models import User

    with unit_of_work(app):
        db.session.scalar(select(User).filter_by(email="office@example.jp")).active = False
        db.session.commit()
    assert sign_in(client, "office@example.jp").status_code == 401


def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(app, client, login):
    from tests.helpers import csrf_token

    login("staff@shibuya.example.jp")
    stolen = client.get_cookie("session").value
    assert client.get("/ward/orders").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/ward/orders")})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/ward/orders")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief.get("/ward/orders").status_code == 302  # and stays ended


def test_a_password_change_ends_every_other_session(app, client, login):
    from tests.helpers import csrf_token, sign_in

    from tests.helpers import api_token

    other = app.test_client()
    assert sign_in(other, "staff@shibuya.example.jp").status_code == 302
    token = api_token(app.test_client(), "staff@shibuya.example.jp")
    login("staff@shibuya.example.jp")
    page = "/account/password"
    form = {"csrf_token": csrf_token(client, page), "current": "demo-password", "new": "a-new-password-123",
            "repeat": "a-new-password-123"}
    wrong = client.post(page, data=form | {"current": "not-it"})
    assert wrong.status_code == 422 and "現在のパスワードが正しくありません" in wrong.get_data(as_text=True)
    assert client.post(page, data=form | {"repeat": "something-else"}).status_code == 422
    assert client.post(page, data=form).status_code == 302
    assert client.get("/ward/orders").status_code == 200  # this browser carries on
    ended = other.get("/ward/orders")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert sign_in(app.test_client(), "staff@shibuya.example.jp", "a-new-password-123").status_code == 302
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

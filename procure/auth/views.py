"""Sign-in and sign-out pages, and the session lifetime rules."""
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from procure.auth.forms import LoginForm, LogoutForm
from procure.auth.service import Throttled, check_credentials
from procure.dbtypes import utcnow
from procure.permissions import ANY_SIGNED_IN, allow, public

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would help phishing.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


def _fresh_session() -> None:
    """Drop everything in the session but the chosen language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = check_credentials(form.email.data, form.password.data,
                                     request.remote_addr or "", channel="web")
        except Throttled:
            flash(_("ログインの試行回数が上限を超えました。しばらくしてから再度お試しください。"), "error")
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            _fresh_session()  # no session fixation
            session.permanent = True
            session["signed_in_at"] = utcnow().isoformat()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("メールアドレスまたはパスワードが正しくありません。"), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@allow(*ANY_SIGNED_IN)
def logout():
    if LogoutForm().validate_on_submit():
        logout_user()
        _fresh_session()
        flash(_("ログアウトしました。"), "info")
    return redirect(url_for("auth.login"))


def expire_old_sessions():
    """before_request: end sessions older than the absolute limit (idle limit is the cookie's)."""
    started = session.get("signed_in_at")
    if not started or not current_user.is_authenticated:
        return None
    limit = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if datetime.now(timezone.utc) - datetime.fromisoformat(started) > limit:
        logout_user()
        _fresh_session()
        flash(_("セッションの有効期限が切れました。もう一度ログインしてください。"), "info")
        return redirect(url_for("auth.login"))
    return None

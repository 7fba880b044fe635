"""Sign-in and sign-out pages, and the session lifetime rules."""
from datetime import datetime, timedelta, timezone

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from procure.auth import sessions
from procure.auth.forms import LoginForm, LogoutForm, PasswordChangeForm
from procure.auth.service import Throttled, WrongPassword, check_credentials, set_new_password
from procure.dbtypes import utcnow
from procure.redirects import safe_next
from procure.permissions import ANY_SIGNED_IN, allow, public

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("home.index"))  # only local paths: no open redirect


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
            session["sid"] = sessions.start(user)
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
        sessions.end(session.get("sid"))  # a copy of the cookie is worthless from now on
        logout_user()
        _fresh_session()
        flash(_("ログアウトしました。"), "info")
    return redirect(url_for("auth.login"))


def expire_old_sessions():
    """before_request: end sessions ended on the server (signed out, password changed) or older
    than the absolute limit (the idle limit is the cookie's)."""
    if not current_user.is_authenticated:
        return None
    if not sessions.is_live(session.get("sid"), current_user.id):
        logout_user()
        _fresh_session()
        flash(_("セッションは終了しています。もう一度ログインしてください。"), "info")
        return redirect(url_for("auth.login"))
    started = session.get("signed_in_at")
    if not started:
        return None
    limit = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if datetime.now(timezone.utc) - datetime.fromisoformat(started) > limit:
        sessions.end(session.get("sid"))
        logout_user()
        _fresh_session()
        flash(_("セッションの有効期限が切れました。もう一度ログインしてください。"), "info")
        return redirect(url_for("auth.login"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ANY_SIGNED_IN)
def change_password():
    """A new password ends every session of the user on the server (a copied cookie, another
    browser); this browser gets a new one."""
    form, status = PasswordChangeForm(), 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            ended = set_new_password(user, form.current.data, form.new.data)
        except WrongPassword:
            form.current.errors.append(_("現在のパスワードが正しくありません。"))
            status = 422
        else:
            session["sid"] = sessions.start(user)
            flash(_("パスワードを変更しました。他の %(n)s 件のセッションを終了しました。", n=max(ended - 1, 0)), "success")
            return redirect(url_for("home.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/password.html", form=form), status

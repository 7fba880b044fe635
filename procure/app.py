"""The application factory."""
from flask import Flask, g, jsonify, make_response, render_template, request, session
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from procure import audit, config, failures, formatting, jobs, routing, uow
from procure.extensions import babel, csrf, db, login_manager, migrate

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; object-src 'none'; base-uri 'self'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def select_locale():
    return session.get("lang") or "ja"


def build_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        "procure",
        root_path=str(config.PROJECT_ROOT / "procure"),
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
        instance_path=str(config.PROJECT_ROOT / "instance"),
    )
    app.config.update(config.from_environment())
    app.config.update(overrides or {})
    routing.init_app(app)  # ids out of range are 404s

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.PROJECT_ROOT / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    _init_login(app)
    formatting.register(app)
    _import_models()
    jobs.init_app(app)

    _register_blueprints(app)
    _register_hooks(app)
    uow.init_app(app)  # one commit or rollback per request
    _register_error_handlers(app)
    failures.init_app(app)  # 409 and 503 for conflicts and database errors, with a request id
    _register_cli(app)
    _register_seeders(app)
    _register_office_todos(app)
    _register_simulation_sources(app)
    return app


def _import_models() -> None:
    """Every mapped class, so that migrations and relationships see them all."""
    import catalog.models  # noqa: F401
    import catalog.order_models  # noqa: F401
    import costshares.models  # noqa: F401
    import deliveries.models  # noqa: F401
    import fees.models  # noqa: F401
    import invoicing.models  # noqa: F401
    import tenders.models  # noqa: F401
    import procure.models  # noqa: F401
    import savings.models  # noqa: F401
    import procure.storage  # noqa: F401


def _init_login(app: Flask) -> None:
    from procure.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page explains itself
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None


def _register_blueprints(app: Flask) -> None:
    from procure import api
    from procure.api import bp as api_bp
    from procure.auth.views import bp as auth_bp
    from procure.pricing_views import bp as pricing_bp
    from procure.views import bp as home_bp
    from procure.job_views import bp as jobs_bp
    import catalog.api  # noqa: F401  (adds API operations: before api.init_app)
    import procure.pricing_api  # noqa: F401
    import deliveries.api  # noqa: F401
    import tenders.api  # noqa: F401
    import fees.api  # noqa: F401
    import costshares.api  # noqa: F401
    import savings.api  # noqa: F401
    from catalog.adjustment_views import bp as adjustments_bp
    from catalog.budget_views import bp as budgets_bp
    from catalog.office_views import bp as catalog_office_bp
    from catalog.replenish_views import bp as replenish_bp
    from catalog.vendor_views import bp as vendor_catalog_bp
    from catalog.ward_views import bp as ordering_bp
    from deliveries.views import bp as records_bp
    from fees.views import bp as fees_bp
    from costshares.views import bp as costshares_bp
    from savings.views import bp as savings_bp
    from invoicing.views import bp as invoicing_bp
    from invoicing.account_views import bp as accounts_bp
    from invoicing.webhooks import bp as webhooks_bp
    from tenders.views import bp as tenders_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(pricing_bp)
    for blueprint in (jobs_bp, ordering_bp, budgets_bp, replenish_bp, records_bp, adjustments_bp,
                      vendor_catalog_bp, catalog_office_bp, invoicing_bp, webhooks_bp, tenders_bp, fees_bp,
                      costshares_bp, savings_bp, accounts_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(webhooks_bp)  # Stripe signs its webhooks; there is no session or form
    # The API authenticates with bearer tokens only (never cookies), so CSRF does not apply.
    csrf.exempt(api_bp)
    api.init_app(app)


def _register_hooks(app: Flask) -> None:
    from procure.auth.views import expire_old_sessions
    from procure.permissions import enforce_access, is_api_request, request_user

    @app.before_request
    def _session_lifetime():
        if not is_api_request():
            return expire_old_sessions()
        return None

    app.before_request(enforce_access)

    @app.before_request
    def _set_audit_actor():
        if request.endpoint is None:
            return
        user = request_user() if request.endpoint != "static" else None
        g.audit_token = audit.set_actor(user.id if user else None,
                                        user.email if user else f"anonymous@{request.remote_addr}")

    @app.teardown_request
    def _reset_audit_actor(exc):
        token = g.pop("audit_token", None)
        if token is not None:
            audit.reset_actor(token)

    @app.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # Every page and download is private to its user (records, invoices, delivery notes):
        # nothing but the static files may be kept by a browser or a proxy.
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def _template_globals():
        from procure.auth.forms import LogoutForm

        # formdata=None: never read the request body here (an oversized upload's 413 page would
        # read it again and fail).
        return {"current_locale": select_locale(), "logout_form": LogoutForm(formdata=None)}


def _with_allow(response, exc: HTTPException):
    """A 405 says which methods the resource has (RFC 9110), also on our own error pages."""
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _register_error_handlers(app: Flask) -> None:
    from procure.api.errors import ApiError, api_error_as_json, http_error_as_json
    from procure.permissions import is_api_request
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(ApiError, api_error_as_json)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        message = _("フォームの有効期限が切れたか、不正な送信です。ページを再読み込みしてからやり直してください。")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code == 413:
            limit = _("アップロードできるファイルは %(mb)s MB までです。",
                      mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))
            if is_api_request():
                from procure.api.errors import error_response

                return error_response(413, limit)
            return render_template("errors/error.html", code=413, message=limit,
                                   request_id=failures.request_id()), 413
        if is_api_request():
            return _with_allow(http_error_as_json(exc), exc)
        messages = {
            403: _("このページを表示する権限がありません。"),
            404: _("ページが見つかりません。"),
            405: _("この操作は許可されていません。"),
        }
        message = messages.get(exc.code, exc.description)
        return _with_allow(make_response(render_template("errors/error.html", code=exc.code, message=message,
                                                         request_id=failures.request_id()), exc.code), exc)

    @app.errorhandler(500)
    def _server_error(exc):
        uow.rollback()
        if is_api_request():
            return jsonify(error={"status": 500, "message": "Internal server error"}), 500
        return render_template("errors/error.html", code=500, message=_("システムエラーが発生しました。"),
                               request_id=failures.request_id()), 500


def _register_office_todos(app: Flask) -> None:
    """What the office and ward homes list as to do: callables answering (label, count, url) or None."""
    from invoicing.reconciliation import open_findings_todo

    app.extensions["office_todos"] = (open_findings_todo,)
    from costshares.todos import cost_shares_to_pay
    from fees.todos import fee_units_to_report

    app.extensions["ward_todos"] = (cost_shares_to_pay, fee_units_to_report)


def _register_simulation_sources(app: Flask) -> None:
    """Real demand the price simulator can load: the tenders' items (procure imports no domain)."""
    from tenders.views.pricing import simulation_sources

    app.extensions["simulation_sources"] = simulation_sources


def _register_seeders(app: Flask) -> None:
    """Demo data of the domain packages, in the order procure.seed.seed_all runs them."""
    from catalog.seed import seed_catalog_demo
    from catalog.seed import seed_agreements_demo
    from catalog.seed_month import seed_pooled_month_demo
    from costshares.seed import seed_cost_shares_demo
    from fees.seed import seed_fees_demo
    from invoicing.seed import seed_billing
    from procure.dbtypes import utcnow
    from procure.formatting import today_in_tokyo
    from tenders.seed import seed_tenders_demo

    app.extensions["demo_seeders"] = (
        ("demo", lambda: seed_catalog_demo(today_in_tokyo())),
        ("demo", seed_agreements_demo),
        ("demo", seed_billing),
        ("demo", seed_fees_demo),
        ("demo", seed_cost_shares_demo),
        ("tenders", lambda: seed_tenders_demo(utcnow())),
        ("tenders", seed_pooled_month_demo),
    )


def _register_cli(app: Flask) -> None:
    from procure.cli import seed_command

    from procure.pricing.cli import pricing_cli

    app.cli.add_command(seed_command)
    app.cli.add_command(pricing_cli)

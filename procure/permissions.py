"""Who may call what: the one place where role and ownership are checked.

Every view declares its audience with `@allow(...)` or `@public`. A
`before_request` hook enforces it for every request, so a view without a
declaration is refused (deny by default). Ownership of rows is decided by
`scoped()` / `get_owned_or_404()`, never ad hoc in views.
"""
from __future__ import annotations

from flask import abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from procure.extensions import db
from procure.models import ALL_ROLES, WARD_ROLES, Role, Vendor, Ward

PUBLIC = "public"


def allow(*roles: Role):
    """Restrict a view to signed-in users with one of these roles."""
    allowed = frozenset(roles)
    if not allowed or not allowed <= ALL_ROLES:
        raise ValueError(f"allow() needs roles, got {roles!r}")

    def decorate(view):
        view.access_roles = allowed
        return view

    return decorate


def public(view):
    view.access_roles = PUBLIC
    return view


WARD = WARD_ROLES
ANY_SIGNED_IN = ALL_ROLES


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def request_user():
    """The caller: bearer token for the API (cookies are ignored there), session otherwise."""
    if "request_user" not in g:
        if is_api_request():
            from procure.api.tokens import user_from_bearer

            g.request_user = user_from_bearer(request.headers.get("Authorization", ""))
        else:
            g.request_user = current_user if current_user.is_authenticated else None
    return g.request_user


def _unauthenticated():
    if is_api_request():
        response = jsonify(error={"status": 401, "message": "Authentication required: send "
                                  "'Authorization: Bearer <token>' from POST /api/v1/tokens"})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="procure"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def enforce_access():
    """before_request hook for the whole app."""
    if request.endpoint is None:  # no route matched: let the 404/405 handlers answer
        return None
    if request.endpoint == "static":
        return None
    view = current_app.view_functions[request.endpoint]
    roles = getattr(view, "access_roles", None)
    if roles is None:
        current_app.logger.error("view %s declares no access rule", request.endpoint)
        abort(403)
    if roles == PUBLIC:
        return None
    user = request_user()
    if user is None:
        return _unauthenticated()
    if user.role not in roles:
        abort(403)
    return None


# --- ownership -------------------------------------------------------------------------

def _ward_column(model):
    return model.id if model is Ward else getattr(model, "ward_id", None)


def _vendor_column(model):
    return model.id if model is Vendor else getattr(model, "vendor_id", None)


def scoped(stmt, model, user):
    """Restrict a select() on `model` to the rows `user` may see."""
    if user.role == Role.OFFICE:
        return stmt
    if user.role in WARD_ROLES:
        column = _ward_column(model)
        if column is None:
            return stmt.where(False)
        return stmt.where(column == user.ward_id)
    if user.role == Role.VENDOR:
        column = _vendor_column(model)
        if column is None:
            return stmt.where(False)
        return stmt.where(column == user.vendor_id)
    return stmt.where(False)


def get_owned_or_404(model, ident, user=None):
    """The row if it exists and the caller may see it; 404 otherwise (existence is not leaked)."""
    user = user or request_user()
    row = db.session.scalar(scoped(select(model).where(model.id == ident), model, user))
    if row is None:
        abort(404)
    return row

"""Who may use each route. Deny by default: a view without a rule is refused.

Every view declares its audience with @allow(...). `PUBLIC` is anyone, pupils included;
"teacher" and "lead" are a school's staff, "trust" a trust's. A request whose view has no
rule is refused before it runs, and tests walk app.url_map so a rule-less route fails the
suite.

A school's pages and a trust's are two worlds: a trust user asking for any school route,
and a school's staff asking for any trust route, get 404, as another school's ids do, so
neither learns what the other's pages are.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user

PUBLIC = "public"
TEACHER = "teacher"
LEAD = "lead"
TRUST = "trust"
STAFF = (TEACHER, LEAD)  # a school's staff
ACCESS_ATTRIBUTE = "_cmt_access"
# Flask's own static-file route serves the app's CSS, JS and images to everyone.
BUILT_IN_PUBLIC_ENDPOINTS = frozenset({"static"})


def allow(*audience: str) -> Callable:
    """Declare who may use a view: allow(PUBLIC), allow(*STAFF), allow(LEAD)."""
    unknown = set(audience) - {PUBLIC, TEACHER, LEAD, TRUST}
    if not audience or unknown:
        raise ValueError(
            f"allow() needs public, teacher, lead or trust, not {unknown or 'nothing'}"
        )

    def decorate(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTRIBUTE, frozenset(audience))
        return view

    return decorate


def access_rule_for(endpoint: str) -> frozenset[str] | None:
    """The audience of an endpoint, or None when it declares none."""
    if endpoint in BUILT_IN_PUBLIC_ENDPOINTS:
        return frozenset({PUBLIC})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None) if view else None


def enforce_access() -> Any:
    """before_request hook: apply the view's rule, or refuse a view that has none."""
    if request.endpoint is None:
        return None  # no route matched: Flask answers 404/405 itself
    rule = access_rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("route without an access rule refused: %s", request.endpoint)
        abort(403)
    if PUBLIC in rule:
        return None
    if not current_user.is_authenticated:
        if request.method == "GET":
            flash("Please sign in to continue.", "info")
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        abort(401)
    if current_user.role not in rule:
        current_app.logger.warning(
            "security: access denied user=%s endpoint=%s", current_user.id, request.endpoint
        )
        # Across the school/trust line a route does not exist for the user at all.
        abort(404 if (current_user.role == TRUST) != (TRUST in rule) else 403)
    return None


def is_safe_next(target: str | None) -> bool:
    """Only follow a `next` that stays on this site: a path, never a scheme or a host."""
    return bool(
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and "\n" not in target
    )


def mark_recent_login() -> None:
    from time import time

    session["auth_at"] = int(time())


def require_recent_login(view: Callable) -> Callable:
    """Send the user to re-enter their password before a sensitive change."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from time import time

        window = current_app.config["REAUTH_WINDOW"].total_seconds()
        if time() - session.get("auth_at", 0) > window:
            flash("Please enter your password again to continue.", "info")
            return redirect(url_for("accounts.reauthenticate", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def init_access(app: Flask) -> None:
    app.before_request(enforce_access)

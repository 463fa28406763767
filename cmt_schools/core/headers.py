"""Security headers on every response, with a fresh CSP nonce per request."""

from __future__ import annotations

import logging
import secrets
import sys

from flask import Flask, Response, g, request


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


# A static file (a stylesheet, an icon) is no page: it runs nothing and loads nothing, so
# its policy allows nothing. Stricter than the page policy in every directive, and a third
# of its length, on every file a pupil's phone fetches (issue 20). It matters only for a
# file opened on its own (an SVG), which it sandboxes.
STATIC_FILE_CSP = (
    "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'; sandbox"
)


def page_csp(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


def is_static_file(response: Response) -> bool:
    """The file itself (not the error page for a missing one, which is a page)."""
    return request.endpoint == "static" and response.status_code in (200, 304)


def add_security_headers(response: Response) -> Response:
    # A view serving a document that is not a page (a lesson's SVG) sets its own, stricter
    # policy; a static file gets the static one, and every other response the page policy.
    response.headers.setdefault(
        "Content-Security-Policy",
        STATIC_FILE_CSP if is_static_file(response) else page_csp(csp_nonce()),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Join codes and feed tokens sit in URLs: never send them on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    # Pages hold school data or join codes; only the app's own static files may be cached.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


# For a response that did not pass through add_security_headers: one the WSGI server or
# an extension made after the app gave up. Nothing on such a page needs a script or style.
FALLBACK_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
)
_FALLBACK_BODY = (
    b"<!doctype html><html lang=en-GB><title>Sorry, something went wrong</title>"
    b"<h1>Sorry, something went wrong</h1><p>It was not your fault. Please try again in a "
    b"moment.</p></html>"
)


class SecurityHeadersEverywhere:
    """WSGI middleware: every response carries the security headers, whatever made it.

    The app's own responses already have them (with the page's CSP nonce); this adds the
    fixed set to any that does not, and answers a plain 500 with them if the app raised
    all the way out (an error page that failed, say).
    """

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = []

        def start_with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            if "content-security-policy" not in present:
                headers = list(headers)
                headers += [(n, v) for n, v in FALLBACK_HEADERS if n.lower() not in present]
            started.append(status)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start_with_headers)
        except Exception:
            logging.getLogger("cmt_schools").exception("a request failed outside the app")
            # exc_info only if the app had started a response: it lets the server replace it.
            start_with_headers(
                "500 Internal Server Error",
                [("Content-Type", "text/html; charset=utf-8")],
                sys.exc_info() if started else None,
            )
            return [_FALLBACK_BODY]


def init_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.wsgi_app = SecurityHeadersEverywhere(app.wsgi_app)

"""Access control, tenant scoping, headers, CSRF, throttling and error pages."""

from __future__ import annotations

import time

import pytest

from cmt_schools.core.access import PUBLIC, access_rule_for

from .conftest import PASSWORD


def test_every_route_declares_who_may_use_it(app):
    from .access_table import ACCESS_TABLE

    expected = ACCESS_TABLE
    seen = {}
    for rule in app.url_map.iter_rules():
        declared = access_rule_for(rule.endpoint)
        assert declared is not None, f"{rule.rule} ({rule.endpoint}) has no access rule"
        seen[rule.endpoint] = set(declared)
    missing = {endpoint for endpoint in seen if endpoint not in expected}
    assert not missing, f"routes missing from the access table: {sorted(missing)}"
    for endpoint, audience in seen.items():
        assert audience == expected[endpoint], f"{endpoint}: {audience} != {expected[endpoint]}"


def test_a_view_without_a_rule_is_refused(app):
    app.add_url_rule("/no-rule", "no_rule", lambda: "should never be seen")
    response = app.test_client().get("/no-rule")
    assert response.status_code == 403
    assert "should never be seen" not in response.get_data(as_text=True)


def test_cross_school_ids_give_404(app, make_lead, make_teacher):
    lead_a = make_lead()
    teacher_b = make_teacher()
    client = app.test_client()
    client.post("/login", data={"email": lead_a.email, "password": PASSWORD})
    assert client.post(f"/staff/{teacher_b.id}/active", data={"active": "0"}).status_code == 404
    assert client.post(f"/staff/{teacher_b.id}/link").status_code == 404
    assert client.post("/staff/999999/link").status_code == 404


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize("path", ["/login", "/healthz", "/no-such-page", "/dashboard"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "'nonce-" in csp
    assert response.headers["Cache-Control"] == "no-store"


def test_csp_nonce_changes_per_request(client):
    first = client.get("/login").headers["Content-Security-Policy"]
    second = client.get("/login").headers["Content-Security-Policy"]
    assert first != second


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_a_static_file_is_allowed_nothing_and_keeps_every_security_header(client):
    """A stylesheet or icon runs and loads nothing: its policy allows nothing, stricter than
    the page policy in every directive (and shorter, on every file a pupil fetches)."""
    page_csp = client.get("/join").headers["Content-Security-Policy"]
    for path in ("/static/css/base.css", "/static/img/favicon.svg"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert csp.startswith("default-src 'none'"), path
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp, (path, directive)
        assert "form-action 'none'" in csp and "sandbox" in csp, path
        assert "'self'" not in csp and "nonce" not in csp and "unsafe" not in csp, path
        assert len(csp) < len(page_csp) / 2, path
        for header, value in SECURITY_HEADERS.items():
            assert response.headers[header] == value, (path, header)
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", path
        assert "Permissions-Policy" in response.headers, path
    # The page for a missing file is a page: it keeps the page policy, to load its styles.
    missing = client.get("/static/css/none.css")
    assert missing.status_code == 404
    assert "'nonce-" in missing.headers["Content-Security-Policy"]
    assert "style-src 'self'" in missing.headers["Content-Security-Policy"]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_csrf_is_required_for_state_changes(app, client, make_teacher):
    teacher = make_teacher()
    response = client.post("/login", data={"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": teacher.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_logout_is_post_only(client, auth, make_teacher):
    auth.login(make_teacher())
    assert client.get("/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("app_config", [{"LOGIN_LIMIT_PER_ACCOUNT": "10 per 8 seconds"}])
def test_wrong_logins_are_throttled_but_cannot_lock_the_user_out(app, make_teacher):
    teacher = make_teacher()
    attacker = app.test_client()
    statuses = [
        attacker.post("/login", data={"email": teacher.email, "password": f"guess {i}"}).status_code
        for i in range(20)
    ]
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    # Throttled at the attacker's address, even with the right password...
    right = attacker.post("/login", data={"email": teacher.email, "password": PASSWORD})
    assert right.status_code == 429
    # ...but the teacher, elsewhere, still signs in: no lock-out.
    teacher_client = app.test_client()
    elsewhere = teacher_client.post(
        "/login",
        data={"email": teacher.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert elsewhere.status_code == 302
    time.sleep(8.2)
    assert (
        attacker.post("/login", data={"email": teacher.email, "password": PASSWORD}).status_code
        == 302
    )


def test_error_pages_reveal_nothing(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    from cmt_schools.core.access import allow

    allow(PUBLIC)(boom)
    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Sorry, something went wrong" in body


def test_oversized_body_is_refused_cleanly(client):
    response = client.post("/login", data={"email": "a@b.org", "password": "x" * 300_000})
    assert response.status_code == 413
    assert "Too much at once" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True, "SESSION_COOKIE_SECURE": True}])
def test_forms_work_over_https_although_no_referer_is_sent(app, make_teacher):
    """Referrer-Policy: no-referrer means browsers send no Referer: the token must suffice."""
    teacher = make_teacher()
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    token = token.split('"')[0]
    response = client.post(
        "/login",
        data={"email": teacher.email, "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    forged = app.test_client().post(
        "/login",
        data={"email": teacher.email, "password": PASSWORD},
        base_url="https://localhost",
    )
    assert forged.status_code == 400

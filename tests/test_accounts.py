"""Staff accounts: sign-in, passwords, sessions, invitations, staff management."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import argon2
import pytest
from sqlalchemy import func, select

from cmt_schools import create_app
from cmt_schools.accounts import services
from cmt_schools.accounts.models import AccountToken, School, User
from cmt_schools.accounts.passwords import hash_password
from cmt_schools.accounts.sessions import has_signed_in_user
from cmt_schools.audit.models import AuditEvent
from cmt_schools.extensions import db

from .conftest import FAST_ARGON2, PASSWORD, base_test_config


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_login_and_dashboard(client, auth, make_teacher):
    teacher = make_teacher()
    response = auth.login(teacher)
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert teacher.name in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "email, password",
    [("nobody@example.org", PASSWORD), ("KNOWN", "wrong password here")],
)
def test_unknown_email_and_wrong_password_get_the_same_message(auth, make_teacher, email, password):
    teacher = make_teacher()
    response = auth.login(teacher.email if email == "KNOWN" else email, password)
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)


def test_passwords_are_stored_as_argon2id(make_teacher):
    teacher = make_teacher()
    assert teacher.password_hash.startswith("$argon2id$")
    assert PASSWORD not in teacher.password_hash


def test_the_apps_own_argon2_parameters_meet_owasps_minimum(tmp_path):
    """Tests run with cheap parameters (conftest.FAST_ARGON2); the app's defaults must not."""
    config = base_test_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    for key in FAST_ARGON2:
        del config[key]
    with create_app(config).app_context():
        stored = hash_password(PASSWORD)
    used = argon2.extract_parameters(stored)
    assert used.type is argon2.Type.ID
    # OWASP's password storage sheet: argon2id with at least 19 MiB and 2 passes.
    assert used.memory_cost >= 19456 and used.time_cost >= 2
    assert (used.time_cost, used.memory_cost, used.parallelism) == (3, 65536, 4)


@pytest.mark.parametrize(
    "password, message",
    [
        ("seven77", "at least 8 characters"),
        ("password1", "commonly used"),
        ("iloveyou", "commonly used"),
        ("QWERTYUIOP", "commonly used"),
        ("x" * 300, "at most 256"),
    ],
)
def test_weak_passwords_are_refused_with_a_clear_message(app, make_school, password, message):
    school = make_school()
    with pytest.raises(services.ServiceError, match=message):
        services.create_user(
            school, email="new@example.org", name="New", role="teacher", password=password
        )
    assert services.find_user_by_email("new@example.org") is None


def test_long_passphrases_without_composition_rules_are_fine(make_teacher):
    teacher = make_teacher(password="all lower case words are perfectly fine " * 2)
    assert teacher.password_hash


def test_logout_replay_is_refused(client, auth, make_teacher):
    teacher = make_teacher()
    auth.login(teacher)
    stolen = client.get_cookie("cmt_session").value
    assert auth.logout().status_code == 302
    client.set_cookie("cmt_session", stolen, domain="localhost")
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _signed_in(app, client) -> bool:
    """has_signed_in_user() in a request that carries the client's session cookie."""
    cookie = client.get_cookie("cmt_session")
    headers = {"Cookie": f"cmt_session={cookie.value}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        return has_signed_in_user()


def test_a_session_is_signed_in_from_sign_in_to_sign_out(app, client, auth, make_teacher):
    """has_signed_in_user, which the session timeouts, the compression of pages and the
    staff-network note all ask, follows the sign-in and the sign-out."""
    teacher = make_teacher()
    client.get("/login")
    assert not _signed_in(app, client)
    auth.login(teacher)
    assert _signed_in(app, client)
    auth.logout()
    assert not _signed_in(app, client)


def test_deactivation_ends_the_teachers_session(app, make_lead, make_teacher):
    lead = make_lead()
    teacher = make_teacher(lead.school)
    teacher_client, lead_client = app.test_client(), app.test_client()
    teacher_client.post("/login", data={"email": teacher.email, "password": PASSWORD})
    assert teacher_client.get("/dashboard").status_code == 200
    lead_client.post("/login", data={"email": lead.email, "password": PASSWORD})
    lead_client.post(f"/staff/{teacher.id}/active", data={"active": "0"})
    assert teacher_client.get("/dashboard").status_code == 302
    again = teacher_client.post("/login", data={"email": teacher.email, "password": PASSWORD})
    assert again.status_code == 401
    lead_client.post(f"/staff/{teacher.id}/active", data={"active": "1"})
    again = teacher_client.post("/login", data={"email": teacher.email, "password": PASSWORD})
    assert again.status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_teacher):
    teacher = make_teacher()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": teacher.email, "password": PASSWORD})
    response = laptop.post(
        "/account",
        data={
            "password-current_password": PASSWORD,
            "password-new_password": "a brand new tea pot",
            "password-submit": "1",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/dashboard").status_code == 200
    assert phone.get("/dashboard").status_code == 302
    assert (
        phone.post("/login", data={"email": teacher.email, "password": PASSWORD}).status_code == 401
    )


def test_password_change_needs_the_current_password(client, auth, make_teacher):
    teacher = make_teacher()
    auth.login(teacher)
    before = teacher.password_hash
    response = client.post(
        "/account",
        data={
            "password-current_password": "not it at all",
            "password-new_password": "fine new words",
            "password-submit": "1",
        },
    )
    assert response.status_code == 400
    assert "current password is not right" in response.get_data(as_text=True)
    db.session.refresh(teacher)
    assert teacher.password_hash == before


def test_sensitive_changes_need_a_recent_login(app, client, auth, make_teacher):
    teacher = make_teacher()
    auth.login(teacher)
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 3600
    response = client.get("/account")
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    wrong = client.post("/account/confirm", data={"password": "nope nope nope", "next": "/account"})
    assert "not right" in wrong.get_data(as_text=True)
    right = client.post("/account/confirm", data={"password": PASSWORD, "next": "/account"})
    assert right.headers["Location"].endswith("/account")
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(client, make_teacher, target):
    teacher = make_teacher()
    response = client.post(
        "/login", data={"email": teacher.email, "password": PASSWORD, "next": target}
    )
    assert response.headers["Location"] in ("/", "http://localhost/")
    response = client.post("/account/confirm", data={"password": PASSWORD, "next": target})
    assert response.headers["Location"].endswith("/account")


def test_idle_and_absolute_timeouts(client, auth, make_teacher):
    auth.login(make_teacher())
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 31 * 60
    assert client.get("/dashboard").status_code == 302
    auth.login(make_teacher())
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - 13 * 3600
    assert client.get("/dashboard").status_code == 302


def test_session_cookie_flags(app, make_teacher):
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    teacher = make_teacher()
    response = client.post(
        "/login", data={"email": teacher.email, "password": PASSWORD}, base_url="https://localhost"
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_invitation_link_sets_a_password_once(app, client, auth, make_lead):
    lead = make_lead()
    auth.login(lead)
    response = client.post("/staff", data={"name": "Ada Teacher", "email": "ada@example.org"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    link = re.search(r'<code id="new-link">([^<]+)</code>', html).group(1)
    path = link.replace("http://localhost", "")
    auth.logout()
    teacher = services.find_user_by_email("ada@example.org")
    assert teacher.password_hash is None and teacher.role == "teacher"
    # The database holds a hash of the token, never the token itself.
    assert path.rsplit("/", 1)[1] not in {
        t.token_hash for t in db.session.scalars(select(AccountToken))
    }
    assert client.get(path).status_code == 200
    assert client.post(path, data={"password": "short"}).status_code == 400
    assert client.post(path, data={"password": "a fine long secret"}).status_code == 302
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    assert client.get(path).status_code == 404  # single use


def test_expired_invitation_is_refused(app, make_lead):
    lead = make_lead()
    now = datetime.now(UTC)
    user, token = services.invite_teacher(
        lead.school,
        email="late@example.org",
        name="Late",
        now=now - timedelta(days=8),
        lifetime=timedelta(days=7),
        lead=lead,
    )
    with pytest.raises(services.ServiceError, match="expired"):
        services.redeem_account_token(token, "a fine long secret", now=now)
    assert db.session.get(User, user.id).password_hash is None


def test_lead_makes_a_reset_link_and_old_sessions_end(app, make_lead, make_teacher):
    lead = make_lead()
    teacher = make_teacher(lead.school)
    teacher_client = app.test_client()
    teacher_client.post("/login", data={"email": teacher.email, "password": PASSWORD})
    lead_client = app.test_client()
    lead_client.post("/login", data={"email": lead.email, "password": PASSWORD})
    html = lead_client.post(f"/staff/{teacher.id}/link").get_data(as_text=True)
    path = re.search(r'<code id="new-link">http://localhost([^<]+)</code>', html).group(1)
    assert app.test_client().post(path, data={"password": "reset and renewed"}).status_code == 302
    assert teacher_client.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    "form, message",
    [
        ({"name": "", "email": "a@example.org"}, "Enter a name"),
        ({"name": "A", "email": ""}, "Enter an email address"),
        ({"name": "A", "email": "not-an-email"}, "valid email"),
        ({"name": "A" * 121, "email": "a@example.org"}, "at most 120"),
        ({"name": "A", "email": "DUPLICATE"}, "already an account"),
    ],
)
def test_invite_form_bad_input_stores_nothing(client, auth, make_lead, form, message):
    lead = make_lead()
    auth.login(lead)
    if form["email"] == "DUPLICATE":
        form = {**form, "email": lead.email.upper()}
    before = count(User)
    response = client.post("/staff", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(User) == before


def test_forms_bind_only_their_own_fields(client, auth, make_lead, make_school):
    lead = make_lead()
    other = make_school()
    auth.login(lead)
    client.post(
        "/staff",
        data={
            "name": "B",
            "email": "b@example.org",
            "school_id": str(other.id),
            "password_hash": "x",
            "session_version": "99",
        },
    )
    created = services.find_user_by_email("b@example.org")
    # The role is the form's own field (a teacher unless a lead is chosen); the rest is not.
    assert created.role == "teacher" and created.school_id == lead.school_id
    assert created.password_hash is None and created.session_version == 1


def test_teacher_cannot_manage_staff(client, auth, make_teacher):
    auth.login(make_teacher())
    assert client.get("/staff").status_code == 403
    assert client.post("/staff", data={"name": "X", "email": "x@example.org"}).status_code == 403


def test_lead_cannot_deactivate_themself(client, auth, make_lead):
    lead = make_lead()
    auth.login(lead)
    client.post(f"/staff/{lead.id}/active", data={"active": "0"})
    db.session.refresh(lead)
    assert lead.active


def test_school_settings_saved_and_validated(client, auth, make_lead):
    lead = make_lead()
    auth.login(lead)
    data = {
        "name": "Renamed School",
        "nation": "wales",
        "suppression_threshold": "12",
        "protection": "strong",
        "min_wave_size": "30",
        "retention_months": "12",
        "trusted_adults": "Mr Jones in the library",
        "contacts-0-name": "Childline",
        "contacts-0-detail": "0800 1111",
        "contacts-0-for_ks2": "y",
        "contacts-0-for_ks3_ks4": "y",
    }
    assert client.post("/school/settings", data=data).status_code == 302
    school = db.session.get(School, lead.school_id)
    db.session.refresh(school)
    assert (school.name, school.nation, school.suppression_threshold, school.protection) == (
        "Renamed School",
        "wales",
        12,
        "strong",
    )
    assert [c.name for c in school.support_contacts] == ["Childline"]
    # The audit log says from what to what (a lowered threshold is worth knowing about).
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "school.settings_changed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert "threshold 10 to 12" in event.detail and "protection standard to strong" in event.detail
    assert "months raw answers are kept 24 to 12" in event.detail
    assert "school name changed" in event.detail and "support contacts changed" in event.detail
    bad = client.post("/school/settings", data={**data, "suppression_threshold": "2"})
    assert bad.status_code == 400 and "Use 5 to 100" in bad.get_data(as_text=True)
    # Protection cannot be turned off: only the levels there are.
    for value in ("off", "none", ""):
        refused = client.post("/school/settings", data={**data, "protection": value})
        assert refused.status_code == 400
    db.session.refresh(school)
    assert school.protection == "strong"
    empty = {k: v for k, v in data.items() if not k.startswith("contacts")}
    response = client.post("/school/settings", data=empty)
    assert response.status_code == 400
    assert "at least one place to get help" in response.get_data(as_text=True)
    db.session.refresh(school)
    assert [c.name for c in school.support_contacts] == ["Childline"]


def test_new_school_has_default_support_contacts(make_school):
    school = make_school()
    names = [c.name for c in school.support_contacts]
    assert names == ["Childline", "Shout", "In danger now"]
    # 999 is for every age; Shout's texting service is for teenagers.
    assert [c.name for c in school.support_contacts if c.shown_to("ks2")] == [
        "Childline",
        "In danger now",
    ]


@pytest.mark.parametrize(
    "form, message",
    [
        ({"email": "", "password": "x"}, "Enter an email address"),
        ({"email": "a@b.org", "password": ""}, "Enter your password"),
        ({"email": "not an email", "password": "whatever words"}, "valid email"),
        ({"email": "a@b.org", "password": "p" * 300}, "Field cannot be longer"),
    ],
)
def test_login_form_bad_input(client, form, message):
    response = client.post("/login", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize(
    "form, message",
    [
        ({"profile-name": "", "profile-email": "a@b.org"}, "Enter a name"),
        ({"profile-name": "N", "profile-email": "nope"}, "valid email"),
        ({"profile-name": "N" * 121, "profile-email": "a@b.org"}, "at most 120"),
    ],
)
def test_profile_form_bad_input_changes_nothing(client, auth, make_teacher, form, message):
    teacher = make_teacher()
    auth.login(teacher)
    response = client.post("/account", data={**form, "profile-submit": "1"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(teacher)
    assert teacher.name.startswith("Teacher")


def test_profile_email_taken_by_someone_else(client, auth, make_teacher):
    teacher = make_teacher()
    other = make_teacher(teacher.school)
    auth.login(teacher)
    response = client.post(
        "/account",
        data={"profile-name": "New", "profile-email": other.email, "profile-submit": "1"},
    )
    assert response.status_code == 400
    assert "already an account" in response.get_data(as_text=True)
    db.session.refresh(teacher)
    assert teacher.name != "New"

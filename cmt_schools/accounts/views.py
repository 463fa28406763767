"""Sign-in, sign-out, one's own account, the lead's staff page and school settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from time import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from ..core.access import (
    LEAD,
    PUBLIC,
    STAFF,
    TRUST,
    allow,
    is_safe_next,
    mark_recent_login,
    require_recent_login,
)
from ..core.network import client_network, keyed_hash
from ..core.services import ServiceError
from ..core.tenancy import get_owned_or_404
from ..extensions import db, limiter
from . import known_devices, mail, services
from .forms import (
    ChangePasswordForm,
    InviteStaffForm,
    LoginForm,
    ProfileForm,
    ReauthenticateForm,
    SchoolSettingsForm,
    SetPasswordForm,
)
from .models import User

bp = Blueprint("accounts", __name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _login_attempt_key() -> str:
    # Failed sign-ins count per account *and network*, never per network alone: guessing
    # one teacher's password is slowed down, and nobody else on that network (a whole
    # school may share one address) is held back. A browser this account signed in on
    # before counts on its own (known_devices.py), so the guesser cannot lock the teacher
    # out on their own network either. Storage sees keyed hashes, not emails or addresses.
    email = services.normalise_email(request.form.get("email", ""))[:254]
    return known_devices.limit_key_for(email) or "login:" + keyed_hash(
        "login", email, client_network()
    )


def _login_failed(response) -> bool:
    return response.status_code != 302


def _start_session(user: User) -> None:
    session.clear()
    login_user(user)
    session["login_at"] = int(time())
    session["seen_at"] = int(time())
    mark_recent_login()


def form_errors_from(form, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_attempt_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            current_app.logger.warning(
                "security: failed login email=%s", services.normalise_email(form.email.data)[:254]
            )
            flash("That email and password do not match an active account.", "error")
            return render_template("accounts/login.html", form=form), 401
        _start_session(user)
        current_app.logger.info("security: login user=%s", user.id)
        target = form.next.data
        response = redirect(target if is_safe_next(target) else url_for("home.index"))
        known_devices.remember(response, services.normalise_email(form.email.data)[:254])
        return response
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow(*STAFF, TRUST)
def logout():
    user = current_user._get_current_object()
    services.sign_out(user)
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/confirm", methods=["GET", "POST"])
@allow(*STAFF, TRUST)
def reauthenticate():
    form = ReauthenticateForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        if services.verify_current_password(current_user, form.password.data):
            mark_recent_login()
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("accounts.account"))
        current_app.logger.warning("security: failed re-authentication user=%s", current_user.id)
        form.password.errors = ["That password is not right."]
    return render_template("accounts/reauthenticate.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@allow(*STAFF, TRUST)
@require_recent_login
def account():
    profile = ProfileForm(prefix="profile", obj=current_user)
    password = ChangePasswordForm(prefix="password")
    user = current_user._get_current_object()
    if request.method == "POST" and "profile-submit" in request.form and profile.validate():
        try:
            services.change_profile(user, name=profile.name.data, email=profile.email.data)
        except ServiceError as error:
            form_errors_from(profile, error)
        else:
            _start_session(user)  # this session carries on with the new session version
            flash("Your details are saved.", "success")
            return redirect(url_for("accounts.account"))
    if request.method == "POST" and "password-submit" in request.form and password.validate():
        try:
            services.change_password(
                user, current=password.current_password.data, new=password.new_password.data
            )
        except ServiceError as error:
            form_errors_from(password, error)
        else:
            _start_session(user)
            flash("Your password is changed. Any other signed-in sessions have ended.", "success")
            return redirect(url_for("accounts.account"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/account.html", profile=profile, password=password), status


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("30 per 10 minutes")
def redeem_link(token: str):
    found = services.find_valid_token(token, now=_now())
    if found is None:
        return render_template("accounts/link_expired.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.redeem_account_token(token, form.password.data, now=_now())
        except ServiceError as error:
            form_errors_from(form, error)
        else:
            _start_session(user)
            flash("Your password is set. Welcome!", "success")
            return redirect(url_for("home.index"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "accounts/set_password.html", form=form, token_user=found.user, purpose=found.purpose
    ), status


@dataclass(frozen=True)
class NewLink:
    """A one-time link just made: shown on the page once, unless it went by email."""

    user: User
    link: str
    emailed: bool = False
    mail_failed: bool = False


def _deliver_link(user: User, token: str, purpose: str) -> NewLink:
    """Email the link when the deployment can send mail; otherwise the page shows it."""
    link = url_for("accounts.redeem_link", token=token, _external=True)
    config = current_app.config
    if not mail.mail_configured(config):
        return NewLink(user, link)
    message = mail.account_link_message(
        purpose=purpose,
        to=user.email,
        name=user.name,
        school=current_user.school.name,
        sender=current_user.name,
        link=link,
        days=config["INVITATION_LIFETIME"].days,
        config=config,
    )
    try:
        mail.send_message(message, config)
    except mail.MailNotSent:
        return NewLink(user, link, mail_failed=True)
    return NewLink(user, link, emailed=True)


@bp.route("/staff", methods=["GET", "POST"])
@allow(LEAD)
def staff():
    form = InviteStaffForm()
    new_link = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                user, token = services.invite_staff(
                    current_user.school,
                    email=form.email.data,
                    name=form.name.data,
                    role=form.role.data,
                    now=_now(),
                    lifetime=current_app.config["INVITATION_LIFETIME"],
                    lead=current_user,
                )
            except ServiceError as error:
                db.session.rollback()
                form_errors_from(form, error)
            else:
                # Shown once, on this page only: the link is never put in a cookie or a log.
                new_link = _deliver_link(user, token, "invite")
                form = InviteStaffForm(formdata=None)
                status = 201
    return _staff_page(form, new_link), status


def _staff_page(form: InviteStaffForm, new_link: NewLink | None) -> str:
    return render_template(
        "accounts/staff.html",
        form=form,
        staff=services.staff_of(current_user.school_id),
        new_link=new_link,
        now=_now(),
        pending=services.pending_invitation,
        lifetime_days=current_app.config["INVITATION_LIFETIME"].days,
        mail_ready=mail.mail_configured(current_app.config),
    )


@bp.route("/staff/<int:user_id>/link", methods=["POST"])
@allow(LEAD)
def staff_link(user_id: int):
    user = get_owned_or_404(User, user_id)
    purpose = "invite" if user.password_hash is None else "reset"
    token = services.issue_account_token(
        user,
        purpose,
        now=_now(),
        lifetime=current_app.config["INVITATION_LIFETIME"],
        issued_by=current_user,
    )
    return _staff_page(InviteStaffForm(formdata=None), _deliver_link(user, token, purpose))


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@allow(LEAD)
def staff_active(user_id: int):
    user = get_owned_or_404(User, user_id)
    wanted = request.form.get("active") == "1"
    try:
        services.set_staff_active(user, wanted, lead=current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"{user.name} is {'active again' if wanted else 'deactivated'}.", "success")
    return redirect(url_for("accounts.staff"))


_SHOWN_TO_NOBODY = (
    "{name} is shown to no pupil. Tick \u201cShow to KS2\u201d, \u201cShow to KS3 and KS4\u201d "
    "or both, so that pupils see it at the end of every check-in and it is in the "
    "safeguarding briefing."
)


@bp.route("/school/settings", methods=["GET", "POST"])
@allow(LEAD)
def school_settings():
    school = current_user.school
    form = SchoolSettingsForm(obj=school)
    if request.method == "GET":
        for entry, contact in zip(form.contacts, school.support_contacts, strict=False):
            entry.form.name.data = contact.name
            entry.form.detail.data = contact.detail
            entry.form.for_ks2.data = contact.for_ks2
            entry.form.for_ks3_ks4.data = contact.for_ks3_ks4
    if form.validate_on_submit():
        try:
            services.update_school_settings(
                school,
                name=form.name.data,
                nation=form.nation.data,
                suppression_threshold=form.suppression_threshold.data,
                protection=form.protection.data,
                min_wave_size=form.min_wave_size.data,
                retention_months=form.retention_months.data,
                trusted_adults=form.trusted_adults.data,
                contacts=[
                    (
                        e.form.name.data or "",
                        e.form.detail.data or "",
                        e.form.for_ks2.data,
                        e.form.for_ks3_ks4.data,
                    )
                    for e in form.contacts
                ],
                lead=current_user,
            )
        except ServiceError as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            flash("School settings saved.", "success")
            for contact in school.support_contacts:
                if contact.shown_to_nobody:
                    flash(_SHOWN_TO_NOBODY.format(name=contact.name), "warning")
            return redirect(url_for("accounts.school_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/school_settings.html", form=form, school=school), status

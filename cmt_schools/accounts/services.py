"""Account use cases: schools, staff, sign-in, invitations, passwords, sessions."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..audit.services import record_event
from ..core.dates import known_timezones
from ..core.services import ServiceError
from ..core.tokens import hash_token
from ..database import begin_write
from ..extensions import db
from .models import (
    ALL_ROLES,
    DEFAULT_SUPPORT_CONTACTS,
    NATIONS,
    PROTECTION_LEVELS,
    TRUST_ROLE,
    AccountToken,
    School,
    SupportContact,
    User,
)
from .passwords import hash_password, password_problem, verify_password


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_school(name: str, nation: str, *, timezone: str = "Europe/London") -> School:
    """A new school with the default support contacts. Commits."""
    begin_write()
    name = name.strip()
    if not name or len(name) > 120:
        raise ServiceError("Give the school a name of up to 120 characters.", "name")
    if nation not in NATIONS:
        raise ServiceError(f"Nation must be one of: {', '.join(NATIONS)}.", "nation")
    if timezone not in known_timezones():
        raise ServiceError("Unknown time zone.", "timezone")
    school = School(name=name, nation=nation, timezone=timezone)
    school.support_contacts = [
        SupportContact(position=i, name=n, detail=d, for_ks2=ks2, for_ks3_ks4=ks34)
        for i, (n, d, ks2, ks34) in enumerate(DEFAULT_SUPPORT_CONTACTS)
    ]
    db.session.add(school)
    db.session.commit()
    return school


def find_school(school_id: int) -> School | None:
    return db.session.get(School, school_id)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).first()


def create_user(
    school: School, *, email: str, name: str, role: str, password: str | None = None
) -> User:
    """Add a staff account. Without a password it waits for an invitation. Commits."""
    begin_write()
    user = _add_user(school, email=email, name=name, role=role, password=password)
    db.session.commit()
    return user


def create_trust_user(trust_id: int, *, email: str, name: str, password: str | None) -> User:
    """Add an account for a trust's staff: it belongs to the trust and to no school. Commits.

    The caller has found the trust (trusts/services.py); accounts knows trusts by id only."""
    begin_write()
    user = _add_user(None, email=email, name=name, role=TRUST_ROLE, password=password)
    user.trust_id = trust_id
    db.session.commit()
    return user


def _add_user(
    school: School | None, *, email: str, name: str, role: str, password: str | None = None
) -> User:
    email = normalise_email(email)
    name = name.strip()
    if (school is None) != (role == TRUST_ROLE):
        raise ServiceError("A school's staff belong to a school, a trust's to a trust.", "role")
    if role not in ALL_ROLES:
        raise ServiceError(f"Role must be one of: {', '.join(ALL_ROLES)}.", "role")
    if not name or len(name) > 120:
        raise ServiceError("Give a name of up to 120 characters.", "name")
    if not email or len(email) > 254 or "@" not in email:
        raise ServiceError("Give a valid email address.", "email")
    if find_user_by_email(email):
        raise ServiceError("There is already an account with that email address.", "email")
    user = User(
        school_id=school.id if school else None, email=email, name=name, role=role, active=True
    )
    if password is not None:
        problem = password_problem(password, email=email, name=name)
        if problem:
            raise ServiceError(problem, "password")
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same answer for every failure)."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login's user loader: the id holds the user's session version."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def verify_current_password(user: User, password: str) -> bool:
    return verify_password(user.password_hash, password)


def end_all_sessions(user: User) -> None:
    """Every session cookie issued before now stops working (the caller commits)."""
    user.session_version += 1


def sign_out(user: User) -> None:
    """End the user's sessions server-side, so a copied cookie stops working too. Commits."""
    begin_write()
    end_all_sessions(user)
    db.session.commit()


def issue_account_token(
    user: User, purpose: str, *, now: datetime, lifetime: timedelta, issued_by: User
) -> str:
    """A new single-use link token for `user`; earlier unused ones are withdrawn. Commits."""
    begin_write()
    if user.school_id != issued_by.school_id:
        raise ServiceError("No such member of staff.")
    for old in db.session.scalars(
        select(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
    ):
        old.used_at = now
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    record_event(
        f"staff.{purpose}_link",
        school_id=user.school_id,
        user_id=issued_by.id,
        detail=f"For {user.name} ({user.role_label})",
    )
    db.session.commit()
    return raw


INVITABLE_ROLES = ("teacher", "lead")


def invite_staff(
    school: School,
    *,
    email: str,
    name: str,
    role: str = "teacher",
    now: datetime,
    lifetime: timedelta,
    lead: User,
) -> tuple[User, str]:
    """Create a teacher's or another lead's account with no password, and an invitation
    link token. Commits."""
    begin_write()
    if role not in INVITABLE_ROLES:
        raise ServiceError("Invite someone as a teacher or as a school lead.", "role")
    if not lead.is_lead or lead.school_id != school.id:
        raise ServiceError("Only a lead of this school can invite its staff.")
    user = _add_user(school, email=email, name=name, role=role)
    return user, issue_account_token(user, "invite", now=now, lifetime=lifetime, issued_by=lead)


def invite_teacher(
    school: School, *, email: str, name: str, now: datetime, lifetime: timedelta, lead: User
) -> tuple[User, str]:
    """Create a teacher account with no password and an invitation link token. Commits."""
    return invite_staff(
        school, email=email, name=name, role="teacher", now=now, lifetime=lifetime, lead=lead
    )


def find_valid_token(raw: str, *, now: datetime) -> AccountToken | None:
    if not raw or len(raw) > 100:
        return None
    token = db.session.scalars(
        select(AccountToken).where(AccountToken.token_hash == hash_token(raw))
    ).first()
    if token is None or token.used_at is not None or _aware(token.expires_at) <= now:
        return None
    if not token.user.active:
        return None
    return token


def redeem_account_token(raw: str, password: str, *, now: datetime) -> User:
    """Set the password through an invitation or reset link, once. Commits."""
    begin_write()
    token = find_valid_token(raw, now=now)
    if token is None:
        raise ServiceError(
            "This link has expired or has already been used. Ask your lead for a new one."
        )
    user = token.user
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise ServiceError(problem, "password")
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    token.used_at = now
    record_event(f"staff.{token.purpose}_used", school_id=user.school_id, user_id=user.id)
    db.session.commit()
    return user


def set_staff_active(user: User, active: bool, *, lead: User) -> None:
    """Deactivate (ending every session) or reactivate a member of staff. Commits."""
    begin_write()
    if user.id == lead.id:
        raise ServiceError("You cannot deactivate your own account.")
    if user.school_id != lead.school_id:
        raise ServiceError("No such member of staff.")
    user.active = active
    if not active:
        end_all_sessions(user)
    record_event(
        "staff.reactivated" if active else "staff.deactivated",
        school_id=lead.school_id,
        user_id=lead.id,
        detail=user.name,
    )
    db.session.commit()


def change_password(user: User, *, current: str, new: str) -> None:
    """Change one's own password; every other session ends. Commits."""
    begin_write()
    if not verify_password(user.password_hash, current):
        raise ServiceError("Your current password is not right.", "current_password")
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        raise ServiceError(problem, "new_password")
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    record_event("account.password_changed", school_id=user.school_id, user_id=user.id)
    db.session.commit()


def change_profile(user: User, *, name: str, email: str) -> None:
    """Change one's own name and email. Commits."""
    begin_write()
    email = normalise_email(email)
    name = name.strip()
    if not name or len(name) > 120:
        raise ServiceError("Give a name of up to 120 characters.", "name")
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        raise ServiceError("There is already an account with that email address.", "email")
    if email != user.email:
        end_all_sessions(user)
        record_event("account.email_changed", school_id=user.school_id, user_id=user.id)
    user.name, user.email = name, email
    db.session.commit()


def staff_of(school_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.school_id == school_id)
            .order_by(User.role, func.lower(User.name))
        )
    )


def pending_invitation(user: User, *, now: datetime) -> AccountToken | None:
    return db.session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    ).first()


def update_school_settings(
    school: School,
    *,
    name: str,
    nation: str,
    suppression_threshold: int,
    min_wave_size: int,
    retention_months: int,
    trusted_adults: str,
    contacts: list[tuple[str, str, bool, bool]],
    lead: User,
    protection: str | None = None,
) -> None:
    """Save the lead's school settings and support contacts in one go. Commits.

    A changed threshold or protection level applies to check-ins finalised after the
    change (a raised threshold hides more at once); the audit entry says from what to what.
    """
    begin_write()
    protection = protection or school.protection
    if protection not in PROTECTION_LEVELS:
        raise ServiceError("Choose how strongly pupils' answers are protected.", "protection")
    if nation not in NATIONS:
        raise ServiceError("Choose the school's nation.", "nation")
    if not 5 <= suppression_threshold <= 100:
        raise ServiceError(
            "The threshold must be between 5 and 100 answers.", "suppression_threshold"
        )
    if not 10 <= min_wave_size <= 1000:
        raise ServiceError("The comparison minimum must be between 10 and 1000.", "min_wave_size")
    if not 1 <= retention_months <= 120:
        raise ServiceError("Keep answers for between 1 and 120 months.", "retention_months")
    if not any(name_ for name_, _, _, _ in contacts):
        raise ServiceError("Pupils must always see at least one place to get help.", "contacts")
    changes = [
        f"{label} {old} to {new}"
        for label, old, new in (
            ("threshold", school.suppression_threshold, suppression_threshold),
            ("protection", school.protection, protection),
            ("comparison minimum", school.min_wave_size, min_wave_size),
            ("months raw answers are kept", school.retention_months, retention_months),
        )
        if old != new
    ]
    old_contacts = [(c.name, c.detail, c.for_ks2, c.for_ks3_ks4) for c in school.support_contacts]
    new_contacts = [(n.strip(), d.strip(), k2, k34) for n, d, k2, k34 in contacts if n.strip()]
    changes += [
        f"{label} changed"
        for label, changed in (
            ("school name", school.name != name.strip()),
            ("nation", school.nation != nation),
            ("trusted adults", (school.trusted_adults or "") != trusted_adults.strip()),
            ("support contacts", old_contacts != new_contacts),
        )
        if changed
    ]
    school.name = name.strip()
    school.nation = nation
    school.suppression_threshold = suppression_threshold
    school.protection = protection
    school.min_wave_size = min_wave_size
    school.retention_months = retention_months
    school.trusted_adults = trusted_adults.strip()
    school.support_contacts = [
        SupportContact(position=i, name=n.strip(), detail=d.strip(), for_ks2=ks2, for_ks3_ks4=ks34)
        for i, (n, d, ks2, ks34) in enumerate(contacts)
        if n.strip()
    ]
    record_event(
        "school.settings_changed",
        school_id=school.id,
        user_id=lead.id,
        detail="; ".join(changes) if changes else "Saved with nothing changed",
    )
    db.session.commit()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

"""The demo school that `make run` seeds on first run, so a newcomer finds the app populated.

`seed_demo` is idempotent: the school is created once; later runs only print the logins.
Each feature adds what it needs through DEMO_STEPS, in dependency order.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from .accounts import services as accounts
from .accounts.models import School, User
from .accounts.passwords import hash_password
from .database import begin_write
from .extensions import db

DEMO_SCHOOL_NAME = "Oakfield Academy (demo)"
DEMO_LEAD = ("lead@oakfield.example", "Sam Okafor", "lead")
DEMO_TEACHERS = (
    ("teacher1@oakfield.example", "Priya Shah", "teacher"),
    ("teacher2@oakfield.example", "Tom Evans", "teacher"),
)


@dataclass
class DemoSchool:
    school: School
    lead: User
    teachers: list[User]
    today: date
    created: bool
    notes: list[str] = field(default_factory=list)  # extra lines to print, e.g. a join code


# Features whose `<feature>/demo.py` has `seed(demo: DemoSchool) -> None`, run in this order
# the first time the demo school is created.
DEMO_FEATURES = ("scheduling", "runner", "checkins", "reports", "onboarding", "trusts")


def demo_steps() -> list[Callable[[DemoSchool], None]]:
    steps = []
    for feature in DEMO_FEATURES:
        name = f"cmt_schools.{feature}.demo"
        if importlib.util.find_spec(name) is not None:
            steps.append(importlib.import_module(name).seed)
    return steps


def demo_password(instance_path: Path, configured: str | None) -> str:
    """The configured password, or one generated once and kept in instance/demo_password."""
    if configured:
        return configured
    stored = instance_path / "demo_password"
    if stored.exists():
        return stored.read_text().strip()
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return password


def seed_demo(*, password: str, today: date) -> DemoSchool:
    school = db.session.scalars(select(School).where(School.name == DEMO_SCHOOL_NAME)).first()
    created = school is None
    if school is None:
        school = accounts.create_school(DEMO_SCHOOL_NAME, "england")
    begin_write()
    if created:
        school.trusted_adults = "Mrs Patel, our pastoral lead (room 12), or any adult you trust"
    users = {}
    for email, name, role in (DEMO_LEAD, *DEMO_TEACHERS):
        user = accounts.find_user_by_email(email)
        if user is None:
            user = User(school_id=school.id, email=email, name=name, role=role)
            db.session.add(user)
        if not accounts.verify_current_password(user, password):
            user.password_hash = hash_password(password)
        user.active = True
        users[email] = user
    db.session.commit()
    demo = DemoSchool(
        school=school,
        lead=users[DEMO_LEAD[0]],
        teachers=[users[email] for email, _, _ in DEMO_TEACHERS],
        today=today,
        created=created,
    )
    if created:
        for step in demo_steps():
            begin_write()
            step(demo)
            db.session.commit()
    return demo

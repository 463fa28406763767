"""The `flask cmt` commands."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cmt_schools.accounts.models import School, User
from cmt_schools.extensions import db


def test_create_school_and_user(runner):
    result = runner.invoke(
        args=["cmt", "create-school", "--name", "Hill Top", "--nation", "scotland"]
    )
    assert result.exit_code == 0, result.output
    school = db.session.scalars(select(School).where(School.name == "Hill Top")).one()
    assert school.nation == "scotland"
    result = runner.invoke(
        args=[
            "cmt",
            "create-user",
            "--school-id",
            str(school.id),
            "--email",
            "Head@Hill.example",
            "--name",
            "Head",
            "--role",
            "lead",
            "--password",
            "a long enough phrase",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.email == "head@hill.example")).one()
    assert user.role == "lead" and user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            [
                "--school-id",
                "999",
                "--email",
                "a@b.org",
                "--name",
                "A",
                "--role",
                "lead",
                "--password",
                "long enough words",
            ],
            "no school with id 999",
        ),
        (
            [
                "--school-id",
                "SCHOOL",
                "--email",
                "a@b.org",
                "--name",
                "A",
                "--role",
                "lead",
                "--password",
                "short",
            ],
            "at least 8",
        ),
        (
            [
                "--school-id",
                "SCHOOL",
                "--email",
                "a@b.org",
                "--name",
                "A",
                "--role",
                "admin",
                "--password",
                "long enough words",
            ],
            "Invalid value for '--role'",
        ),
    ],
)
def test_create_user_bad_input(runner, make_school, args, message):
    school = make_school()
    args = [str(school.id) if a == "SCHOOL" else a for a in args]
    result = runner.invoke(args=["cmt", "create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_school_refuses_unknown_nation(runner):
    result = runner.invoke(args=["cmt", "create-school", "--name", "X", "--nation", "france"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(School)) == 0


def test_demo_is_idempotent_and_prints_logins(app, runner, monkeypatch):
    app.config["DEMO_PASSWORD"] = "demo pass phrase"
    first = runner.invoke(args=["cmt", "demo", "--today", "2026-11-22"])
    assert first.exit_code == 0, first.output
    assert "Created the demo school" in first.output
    for line in ("lead@oakfield.example", "teacher1@oakfield.example", "teacher2@oakfield.example"):
        assert line in first.output
    assert "demo pass phrase" in first.output
    second = runner.invoke(args=["cmt", "demo", "--today", "2026-11-22"])
    assert second.exit_code == 0 and "Found the demo school" in second.output
    # Oakfield, and Riverside Primary with it in the demo trust (trusts/demo.py).
    assert "trust@oaklearning.example" in first.output
    assert "trust@oaklearning.example" in second.output
    assert db.session.scalar(select(func.count()).select_from(School)) == 2
    assert db.session.scalar(select(func.count()).select_from(User)) == 6
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "lead@oakfield.example", "password": "demo pass phrase"}
    )
    assert response.status_code == 302


def test_demo_password_is_generated_once_when_not_configured(app, runner):
    first = runner.invoke(args=["cmt", "demo"])
    password = first.output.split("(password: ")[1].split(")")[0]
    assert len(password) >= 15
    second = runner.invoke(args=["cmt", "demo"])
    assert f"(password: {password})" in second.output

"""`flask --app app cmt ...` (or `cmt ...` once installed): set-up, demo, backup, curriculum."""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .accounts import services as accounts
from .accounts.models import ALL_ROLES, NATIONS, TRUST_ROLE
from .core.services import ServiceError
from .core.wording import count_of
from .extensions import db

cmt = AppGroup("cmt", help="CMT Schools administration.")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@cmt.command("create-school")
@click.option("--name", required=True, help="The school's name.")
@click.option("--nation", required=True, type=click.Choice(list(NATIONS)))
@click.option("--timezone", default="Europe/London", show_default=True)
def create_school_command(name: str, nation: str, timezone: str) -> None:
    """Create a school and print its id."""
    try:
        school = accounts.create_school(name, nation, timezone=timezone)
    except ServiceError as error:
        _fail(error.message)
    click.echo(f"Created school {school.id}: {school.name}")


@cmt.command("create-user")
@click.option("--school-id", type=int, default=None, help="For a school's lead or teacher.")
@click.option("--trust-id", type=int, default=None, help="For a trust's staff (--role trust).")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(list(ALL_ROLES)))
@click.password_option(help="Prompted for (hidden) when not given.")
def create_user_command(
    school_id: int | None, trust_id: int | None, email: str, name: str, role: str, password: str
) -> None:
    """Create a staff account with a password, at a school (--school-id) or a trust (--trust-id)."""
    if role == TRUST_ROLE:
        _create_trust_user(school_id, trust_id, email=email, name=name, password=password)
        return
    if trust_id is not None or school_id is None:
        _fail(f"a {role} belongs to a school: give --school-id, not --trust-id")
    school = accounts.find_school(school_id)
    if school is None:
        _fail(f"there is no school with id {school_id}")
    try:
        user = accounts.create_user(school, email=email, name=name, role=role, password=password)
    except ServiceError as error:
        _fail(error.message)
    click.echo(f"Created {user.role} {user.email} at {school.name}")


def _create_trust_user(
    school_id: int | None, trust_id: int | None, *, email: str, name: str, password: str
) -> None:
    from .trusts import services as trusts

    if school_id is not None or trust_id is None:
        _fail("a trust user belongs to a trust and no school: give --trust-id, not --school-id")
    trust = trusts.find_trust(trust_id)
    if trust is None:
        _fail(f"there is no trust with id {trust_id}")
    try:
        user = accounts.create_trust_user(trust.id, email=email, name=name, password=password)
    except ServiceError as error:
        _fail(error.message)
    click.echo(f"Created trust user {user.email} at {trust.name}")


@cmt.command("create-trust")
@click.option("--name", required=True, help="The trust's or local authority's name.")
def create_trust_command(name: str) -> None:
    """Create a trust (a multi-academy trust or a local authority) and print its id."""
    from .trusts import services as trusts

    try:
        trust = trusts.create_trust(name)
    except ServiceError as error:
        _fail(error.message)
    click.echo(f"Created trust {trust.id}: {trust.name}")


@cmt.command("add-school-to-trust")
@click.option("--trust-id", required=True, type=int)
@click.option("--school-id", required=True, type=int)
@click.option(
    "--from",
    "sees_from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The trust sees figures of check-ins opened from this day (default: today).",
)
def add_school_to_trust_command(trust_id: int, school_id: int, sees_from) -> None:
    """Let a trust see a school's released figures, from today (or --from)."""
    from .trusts import services as trusts

    trust = trusts.find_trust(trust_id)
    if trust is None:
        _fail(f"there is no trust with id {trust_id}")
    school = accounts.find_school(school_id)
    if school is None:
        _fail(f"there is no school with id {school_id}")
    day = sees_from.date() if sees_from else date.today()
    try:
        trusts.add_school_to_trust(trust, school, sees_from=day)
    except ServiceError as error:
        _fail(error.message)
    click.echo(
        f"{school.name} is in {trust.name}; the trust sees its figures from {day.isoformat()}"
    )


@cmt.command("demo")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Pretend today is this date (YYYY-MM-DD).",
)
def demo_command(today) -> None:
    """Create the demo school once, then print the demo logins."""
    from .demo import demo_password, seed_demo

    password = demo_password(
        Path(current_app.instance_path), current_app.config.get("DEMO_PASSWORD")
    )
    # Seeding writes dozens of audit lines; keep the terminal to the logins a newcomer needs.
    level = current_app.logger.level
    current_app.logger.setLevel(logging.WARNING)
    try:
        demo = seed_demo(password=password, today=today.date() if today else date.today())
    finally:
        current_app.logger.setLevel(level)
    click.echo(f"{'Created' if demo.created else 'Found'} the demo school: {demo.school.name}")
    click.echo("Demo logins (password: " + password + "):")
    for user in (demo.lead, *demo.teachers):
        click.echo(f"  {user.email:<28} {user.role}")
    from .trusts.demo import demo_logins

    for line in demo_logins(password):
        click.echo(line)
    for note in demo.notes:
        click.echo(note)


@cmt.command("purge-checkins")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Pretend today is this date (YYYY-MM-DD).",
)
def purge_checkins_command(today) -> None:
    """Delete raw check-in answers past each school's retention period (released figures stay)."""
    from datetime import UTC, datetime

    from .checkins.services import purge_expired_answers

    now = datetime.now(UTC)
    reports = purge_expired_answers(today=today.date() if today else now.date(), now=now)
    if not reports:
        click.echo("No check-in answers are older than their school's retention period.")
    for report in reports:
        click.echo(
            f"{report.school_name}: deleted {count_of(report.answer_sets_deleted, 'answer set')} "
            f"of {count_of(report.checkins, 'check-in')} opened before {report.cutoff.isoformat()} "
            f"(kept {report.retention_months} months); their released figures remain."
        )


@cmt.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the SQLite database to PATH with SQLite's online backup API."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        _fail("backup copies the SQLite database; for PostgreSQL use pg_dump")
    if path.exists():
        _fail(f"{path} already exists; choose a new file")
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        source.close()
        target.close()
    if check != "ok":
        _fail(f"the backup failed its integrity check: {check}")
    click.echo(f"Backed up to {path} (integrity check ok)")


curriculum = AppGroup("curriculum", help="The lesson files.")
cmt.add_command(curriculum)


@cmt.command("worker")
@click.option("--threads", type=int, default=None, help="Renders at once (RENDER_WORKER_THREADS).")
def worker_command(threads: int | None) -> None:
    """Render packs and term summaries off the web requests (run it beside the web app)."""
    from .renders.worker import run_worker

    try:
        run_worker(
            current_app._get_current_object(),
            threads or current_app.config["RENDER_WORKER_THREADS"],
        )
    except RuntimeError as error:
        _fail(str(error))


@cmt.command("render-status")
def render_status_command() -> None:
    """Print the render queue's state: tasks waiting, and when a worker was last heard from."""
    from .renders import queue_of

    click.echo(json.dumps(queue_of(current_app).status(), indent=2))


@curriculum.command("check")
@click.option(
    "--lessons",
    "lessons_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Check a copy of the lessons folder (with ks2/, ks3/, ks4/) instead of the app's own.",
)
def curriculum_check_command(lessons_dir: Path | None) -> None:
    """Validate every lesson file and print a table per band."""
    from .curriculum.checks import check_curriculum
    from .curriculum.loader import LESSONS_DIR

    sys.exit(check_curriculum(click.echo, root=lessons_dir or LESSONS_DIR))


@curriculum.command("export")
def curriculum_export_command() -> None:
    """Print the whole curriculum as JSON: bands -> lessons -> steps."""
    from .curriculum.loader import CurriculumError, load_curriculum

    try:
        loaded = load_curriculum()
    except CurriculumError as error:
        _fail(str(error))
    document = {
        "version": loaded.version,
        "bands": [
            {
                "key": band.rules.key,
                "name": band.rules.name,
                "years": band.rules.years,
                "ages": band.rules.ages,
                "also": band.rules.also,
                "lessons": [lesson.model_dump(mode="json") for lesson in band.lessons],
            }
            for band in loaded.bands.values()
        ],
    }
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))

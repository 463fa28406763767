"""`flask --app app cmt schedule ...`: look at a class's plan and the school calendar."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup

from ..accounts.models import School
from ..extensions import db
from . import services
from .models import SchoolClass

schedule = AppGroup("schedule", help="Class plans and the school calendar.")


@schedule.command("show")
@click.argument("class_id", type=int)
def show_command(class_id: int) -> None:
    """Print a class's lesson plan, flagging lessons on days with no school."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        click.echo(f"error: there is no class with id {class_id}", err=True)
        sys.exit(1)
    school = db.session.get(School, school_class.school_id)
    calendar = services.load_calendar(school)
    click.echo(
        f"{school_class.name} ({school_class.year_label}, {school_class.band.upper()}), "
        f"{school.name}, teacher {school_class.teacher.name}"
    )
    if not school_class.occurrences:
        click.echo("  no lessons scheduled")
    for row in services.plan_rows(school_class, calendar):
        o = row.occurrence
        flag = f"  !! {row.problem}" if row.problem else ""
        click.echo(
            f"  {o.position:>2}  {o.scheduled_on.isoformat()} {o.starts_at:%H:%M} "
            f"{o.minutes:>3} min  {o.status:<9}  {row.label}{flag}"
        )


@schedule.command("days")
@click.option("--school-id", required=True, type=int)
@click.option("--from", "first", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--to", "last", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
def days_command(school_id: int, first, last) -> None:
    """List each weekday between two dates and whether it is a school day, and why not."""
    school = db.session.get(School, school_id)
    if school is None:
        click.echo(f"error: there is no school with id {school_id}", err=True)
        sys.exit(1)
    calendar = services.load_calendar(school)
    day: date = first.date()
    if (last.date() - day).days > 400:
        click.echo("error: choose at most 400 days", err=True)
        sys.exit(1)
    while day <= last.date():
        if day.weekday() < 5:
            reason = calendar.why_not_school_day(day)
            click.echo(f"{day.isoformat()}  {'school day' if reason is None else reason}")
        day = date.fromordinal(day.toordinal() + 1)

"""The demo school's term summary is worth reading on first run."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from cmt_schools import demo as demo_module
from cmt_schools.checkins.models import CheckIn
from cmt_schools.extensions import db
from cmt_schools.reports import demo as reports_demo
from cmt_schools.reports import services
from cmt_schools.reports.protection import COMPLEMENTARY, SMALL
from cmt_schools.scheduling import services as scheduling_services
from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass, Term

TODAY = date(2026, 11, 22)


def test_the_demo_term_has_both_waves_suppression_and_a_change_worth_reading(app):
    demo = demo_module.seed_demo(password="demo password here", today=TODAY)
    terms = scheduling_services.terms_of(demo.school.id, newest_first=True)
    term = services.default_term(terms, TODAY)
    assert term.first_day <= TODAY <= term.last_day
    summary = services.summarise_term(demo.school, term, today=TODAY)
    by_label = {group.label: group for group in summary.groups()}
    # At least 30 answers per wave, and a change, in some year groups and the school.
    compared = [year for year in summary.years if year.changes["worry"].change is not None]
    assert compared
    assert summary.school.wave("worry", "baseline").n >= 30
    assert summary.school.wave("worry", "endpoint").n >= 30
    change = summary.school.changes["worry"].change
    assert change is not None and change.difference < 0  # the known, modest improvement
    assert summary.school.changes["self_compassion"].change.difference > 0
    # The nurture group is hidden; 8 Rowan hides it inside Year 8's total.
    assert by_label[reports_demo.NURTURE].wave("worry", "baseline").status == SMALL
    assert by_label[reports_demo.SPLIT].wave("worry", "baseline").status == COMPLEMENTARY
    # The end-of-term wave is dated in the current term, on or before today.
    endpoint_days = set(
        db.session.scalars(select(CheckIn.opened_on).where(CheckIn.kind == "endpoint"))
    )
    assert endpoint_days and all(term.first_day <= d <= TODAY for d in endpoint_days)
    # Delivery and the weekly chart have something to show.
    assert summary.school.delivery.delivered > 0
    assert summary.school.delivery.classes_behind >= 1
    assert summary.school.has_trend
    assert len(summary.bands) >= 2
    assert any("Term summary" in note for note in demo.notes)


def test_the_demo_uses_the_classes_and_term_other_demos_made(app, monkeypatch):
    def scheduling_demo(demo):
        db.session.add(
            Term(school_id=demo.school.id, name="Autumn 2026", first_day=date(2026, 9, 2),
                 last_day=date(2026, 12, 18))
        )  # fmt: skip
        nine = SchoolClass(
            school_id=demo.school.id, teacher_id=demo.teachers[0].id, name="9C", year_group=9
        )
        db.session.add(nine)
        db.session.flush()
        for week in range(8):
            db.session.add(
                LessonOccurrence(
                    school_id=demo.school.id, class_id=nine.id,
                    lesson_key="ks3/01-what-compassion-is", position=week,
                    scheduled_on=date(2026, 9, 8) + timedelta(weeks=week),
                    starts_at=time(11, 0), minutes=50,
                )
            )  # fmt: skip

    from cmt_schools.runner import demo as runner_demo

    # The runner's demo records other demos' past lessons; the summary's demo reads them.
    monkeypatch.setattr(
        demo_module, "demo_steps", lambda: [scheduling_demo, runner_demo.seed, reports_demo.seed]
    )
    demo = demo_module.seed_demo(password="demo password here", today=TODAY)
    terms = scheduling_services.terms_of(demo.school.id, newest_first=True)
    assert [t.name for t in terms] == ["Autumn 2026"]  # no second term made
    summary = services.summarise_term(demo.school, terms[0], today=TODAY)
    nine = next(group for group in summary.classes if group.label == "9C")
    assert nine.wave("worry", "baseline").shown
    assert nine.delivery.delivered >= 6  # its past lessons were recorded by the runner's demo
    assert "Year 9" in [year.label for year in summary.years]


def test_flask_cmt_demo_prints_the_term_summary_note(runner):
    result = runner.invoke(args=["cmt", "demo", "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert "Term summary" in result.output

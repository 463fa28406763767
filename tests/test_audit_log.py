"""The audit log reads as plain words: every action has a label, and each event names the
class, lesson, date or person it concerns, never a database id or an action's code."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from cmt_schools.audit.models import AuditEvent
from cmt_schools.core.dates import long_date
from cmt_schools.demo import seed_demo
from cmt_schools.extensions import db
from cmt_schools.reports.views import AUDIT_ACTIONS
from cmt_schools.scheduling.models import LessonOccurrence

from .scheduling_fixtures import scheduled_school_fixture  # noqa: F401

PACKAGE = Path(__file__).resolve().parent.parent / "cmt_schools"
RECORDED = re.compile(r"record_event\(\s*(.+?),\s*(?:school_id|\*)", re.DOTALL)
# What the f-strings of recorded actions are filled with (accounts and scheduling).
FILLED = {
    "{purpose}": ("invite", "reset"),
    "{token.purpose}": ("invite", "reset"),
    "{action}": ("skip", "cancel", "restore"),
}
RAW = re.compile(
    r"occurrence[ =]\d|class \d|user \d|\[term|steps=|lesson=|\b[a-z_]+\.[a-z_-]+\b(?!\.)"
)
PASSWORD = "audit every event words"


def recorded_actions() -> set[str]:
    actions = set()
    for source in PACKAGE.rglob("*.py"):
        for call in RECORDED.findall(source.read_text()):
            for literal in re.findall(r'"([^"]+)"', call):
                names = [literal]
                for hole, values in FILLED.items():
                    if hole in literal:
                        names = [literal.replace(hole, value) for value in values]
                actions.update(names)
    return actions


def test_every_recorded_action_has_words():
    actions = recorded_actions()
    assert len(actions) > 30, actions
    missing = sorted(actions - set(AUDIT_ACTIONS))
    assert not missing, f"actions with no words in AUDIT_ACTIONS: {missing}"


def audit_rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL):
        rows.append(
            [
                re.sub(r"<[^>]+>", "", cell).strip()
                for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)
            ]
        )
    return rows


@pytest.mark.slow
def test_the_demo_schools_log_names_what_each_event_concerns(app):
    demo = seed_demo(password=PASSWORD, today=date.today())
    client = app.test_client()
    client.post("/login", data={"email": demo.lead.email, "password": PASSWORD})
    occurrence = db.session.scalars(
        select(LessonOccurrence).where(LessonOccurrence.school_id == demo.school.id)
    ).first()
    assert client.get(f"/packs/occurrence/{occurrence.id}.pdf").status_code == 200
    assert client.get(f"/packs/class/{occurrence.class_id}/term.pdf").status_code == 200
    seen_actions, rows = set(), []
    for page in range(1, 6):
        html = client.get(f"/reports/audit-log?page={page}").get_data(as_text=True)
        if "<tbody>" not in html:
            break
        rows += audit_rows(html)
    for _when, _who, what, detail in rows:
        assert not RAW.search(what), what
        assert not RAW.search(detail), detail
        seen_actions.add(what)
    assert "Downloaded a pack" in seen_actions
    details = [detail for _, _, what, detail in rows if what == "Downloaded a pack"]
    assert any(
        occurrence.school_class.name in d and long_date(occurrence.scheduled_on) in d
        for d in details
    ), details
    assert f"Term pack (PDF) for {occurrence.school_class.name}" in details


def test_a_moved_lesson_is_logged_with_its_class_lesson_and_dates(app, scheduled_school):
    from cmt_schools.scheduling import services

    s = scheduled_school
    occurrence = s.school_class.occurrences[1]
    old_day = occurrence.scheduled_on
    new_day = date(2026, 9, 17)
    services.move_occurrence(
        occurrence, day=new_day, starts_at=None, today=date(2026, 9, 1), user=s.teacher,
        confirmed=True,
    )  # fmt: skip
    services.set_occurrence_status(occurrence, "skip", user=s.teacher)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["schedule.moved", "schedule.skip"]))
    ).all()
    label = services.lesson_label(occurrence.lesson_key)
    assert [e.detail for e in events] == [
        f"8B, {label}, {long_date(new_day)} (moved from {long_date(old_day)})",
        f"8B, {label}, {long_date(new_day)}",
    ]

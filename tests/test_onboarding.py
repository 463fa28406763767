"""Getting a school started: the set-up checklist, printed documents, privacy notices, help."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from cmt_schools.accounts import services as accounts
from cmt_schools.audit.models import AuditEvent
from cmt_schools.core.dates import long_date
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.onboarding import services
from cmt_schools.onboarding.models import SetupTick

from .onboarding_fixtures import add_class, add_term

TODAY = datetime.now(UTC).date()


def pdf_text(data: bytes) -> str:
    """The PDF's text with all runs of whitespace made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def squeezed(text: str) -> str:
    """Text without any whitespace, so a line broken anywhere (even after a hyphen) matches."""
    return re.sub(r"\s+", "", text)


def statuses(html: str) -> dict[str, str]:
    found = re.findall(r'id="item-([a-z_]+)".*?<strong>(Done|To do)</strong>', html, re.S)
    return dict(found)


def save_settings(school, lead, **changes):
    values = {
        "name": school.name,
        "nation": school.nation,
        "suppression_threshold": school.suppression_threshold,
        "min_wave_size": school.min_wave_size,
        "retention_months": school.retention_months,
        "trusted_adults": school.trusted_adults,
        "contacts": [(c.name, c.detail, c.for_ks2, c.for_ks3_ks4) for c in school.support_contacts],
    }
    values.update(changes)
    accounts.update_school_settings(school, lead=lead, **values)


# ---------------------------------------------------------------- the checklist


def test_each_checklist_item_turns_done_when_its_task_is(app, make_lead, make_teacher):
    lead = make_lead()
    school = lead.school
    checklist = services.build_checklist(school)
    assert [item.key for item in checklist.items] == [
        "details",
        "terms",
        "support",
        "privacy",
        "staff",
        "classes",
        "dsl_briefed",
        "parents_informed",
    ]
    assert checklist.done_count == 0 and services.setup_incomplete(school)

    save_settings(school, lead)
    checklist = services.build_checklist(school)
    assert {item.key for item in checklist.items if item.done} == {"details", "support", "privacy"}

    add_term(school)
    assert services.build_checklist(school).item("terms").done

    teacher = make_teacher(school)
    assert services.build_checklist(school).item("staff").done

    add_class(school, teacher)
    assert services.build_checklist(school).item("classes").done

    services.tick_item(school, "dsl_briefed", done_on=TODAY, lead=lead, today=TODAY)
    assert services.setup_incomplete(school)
    services.tick_item(school, "parents_informed", done_on=TODAY, lead=lead, today=TODAY)
    assert services.build_checklist(school).complete
    assert not services.setup_incomplete(school)

    services.untick_item(school, "parents_informed", lead=lead)
    assert services.setup_incomplete(school)


def test_one_schools_progress_does_not_tick_anothers(app, make_lead, make_teacher):
    lead = make_lead()
    other_lead = make_lead()
    teacher = make_teacher(lead.school)
    save_settings(lead.school, lead)
    add_term(lead.school)
    add_class(lead.school, teacher)
    services.tick_item(lead.school, "dsl_briefed", done_on=TODAY, lead=lead, today=TODAY)
    assert services.build_checklist(other_lead.school).done_count == 0


def test_the_checklist_page_shows_what_is_done_and_links_to_each_task(client, auth, make_lead):
    lead = make_lead()
    auth.login(lead)
    page = client.get("/setup")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert set(statuses(html).values()) == {"To do"}
    assert "0 of 8" in html
    for link in (
        "/school/settings",
        "/staff",
        "/documents/dsl-briefing.pdf",
        "/documents/parent-letter.pdf",
        f"/privacy?school={lead.school_id}",
    ):
        assert f'href="{link}' in html
    # The defaults are explained.
    assert "default 10" in html and "default 24" in html


def test_a_manual_tick_records_the_date_and_who_and_can_be_undone(client, auth, make_lead):
    lead = make_lead(name="Lee Lead")
    auth.login(lead)
    day = TODAY - timedelta(days=3)
    response = client.post(
        "/setup/ticks/dsl_briefed", data={"dsl_briefed-done_on": day.isoformat()}
    )
    assert response.status_code == 302
    html = client.get("/setup").get_data(as_text=True)
    assert statuses(html)["dsl_briefed"] == "Done"
    assert f"Done on {long_date(day)}, ticked by Lee Lead" in html
    tick = db.session.scalars(select(SetupTick)).one()
    assert (tick.done_on, tick.ticked_by_id, tick.school_id) == (day, lead.id, lead.school_id)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "setup.ticked" in actions

    assert client.post("/setup/ticks/dsl_briefed/untick").status_code == 302
    assert statuses(client.get("/setup").get_data(as_text=True))["dsl_briefed"] == "To do"
    assert db.session.scalars(select(SetupTick)).first() is None
    assert "setup.unticked" in db.session.scalars(select(AuditEvent.action)).all()


BAD_TICK_DATES = [
    ("", "Enter the date it was done"),
    ("not a date", "Not a valid date"),
    ((TODAY + timedelta(days=2)).isoformat(), "cannot be in the future"),
    ("1999-12-31", "from 2000 onwards"),
]


def test_a_bad_tick_date_is_refused_clearly(client, auth, make_lead):
    auth.login(make_lead())
    for value, message in BAD_TICK_DATES:
        response = client.post(
            "/setup/ticks/parents_informed", data={"parents_informed-done_on": value}
        )
        assert response.status_code == 400, value
        assert message in response.get_data(as_text=True), value
    assert db.session.scalars(select(SetupTick)).first() is None


def test_unknown_items_404_and_teachers_cannot_tick(app, client, auth, make_lead, make_teacher):
    lead = make_lead()
    auth.login(lead)
    assert (
        client.post("/setup/ticks/terms", data={"terms-done_on": "2026-01-01"}).status_code == 404
    )
    assert client.post("/setup/ticks/nope/untick").status_code == 404
    teacher_client = app.test_client()
    teacher = make_teacher(lead.school)
    teacher_client.post("/login", data={"email": teacher.email, "password": "a calm green kettle"})
    assert teacher_client.get("/setup").status_code == 403
    response = teacher_client.post(
        "/setup/ticks/dsl_briefed", data={"dsl_briefed-done_on": TODAY.isoformat()}
    )
    assert response.status_code == 403
    assert db.session.scalars(select(SetupTick)).first() is None


def test_a_tick_form_ignores_a_school_id_it_does_not_own(client, auth, make_lead):
    lead = make_lead()
    other = make_lead()
    auth.login(lead)
    client.post(
        "/setup/ticks/dsl_briefed",
        data={"dsl_briefed-done_on": TODAY.isoformat(), "school_id": other.school_id},
    )
    assert db.session.scalars(select(SetupTick.school_id)).all() == [lead.school_id]


# ---------------------------------------------------------------- the printed documents


def test_the_parent_letter_lists_every_question_of_every_band(client, auth, make_lead):
    lead = make_lead(name="Ada Lead")
    auth.login(lead)
    response = client.get("/documents/parent-letter.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    questions = services.letter_questions()
    assert len(questions) == 3  # KS2, KS3 and KS4 are worded differently
    flat = squeezed(text)
    starts = [flat.index(squeezed(label)) for label, _ in questions]
    assert starts == sorted(starts)
    for i, (band_label, band_questions) in enumerate(questions):
        # Each band's questions appear under its own heading, before the next band's.
        section = flat[starts[i] : starts[i + 1] if i + 1 < len(starts) else len(flat)]
        assert band_questions
        for question in band_questions:
            assert squeezed(question) in section, f"{band_label}: {question!r} missing"
    school = lead.school
    assert school.name in text and "Ada Lead" in text
    assert f"at least {school.suppression_threshold} pupils" in text
    assert "24 months" in text
    assert f"/privacy?school={school.id}" in text
    for promise in ("anonymous", "optional", "group totals only", "not take part"):
        assert promise in text


def test_the_letter_questions_cover_the_term_items_and_the_right_now_check():
    for _label, questions in services.letter_questions():
        # Six term items (W1, W2, C1, C2, S1, G1) and the one-item "right now" check.
        assert len(questions) == 7
        assert any("worried" in q for q in questions)
        assert any("calm and safe" in q for q in questions)
        assert any(q.startswith("Right now") for q in questions)


def test_the_letter_uses_the_words_the_pupil_pages_show():
    """One source of truth: what the letter lists is what a pupil of that band is asked."""
    from cmt_schools.checkins.questions import questions_for

    for band, (label, listed) in zip(
        ("ks2", "ks3", "ks4"), services.letter_questions(), strict=True
    ):
        asked = [q.text for q in questions_for("baseline", band) + questions_for("now", band)]
        assert listed == asked, label


def test_the_notices_and_letter_say_how_figures_are_protected_from_the_live_setting(
    client, auth, make_lead
):
    lead = make_lead(name="Ada Lead")
    school = lead.school
    standard = services.protection_for(school)
    begin_write()
    school.protection = "strong"
    db.session.commit()
    strong = services.protection_for(school)
    # Worked out by OpenDP from the mechanism: more noise, a smaller loss and a worse guess.
    assert strong.rho_question < standard.rho_question
    assert 50 < strong.two_choice_percent < standard.two_choice_percent < 80
    assert standard.rho_check_in > standard.rho_question > 0
    adults = client.get(f"/privacy?school={school.id}").get_data(as_text=True)
    assert "Figures have small random changes so that no pupil" in adults
    assert f"at most {strong.two_choice_percent} times in 100" in adults
    assert f"&rho; = {strong.rho_question} per question" in adults
    assert "uses the stronger setting" in adults
    default = client.get("/privacy").get_data(as_text=True)
    assert f"at most {standard.two_choice_percent} times in 100" in default
    pupils = client.get(f"/privacy/pupils?school={school.id}").get_data(as_text=True)
    assert "changed a tiny bit on purpose" in pupils  # the 7 to 11 version
    assert "small random changes so that no pupil" in pupils
    auth.login(lead)
    letter = squeezed(pdf_text(client.get("/documents/parent-letter.pdf").data))
    assert squeezed("Figures have small random changes so that no pupil's answers") in letter
    assert squeezed(f"at most {strong.two_choice_percent} times in 100") in letter

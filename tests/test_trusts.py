"""Trusts over HTTP, on SQLite and PostgreSQL: who reaches what (every school route is 404
for a trust's staff, trust routes 404 for a school's staff and another trust), the CLI, the
school lead's data page, and the summary's figures and downloads, audited.

The attacks of the privacy issue run through the trust's downloads too: padding a check-in
and downloading before and after one more check-in give no exact answer, because the trust's
figures are sums of the same stored released figures.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cmt_schools.accounts import services as accounts
from cmt_schools.checkins import release
from cmt_schools.checkins.models import CheckIn
from cmt_schools.core.access import PUBLIC, TRUST, access_rule_for
from cmt_schools.extensions import db
from cmt_schools.reports import synthetic
from cmt_schools.reports.services import summarise_term
from cmt_schools.trusts import services as trusts
from cmt_schools.trusts.models import TrustEvent

from .checkins_fixtures import released_figures
from .conftest import PASSWORD
from .reports_fixtures import add_checkin, add_lessons, make_class, make_term

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("cmt_schools.reports.views.staff_today", lambda: TODAY)
    monkeypatch.setattr("cmt_schools.trusts.views.trust_today", lambda: TODAY)


def sign_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def trust_user(trust, email):
    return accounts.create_trust_user(
        trust.id, email=email, name="Trust Officer", password=PASSWORD
    )


@pytest.fixture
def oak(app, make_school, make_lead, make_teacher):
    """Oak trust: two schools with a term, classes and check-ins; a second trust, Elm."""
    trust = trusts.create_trust("Oak Learning Trust")
    schools = []
    for index, (name, first) in enumerate((("Oakfield", 1), ("Riverside", 8))):
        school = make_school(name)
        lead = make_lead(school)
        teacher = make_teacher(school)
        make_term(school, first=date(2026, 9, first))
        rng = random.Random(index)
        for class_name, year in (("7A", 7), ("8A", 8)):
            school_class = make_class(school, teacher, f"{class_name} {name}", year)
            add_checkin(
                school_class, "baseline", date(2026, 9, 15), synthetic.term_answers(rng, 26)
            )
            add_checkin(
                school_class,
                "endpoint",
                date(2026, 11, 16),
                synthetic.term_answers(rng, 25, synthetic.END),
            )
            add_lessons(school_class, ["delivered", "delivered", "skipped"])
        trusts.add_school_to_trust(trust, school, sees_from=date(2026, 9, 1))
        schools.append((school, lead, teacher))
    elm = trusts.create_trust("Elm Schools Trust")
    return {
        "trust": trust,
        "schools": schools,
        "user": trust_user(trust, "officer@oak.example"),
        "elm": elm,
        "elm_user": trust_user(elm, "officer@elm.example"),
    }


def _path_for(app, rule) -> str:
    values = dict.fromkeys(rule.arguments, 1)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values, _external=False)


def test_a_trust_user_gets_404_from_every_school_route(app, oak):
    client = sign_in(app, oak["user"])
    walked = 0
    for rule in app.url_map.iter_rules():
        audience = access_rule_for(rule.endpoint)
        if PUBLIC in audience or TRUST in audience:
            continue
        path = _path_for(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            walked += 1
    assert walked > 40
    # Still signed in, and their own pages still open.
    assert client.get(f"/trusts/{oak['trust'].id}/").status_code == 200


@pytest.mark.parametrize("who", ["lead", "teacher", "other trust"])
def test_trust_routes_are_404_for_a_school_and_for_another_trust(app, oak, who):
    _school, lead, teacher = oak["schools"][0]
    user = {"lead": lead, "teacher": teacher, "other trust": oak["elm_user"]}[who]
    client = sign_in(app, user)
    trust_id = oak["trust"].id
    paths = [
        f"/trusts/{trust_id}/",
        f"/trusts/{trust_id}/summary",
        f"/trusts/{trust_id}/summary.pdf",
        f"/trusts/{trust_id}/summary.csv",
        f"/trusts/{trust_id}/log",
        f"/trusts/{trust_id}/summary?term=autumn-2026",
    ]
    if who != "other trust":
        paths.append("/trust")
    for path in paths:
        assert client.get(path).status_code == 404, path
    if who == "other trust":  # their own trust, with no schools yet, opens
        own = client.get("/trust", follow_redirects=True)
        assert own.status_code == 200 and "No school in the trust" in own.get_data(as_text=True)
        assert client.get("/account/confirm").status_code == 200
    assert (
        db.session.scalars(
            select(TrustEvent).where(TrustEvent.action == "trust.report_download")
        ).all()
        == []
    )


def test_the_trust_user_reads_the_dashboard_and_summary(app, oak):
    client = sign_in(app, oak["user"])
    landing = client.get("/", follow_redirects=True)
    assert landing.request.path == f"/trusts/{oak['trust'].id}/"
    html = landing.get_data(as_text=True)
    assert "Oakfield" in html and "Riverside" in html and "Autumn 2026" in html
    assert "The schools&#39; dates differ" in html or "The schools' dates differ" in html
    page = client.get(f"/trusts/{oak['trust'].id}/summary?term=autumn-2026")
    assert page.status_code == 200
    assert "By key stage and year group" in page.get_data(as_text=True)
    assert client.get(f"/trusts/{oak['trust'].id}/summary?term=winter-1999").status_code == 404
    assert client.get(f"/trusts/{oak['trust'].id}/log?page=0").status_code == 400


def test_a_school_total_is_the_same_number_on_the_trust_and_the_school_summary(app, oak):
    trust = oak["trust"]
    found = trusts.summary_for(trust, trusts.terms_of_trust(trust.id)[0], today=TODAY)
    for school, _lead, _teacher in oak["schools"]:
        own = summarise_term(school, school_terms(school)[0], today=TODAY)
        in_trust = found.school_group(school.id)
        for measure in ("worry", "self_compassion"):
            for wave in ("baseline", "endpoint"):
                mine, theirs = own.school.wave(measure, wave), in_trust.wave(measure, wave)
                assert mine.shown and theirs.shown
                assert (mine.n, mine.mean) == (theirs.n, theirs.mean)
    total = found.trust.wave("worry", "baseline")
    assert total.n == sum(
        found.school_group(s.id).wave("worry", "baseline").n for s, *_ in oak["schools"]
    )


def school_terms(school):
    from cmt_schools.scheduling.services import terms_of

    return terms_of(school.id, newest_first=True)


def test_downloads_are_audited_and_read_back(app, oak):
    client = sign_in(app, oak["user"])
    trust_id = oak["trust"].id
    response = client.get(f"/trusts/{trust_id}/summary.csv?term=autumn-2026")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf") and b"\r\n" in response.data
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert {row["level"] for row in rows} >= {"trust", "school", "key stage", "year group"}
    assert not any(row["level"] == "class" for row in rows)
    pdf = client.get(f"/trusts/{trust_id}/summary.pdf?term=autumn-2026")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Oak Learning Trust" in text and "By school" in text
    events = db.session.scalars(select(TrustEvent).where(TrustEvent.trust_id == trust_id)).all()
    assert sorted(e.detail for e in events if e.action == "trust.report_download") == [
        "Trust summary (CSV) for Autumn 2026",
        "Trust summary (PDF) for Autumn 2026",
    ]
    log = client.get(f"/trusts/{trust_id}/log").get_data(as_text=True)
    assert "Downloaded a trust summary" in log


def test_the_lead_sees_which_trust_sees_the_figures_and_from_when(app, oak, make_lead):
    _school, lead, _teacher = oak["schools"][0]
    html = sign_in(app, lead).get("/school/data").get_data(as_text=True)
    assert "Oak Learning Trust" in html and "Tuesday 1 September 2026" in html
    alone = make_lead()
    html = sign_in(app, alone).get("/school/data").get_data(as_text=True)
    assert "No trust or local authority sees" in html


def test_figures_before_a_school_joined_stay_its_own(app, oak):
    school, _lead, _teacher = oak["schools"][1]
    membership = trusts.membership_of(school.id)
    from cmt_schools.database import begin_write

    begin_write()
    membership.sees_from = date(2026, 10, 1)  # after its start-of-term check-ins
    db.session.commit()
    trust = oak["trust"]
    found = trusts.summary_for(trust, trusts.terms_of_trust(trust.id)[0], today=TODAY)
    group = found.school_group(school.id)
    assert group.held["baseline"] == 0 and group.held["endpoint"] == 2


# ---------------------------------------------------------------- the attacks


def _trust_figures(client, trust_id, level="school"):
    body = client.get(f"/trusts/{trust_id}/summary.csv?term=autumn-2026").data.decode("utf-8-sig")
    found = {}
    for row in csv.DictReader(io.StringIO(body)):
        if row["level"] == level and row["section"] == "wave" and row["value"]:
            found[(row["group"], row["measure"], row["wave"], row["statistic"])] = float(
                row["value"]
            )
    return found


def test_before_and_after_one_more_check_in_the_trust_download_gives_no_exact_answer(app, oak):
    school, _lead, teacher = oak["schools"][0]
    client = sign_in(app, oak["user"])
    trust_id = oak["trust"].id
    before = _trust_figures(client, trust_id)
    extra = make_class(school, teacher, "7Z Oakfield", 7)
    padding = [{"w1": 3, "w2": 3, "c1": 3, "c2": 3, "s1": 3, "g1": 3}] * 19
    target = {"w1": 1, "w2": 1, "c1": 5, "c2": 1, "s1": 5, "g1": 5}
    added = add_checkin(extra, "baseline", date(2026, 9, 16), [*padding, target])
    after = _trust_figures(client, trust_id)
    figures = released_figures(added.id)
    key = (school.name, "worry", "baseline", "n")
    added_n = min(20, max(0, int(figures[("worry", "n", 0)] + 0.5)))
    assert after[key] - before[key] == added_n
    # What differencing reaches is the new check-in's release, noise and all, never the
    # exact sum of the padding's 50s and the target's 0.
    released_sum = 12.5 * (figures[("worry", "sum", 0)] + 4 * figures[("worry", "n", 0)])
    assert released_sum != 19 * 50.0
    first_ids = db.session.scalars(
        select(CheckIn.id).where(CheckIn.school_id == school.id, CheckIn.kind == "baseline")
    ).all()
    n = sum(released_figures(cid)[("worry", "n", 0)] for cid in first_ids)
    total = sum(released_figures(cid)[("worry", "sum", 0)] for cid in first_ids)
    assert after[(school.name, "worry", "baseline", "mean")] == round(12.5 * (4 + total / n), 1)


def test_a_padded_check_in_reaches_the_trust_only_as_its_release(app, oak):
    school, _lead, teacher = oak["schools"][1]
    client = sign_in(app, oak["user"])
    padded = make_class(school, teacher, "8P Riverside", 8)
    # All but one answer known to the attacker; 20 answers, so the year group's noisy count
    # is surely above the threshold of 10 (with 10, the noise could hide it, before and after).
    padding = [{"w1": 1, "w2": 1, "c1": 1, "c2": 1, "s1": 1, "g1": 1}] * 19
    target = {"w1": 5, "w2": 4, "c1": 2, "c2": 5, "s1": 3, "g1": 2}
    before = _trust_figures(client, oak["trust"].id, level="year group")
    added = add_checkin(padded, "baseline", date(2026, 9, 17), [*padding, target])
    after = _trust_figures(client, oak["trust"].id, level="year group")
    figures = released_figures(added.id)
    changed = {k for k in after if before.get(k) != after[k]}
    # The padded check-in (20 answers) counts in Year 8 across schools, through its release.
    assert changed, "the padded check-in should count"
    # The trust's figures add the stored release, which the noise moved off the exact one.
    exact = {
        (s.measure, s.statistic, s.value): value
        for s, value in release.exact_statistics("baseline", [*padding, target]).items()
    }
    assert set(figures) == set(exact)
    assert any(abs(figures[key] - exact[key]) > 0.01 for key in figures)


# ---------------------------------------------------------------- the CLI


def test_the_cli_makes_a_trust_adds_a_school_and_a_trust_user(app, runner, make_school):
    school = make_school("Brook Primary")
    made = runner.invoke(args=["cmt", "create-trust", "--name", "Brook Trust"])
    assert made.exit_code == 0, made.output
    trust_id = int(made.output.split("Created trust ")[1].split(":")[0])
    ids = ["--trust-id", str(trust_id), "--school-id", str(school.id)]
    added = runner.invoke(args=["cmt", "add-school-to-trust", *ids, "--from", "2026-09-01"])
    assert added.exit_code == 0, added.output
    again = runner.invoke(
        args=[
            "cmt",
            "add-school-to-trust",
            "--trust-id",
            str(trust_id),
            "--school-id",
            str(school.id),
        ]
    )
    assert again.exit_code == 1 and "already in Brook Trust" in again.output
    base = [
        "cmt",
        "create-user",
        "--email",
        "t@brook.example",
        "--name",
        "T",
        "--password",
        PASSWORD,
    ]
    wrong = runner.invoke(args=[*base, "--role", "trust", "--school-id", str(school.id)])
    assert wrong.exit_code == 1 and "give --trust-id, not --school-id" in wrong.output
    wrong = runner.invoke(args=[*base, "--role", "lead", "--trust-id", str(trust_id)])
    assert wrong.exit_code == 1 and "give --school-id, not --trust-id" in wrong.output
    missing = runner.invoke(args=[*base, "--role", "trust", "--trust-id", "999"])
    assert missing.exit_code == 1 and "no trust with id 999" in missing.output
    assert accounts.find_user_by_email("t@brook.example") is None
    made = runner.invoke(args=[*base, "--role", "trust", "--trust-id", str(trust_id)])
    assert made.exit_code == 0, made.output
    user = accounts.find_user_by_email("t@brook.example")
    assert user.school_id is None and user.trust_id == trust_id and user.role == "trust"


def test_no_trust_page_or_download_reads_raw_answers(app, oak):
    """The guard (checkins/guard.py) refuses any request but a pupil's that reads raw
    answers; the trust's pages finalise a due check-in (the one step allowed to) and read
    released figures only."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from cmt_schools.checkins.models import AnswerSet
    from cmt_schools.database import begin_write
    from cmt_schools.scheduling.models import SchoolClass

    school, _lead, _teacher = oak["schools"][0]
    school_class = db.session.scalars(
        select(SchoolClass).where(SchoolClass.school_id == school.id)
    ).first()
    begin_write()
    due = CheckIn(
        school_id=school.id, class_id=school_class.id, kind="endpoint", band="ks3",
        join_code="TRUSTD", opened_on=date(2026, 11, 20),
        closes_at=datetime.now(UTC) - timedelta(minutes=5), max_answers=40,
    )  # fmt: skip
    db.session.add(due)
    db.session.flush()
    for value in range(1, 6):
        db.session.add(AnswerSet(id=str(uuid.uuid4()), check_in_id=due.id, w1=value, w2=value))
    db.session.commit()
    client = sign_in(app, oak["user"])
    trust_id = oak["trust"].id
    for path in ("/", "/summary?term=autumn-2026", "/summary.csv", "/summary.pdf", "/log"):
        response = client.get(f"/trusts/{trust_id}{path}")
        assert response.status_code == 200, path
    db.session.rollback()
    assert db.session.get(CheckIn, due.id).answer_count == 5
    assert released_figures(due.id)


def test_bad_input_to_the_trust_routes_is_refused_cleanly(app, oak):
    from cmt_schools.core.inputs import MAX_ID

    from .test_every_route_bad_input import BAD_VALUES

    client = sign_in(app, oak["user"])
    trust_id = oak["trust"].id
    before = db.session.scalar(select(func.count()).select_from(TrustEvent))
    for name, value in BAD_VALUES.items():
        for path in ("/", "/summary", "/summary.csv", "/summary.pdf", "/log"):
            response = client.get(
                f"/trusts/{trust_id}{path}", query_string={"term": value, "page": value}
            )
            # The log takes no term; a page Python reads as a number ("3" in Arabic-Indic
            # digits) is that page, as on a school's audit log.
            allowed = (200, 400) if path == "/log" else (400, 404)
            assert response.status_code in allowed, (name, path, response.status_code)
    for bad_id in (str(MAX_ID + 1), "9" * 20, "-1", "0"):
        assert client.get(f"/trusts/{bad_id}/summary").status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TrustEvent)) == before

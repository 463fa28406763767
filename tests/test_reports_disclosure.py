"""End to end: over random schools in the database, the CSV never gives a small group away.

The suppression floor works on the counts as published: each check-in's released (noisy)
count, rounded to a whole number and never above its number of answer sets, read here
straight from the released figures.

For random classes, year groups and answer counts, the summary is built from the database
and downloaded as CSV; the test then reads the CSV like someone trying to find a small
group: every published count must be 0 or at least the threshold, and so must every
difference one can take: a class minus the check-ins its own results pages show, a year
group minus its published classes (and those check-ins), and the school minus its
published year groups and classes. (The pure rule is checked exhaustively, against every
combination, in test_reports_protection.py.)
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import date, timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from cmt_schools.accounts import services as accounts
from cmt_schools.accounts.models import User
from cmt_schools.checkins.figures import ReleasedCheckIn
from cmt_schools.checkins.models import CheckIn, ReleasedFigure
from cmt_schools.checkins.release import Figure as ReleasedValue
from cmt_schools.checkins.release import Statistic
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.reports import exports, services, synthetic
from cmt_schools.scheduling.models import SchoolClass, Term

from .reports_fixtures import write_checkin

WEEK_ONE = date(2026, 9, 14)
_names = count(1)


def answer_counts(threshold):
    return st.lists(
        st.one_of(
            st.integers(min_value=1, max_value=max(1, threshold - 1)),
            st.integers(min_value=0, max_value=40),
        ),
        max_size=2,
    )


@st.composite
def layouts(draw):
    threshold = draw(st.integers(min_value=3, max_value=12))
    classes = []
    for year in draw(st.lists(st.sampled_from([7, 8, 9, 10]), min_size=1, max_size=3, unique=True)):
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            classes.append(
                {
                    "year": year,
                    "baseline": draw(answer_counts(threshold)),
                    "endpoint": draw(answer_counts(threshold)),
                    "now": [draw(answer_counts(threshold)) for _ in range(2)],
                }
            )
    return threshold, classes, draw(st.integers(min_value=0, max_value=10_000))


def build_school(lead_teacher_school, threshold, classes, seed):
    school, teacher = lead_teacher_school
    rng = random.Random(seed)
    begin_write()
    school.suppression_threshold = threshold
    term = Term(
        school_id=school.id, name=f"Term {next(_names)}", first_day=date(2026, 9, 1),
        last_day=date(2026, 12, 18),
    )  # fmt: skip
    db.session.add(term)
    made = []
    for number, spec in enumerate(classes):
        school_class = SchoolClass(
            school_id=school.id, teacher_id=teacher.id, name=f"C{number}", year_group=spec["year"]
        )
        db.session.add(school_class)
        db.session.flush()
        made.append(school_class)
        for kind, day in (("baseline", date(2026, 9, 8)), ("endpoint", date(2026, 12, 1))):
            for n in spec[kind]:
                wave = synthetic.START if kind == "baseline" else synthetic.END
                write_checkin(school_class, kind, day, synthetic.term_answers(rng, n, wave))
        for week, counts in enumerate(spec["now"]):
            for n in counts:
                day = WEEK_ONE + timedelta(weeks=week, days=rng.randrange(5))
                write_checkin(school_class, "now", day, synthetic.now_answers(rng, n, 3.0))
    db.session.commit()
    return term, made


def leaf_counts(school_id, column):
    """class name -> [count of each check-in] for one column, straight from the database."""
    section, measure, wave = column
    result = defaultdict(list)
    checkins = db.session.execute(
        select(CheckIn.id, CheckIn.kind, CheckIn.opened_on, CheckIn.answer_count, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == CheckIn.class_id)
        .where(CheckIn.school_id == school_id)
    ).all()
    # The counts as published: each check-in's released figures read as the app reads them
    # (the count of an item or index, rounded, never above the answer sets), so the test
    # checks the promise on exactly the numbers a reader sees.
    figures = defaultdict(list)
    for row in db.session.scalars(
        select(ReleasedFigure)
        .join(CheckIn, CheckIn.id == ReleasedFigure.check_in_id)
        .where(CheckIn.school_id == school_id)
    ):
        statistic = Statistic(row.measure, row.statistic, row.value)
        figures[row.check_in_id].append(
            ReleasedValue(statistic, row.numerator, row.weight, row.noise_sd)
        )
    kinds = {check_in_id: kind for check_in_id, kind, _, _, _ in checkins}
    answer_counts = {check_in_id: n for check_in_id, _, _, n, _ in checkins}

    def published_count(check_in_id, measure):
        released = ReleasedCheckIn.of(
            kinds[check_in_id], answer_counts[check_in_id], figures[check_in_id]
        )
        return released.moments(measure).count

    for check_in_id, kind, opened_on, answer_count, name in checkins:
        if section == "participation" and kind == wave:
            result[name].append(answer_count)
        elif section == "wave" and kind == wave:
            result[name].append(published_count(check_in_id, measure))
        elif (
            section == "weekly"
            and kind == "now"
            and services.week_of(opened_on).isoformat() == wave
        ):
            result[name].append(published_count(check_in_id, "right_now"))
    return result


def assert_safe(value, threshold, what):
    assert value == 0 or value >= threshold, f"{what} reveals a group of {value} (< {threshold})"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(layout=layouts())
def test_no_number_in_the_csv_reveals_a_group_below_the_threshold(app, layout):
    threshold, classes, seed = layout
    school = accounts.create_school(f"Random school {next(_names)}", "england")
    begin_write()
    teacher = User(school_id=school.id, email=f"t{next(_names)}@random.example", name="T")
    db.session.add(teacher)
    db.session.commit()
    term, made = build_school((school, teacher), threshold, classes, seed)
    summary = services.summarise_term(school, term, today=date(2026, 12, 18))
    rows = list(
        csv.DictReader(io.StringIO(exports.to_csv(summary).decode("utf-8").lstrip("\ufeff")))
    )
    year_of = {c.name: f"Year {c.year_group}" for c in made}

    columns = defaultdict(dict)  # (section, measure, wave) -> {(level, group): n or None}
    for row in rows:
        if row["statistic"] in ("n", "answer_sets"):
            key = (row["section"], row["measure"], row["wave"])
            value = int(row["value"]) if row["value"] != "" else None
            columns[key][(row["level"], row["group"])] = value
            if value is None:
                assert row["note"], "a hidden cell says why"
    assert columns, "the CSV has count columns"
    for column, cells in columns.items():
        leaves = leaf_counts(school.id, column)
        alone = {name: sum(n for n in counts if n >= threshold) for name, counts in leaves.items()}
        for (level, name), value in cells.items():
            if value is not None:
                assert_safe(value, threshold, f"{column} {level} {name}")
        published_class = {
            name: value for (level, name), value in cells.items()
            if level == "class" and value is not None
        }  # fmt: skip
        published_year = {
            name: value for (level, name), value in cells.items()
            if level == "year group" and value is not None
        }  # fmt: skip
        for name, value in published_class.items():
            assert_safe(
                value - alone.get(name, 0), threshold, f"{column} class {name} minus its check-ins"
            )
        for year, value in published_year.items():
            rest = value
            for name, class_year in year_of.items():
                if class_year != year:
                    continue
                rest -= published_class.get(name, alone.get(name, 0))
            assert_safe(rest, threshold, f"{column} {year} minus its published parts")
        school_value = cells.get(("school", school.name))
        if school_value is not None:
            rest = school_value
            for year in set(year_of.values()):
                if year in published_year:
                    rest -= published_year[year]
                    continue
                for name, class_year in year_of.items():
                    if class_year == year:
                        rest -= published_class.get(name, alone.get(name, 0))
            assert_safe(rest, threshold, f"{column} school minus its published parts")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(layout=layouts())
def test_totals_agree_across_views_and_downloads(app, layout):
    """Released figures are stored once, so every view gives the same number every time, and
    a group's answer count is the sum of its parts wherever all its parts are shown."""
    threshold, classes, seed = layout
    school = accounts.create_school(f"Random school {next(_names)}", "england")
    begin_write()
    teacher = User(school_id=school.id, email=f"t{next(_names)}@random.example", name="T")
    db.session.add(teacher)
    db.session.commit()
    term, _ = build_school((school, teacher), threshold, classes, seed)
    summary = services.summarise_term(school, term, today=date(2026, 12, 18))
    again = services.summarise_term(school, term, today=date(2026, 12, 18))
    first_csv, second_csv = exports.to_csv(summary), exports.to_csv(again)
    assert first_csv == second_csv  # the same numbers, every time
    rows = list(csv.DictReader(io.StringIO(first_csv.decode("utf-8").lstrip("\ufeff"))))
    by_cell = {
        (r["level"], r["group"], r["section"], r["measure"], r["wave"], r["statistic"]): r["value"]
        for r in rows
    }
    levels = {"school": "school", "year": "year group", "class": "class"}
    for group in summary.groups():
        for (measure, wave), figure in group.waves.items():
            key = (levels[group.level], group.label, "wave", measure, wave, "n")
            if figure.shown:
                assert int(by_cell[key]) == figure.n
        for parent_level in ("year", "school"):
            if group.level != parent_level:
                continue
            for (measure, wave), figure in group.waves.items():
                parts = [child.waves[(measure, wave)] for child in group.children]
                if not figure.shown or not all(part.shown for part in parts):
                    continue
                # (A withheld check-in is in no figure at any level, so the sum holds.)
                assert figure.n == sum(part.n for part in parts), (group.label, measure, wave)

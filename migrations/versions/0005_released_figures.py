"""released figures: each finalised check-in's figures drawn once with noise; exact tallies go

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 15:00:00

Every check-in finalised before this migration gets its release now, drawn once with the
app's mechanism (cmt_schools/checkins/release.py, OpenDP's discrete Gaussian): from its
answer sets where they are still held, else from its old exact tallies (whose raw answers
were purged; those have no "answered at least one question" figure). Then the exact
tallies are dropped, so nothing already shown becomes exact, and nothing changes again.

Downgrading recreates the tallies from the answer sets still held; check-ins whose raw
answers were purged have no exact figures any more (by design), so they come back with no
tallies at all.
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

from cmt_schools.checkins import release
from cmt_schools.checkins.scoring import tally

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ITEMS = ("w1", "w2", "c1", "c2", "s1", "g1", "right_now")

check_in = sa.table(
    "check_in",
    sa.column("id", sa.Integer),
    sa.column("school_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("answer_count", sa.Integer),
)
school = sa.table(
    "school", sa.column("id", sa.Integer), sa.column("suppression_threshold", sa.Integer)
)
answer_set = sa.table(
    "answer_set", sa.column("check_in_id", sa.Integer), *(sa.column(i, sa.SmallInteger) for i in ITEMS)
)
tally_table = sa.table(
    "check_in_tally",
    sa.column("id", sa.Integer),
    sa.column("check_in_id", sa.Integer),
    sa.column("measure", sa.String),
    sa.column("value", sa.Float),
    sa.column("n", sa.Integer),
)


def _create_tables():
    op.create_table(
        "check_in_release",
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("mechanism", sa.String(length=40), nullable=False),
        sa.Column("protection", sa.String(length=10), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_in.id"],
            name=op.f("fk_check_in_release_check_in_id_check_in"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("check_in_id", name=op.f("pk_check_in_release")),
    )
    op.create_table(
        "released_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("statistic", sa.String(length=10), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.Column("noise_sd", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_in_release.check_in_id"],
            name=op.f("fk_released_figure_check_in_id_check_in_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_released_figure")),
        sa.UniqueConstraint(
            "check_in_id",
            "measure",
            "statistic",
            "value",
            name=op.f("uq_released_figure_check_in_id"),
        ),
    )


def _exact_from_tallies(kind, answer_count, tallies):
    """Exact statistics from old tallies (measure, value, n): all but "answered any"."""
    exact = {}
    for statistic in release.statistics_for(kind):
        if statistic.measure == release.ANY_ANSWER:
            continue
        exact[statistic] = 0
    for measure, value, n in tallies:
        if measure in release.INDICES:
            step = round(value / release.INDEX_STEP) - release.INDEX_MIDDLE
            exact[release.Statistic(measure, "n")] += n
            exact[release.Statistic(measure, "sum")] += n * step
            exact[release.Statistic(measure, "sum_sq")] += n * step * step
        elif measure in release.items_of(kind):
            exact[release.Statistic(measure, "count", int(value))] += n
    for item in release.items_of(kind):
        answered = sum(exact[release.Statistic(item, "count", v)] for v in release.ITEM_VALUES)
        exact[release.Statistic(item, "count", release.SKIPPED)] = max(0, answer_count - answered)
    return exact


def upgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("protection", sa.String(length=10), server_default="standard", nullable=False)
        )
    _create_tables()
    bind = op.get_bind()
    thresholds = dict(bind.execute(sa.select(school.c.id, school.c.suppression_threshold)).all())
    level = release.LEVELS[release.DEFAULT_LEVEL]
    today = date.today()
    finalised = bind.execute(
        sa.select(check_in.c.id, check_in.c.school_id, check_in.c.kind, check_in.c.answer_count)
        .where(check_in.c.answer_count.is_not(None))
        .order_by(check_in.c.id)
    ).all()
    releases, figures = [], []
    for check_in_id, school_id, kind, answer_count in finalised:
        held = [
            dict(row._mapping)
            for row in bind.execute(
                sa.select(*(answer_set.c[i] for i in ITEMS)).where(
                    answer_set.c.check_in_id == check_in_id
                )
            )
        ]
        if held or not answer_count:
            exact = release.exact_statistics(kind, held)
        else:
            tallies = bind.execute(
                sa.select(tally_table.c.measure, tally_table.c.value, tally_table.c.n).where(
                    tally_table.c.check_in_id == check_in_id
                )
            ).all()
            exact = _exact_from_tallies(kind, answer_count, tallies)
        drawn = release.release_statistics(kind, exact, level)
        releases.append(
            {
                "check_in_id": check_in_id,
                "mechanism": release.MECHANISM,
                "protection": level.key,
                "threshold": int(thresholds.get(school_id) or 10),
                "released_on": today,
            }
        )
        figures += [
            {
                "check_in_id": check_in_id,
                "measure": figure.statistic.measure,
                "statistic": figure.statistic.statistic,
                "value": figure.statistic.value,
                "numerator": figure.numerator,
                "weight": figure.weight,
                "noise_sd": figure.noise_sd,
            }
            for figure in drawn
        ]
    if releases:
        op.bulk_insert(sa.table("check_in_release", *(sa.column(k) for k in releases[0])), releases)
    if figures:
        op.bulk_insert(sa.table("released_figure", *(sa.column(k) for k in figures[0])), figures)
    op.drop_table("check_in_tally")


def downgrade():
    op.create_table(
        "check_in_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_in.id"],
            name=op.f("fk_check_in_tally_check_in_id_check_in"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_tally")),
        sa.UniqueConstraint(
            "check_in_id", "measure", "value", name=op.f("uq_check_in_tally_check_in_id")
        ),
    )
    bind = op.get_bind()
    finalised = bind.execute(
        sa.select(check_in.c.id, check_in.c.kind).where(check_in.c.answer_count.is_not(None))
    ).all()
    rows = []
    for check_in_id, kind in finalised:
        held = [
            dict(row._mapping)
            for row in bind.execute(
                sa.select(*(answer_set.c[i] for i in ITEMS)).where(
                    answer_set.c.check_in_id == check_in_id
                )
            )
        ]
        measures = {"right_now"} if kind == "now" else {*ITEMS[:6], *release.INDICES}
        for (measure, value), n in sorted(tally(held).items()):
            if measure in measures:
                rows.append({"check_in_id": check_in_id, "measure": measure, "value": value, "n": n})
    if rows:
        op.bulk_insert(tally_table, rows)
    op.drop_table("released_figure")
    op.drop_table("check_in_release")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("protection")

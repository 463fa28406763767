"""trusts: a trust holds schools and sees their released figures; trust staff have no school

Revision ID: 0006t
Revises: 0005
Create Date: 2026-12-04 19:20:00

A trust's staff belong to a trust and to no school, so user.school_id may now be empty and
user.trust_id names the trust. Downgrading deletes trust staff first (they have no school to
return to), then the trust tables.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006t"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trust",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust")),
    )
    op.create_table(
        "trust_school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("sees_from", sa.Date(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trust_id"], ["trust.id"], name=op.f("fk_trust_school_trust_id_trust"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_trust_school_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_school")),
        sa.UniqueConstraint("school_id", name="uq_trust_school_school"),
    )
    with op.batch_alter_table("trust_school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trust_school_trust_id"), ["trust_id"], unique=False)
    op.create_table(
        "trust_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trust_id"], ["trust.id"], name=op.f("fk_trust_event_trust_id_trust"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_trust_event_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_event")),
    )
    with op.batch_alter_table("trust_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_trust_event_trust_created", ["trust_id", "created_at"], unique=False
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trust_id", sa.Integer(), nullable=True))
        batch_op.alter_column("school_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_user_trust_id_trust"), "trust", ["trust_id"], ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_user_trust_id"), ["trust_id"], unique=False)


def downgrade():
    op.execute(sa.text("DELETE FROM \"user\" WHERE school_id IS NULL"))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_trust_id"))
        batch_op.drop_constraint(batch_op.f("fk_user_trust_id_trust"), type_="foreignkey")
        batch_op.drop_column("trust_id")
        batch_op.alter_column("school_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("trust_event", schema=None) as batch_op:
        batch_op.drop_index("ix_trust_event_trust_created")
    op.drop_table("trust_event")
    with op.batch_alter_table("trust_school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trust_school_trust_id"))
    op.drop_table("trust_school")
    op.drop_table("trust")

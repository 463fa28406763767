"""renders: a rendered file may be a trust's (its summaries), not only a school's

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:30:00

Trust summaries (PDF and CSV) are now rendered by the worker like a school's, and kept in
rendered_file with the trust as their owner: school_id may be empty and trust_id names the
trust. Downgrading deletes the trusts' files first (school_id cannot be empty before).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rendered_file") as batch_op:
        batch_op.alter_column("school_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("trust_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_rendered_file_trust_id_trust"),
            "trust",
            ["trust_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_rendered_file_trust_id"), ["trust_id"], unique=False)


def downgrade():
    op.execute("DELETE FROM rendered_file WHERE school_id IS NULL")
    with op.batch_alter_table("rendered_file") as batch_op:
        batch_op.drop_index(batch_op.f("ix_rendered_file_trust_id"))
        batch_op.drop_constraint(batch_op.f("fk_rendered_file_trust_id_trust"), type_="foreignkey")
        batch_op.drop_column("trust_id")
        batch_op.alter_column("school_id", existing_type=sa.Integer(), nullable=False)

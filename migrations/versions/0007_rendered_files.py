"""renders: rendered packs and term summaries, kept in the database for every host to serve

Revision ID: 0007
Revises: 0006t
Create Date: 2026-12-07 03:00:00

Packs were kept in a folder of each host's (instance/pack-cache/, which can now be
deleted); a worker now renders them, and term summaries, into this table.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006t"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rendered_file",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_rendered_file_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rendered_file")),
    )
    with op.batch_alter_table("rendered_file") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rendered_file_school_id"), ["school_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rendered_file_created_at"), ["created_at"], unique=False
        )


def downgrade():
    op.drop_table("rendered_file")

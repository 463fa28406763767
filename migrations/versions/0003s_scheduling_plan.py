"""scheduling: a class's weekly pattern and an occurrence's iCalendar sequence

Revision ID: 0003s
Revises: 0002
Create Date: 2026-11-22 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003s'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lesson_weekdays', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('lesson_starts_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('lesson_minutes', sa.Integer(), nullable=True))

    with op.batch_alter_table('lesson_occurrence', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('sequence', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('lesson_occurrence', schema=None) as batch_op:
        batch_op.drop_column('sequence')

    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.drop_column('lesson_minutes')
        batch_op.drop_column('lesson_starts_at')
        batch_op.drop_column('lesson_weekdays')

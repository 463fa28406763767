"""school help stamp: changes whenever the help shown to pupils changes

Revision ID: 0004
Revises: 0003o
Create Date: 2026-12-02 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003o'
branch_labels = None
depends_on = None


def upgrade():
    # Existing schools share a first stamp; keys pair it with the school's id, and every
    # later change (and every new school) gets a random one.
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('help_stamp', sa.String(length=32), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('help_stamp')

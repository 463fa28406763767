"""school help stamp: changes whenever the help shown to pupils changes

Revision ID: 0004
Revises: 0003o
Create Date: 2026-12-02 21:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003o'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('help_stamp', sa.String(length=32), server_default='0', nullable=False)
        )
    # Each existing school gets a random stamp of its own, as a new school does, so no two
    # schools (in any database) share one.
    school = sa.table('school', sa.column('id', sa.Integer), sa.column('help_stamp', sa.String))
    bind = op.get_bind()
    for (school_id,) in bind.execute(sa.select(school.c.id)).all():
        bind.execute(
            school.update()
            .where(school.c.id == school_id)
            .values(help_stamp=secrets.token_hex(16))
        )


def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('help_stamp')

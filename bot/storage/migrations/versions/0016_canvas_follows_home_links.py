"""The canvas kept current: its state (making, live, stopped and why), the pinned-message fallback, what it last
showed; the latest picture of each map; each prompt's permalink (the Home tab links to it)

Revision ID: 0016
Revises: 0013
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models

revision: str = '0016'
down_revision: str | None = '0013'  # after main's head (evidence's 0013, after 0018); the lead re-chains when merging
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('canvas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='live'))
        batch_op.add_column(sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('shown', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('stopped_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt_permalink', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        'mappicture',
        sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('ts', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('permalink', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('posted_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id']),
        sa.PrimaryKeyConstraint('team_id', 'workshop_id'),
    )


def downgrade() -> None:
    op.drop_table('mappicture')
    with op.batch_alter_table('step', schema=None) as batch_op:
        batch_op.drop_column('prompt_permalink')
    with op.batch_alter_table('canvas', schema=None) as batch_op:
        batch_op.drop_column('stopped_reason')
        batch_op.drop_column('shown')
        batch_op.drop_column('message_ts')
        batch_op.drop_column('status')

"""Canvases: the canvas (channel or standalone) that shows a channel's workshop map, kept in sync

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'canvas',
        sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('canvas_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id']),
        sa.PrimaryKeyConstraint('team_id', 'channel_id'),
    )


def downgrade() -> None:
    op.drop_table('canvas')

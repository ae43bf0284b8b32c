"""Reviews and metrics: a closed map's review (its snapshot, pages, re-ratings and pain point answers) and named
figures per stage

Revision ID: 0014
Revises: 0016
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models

revision: str = '0014'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = bot.storage.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', _TEXT(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('channel_id', _TEXT(), nullable=False),
        sa.Column('status', _TEXT(), nullable=False),
        sa.Column('snapshot', _TEXT(), nullable=False),
        sa.Column('reminder_id', sa.Integer(), nullable=True),
        sa.Column('opened_by', _TEXT(), nullable=False),
        sa.Column('opened_at', _WHEN(timezone=True), nullable=False),
        sa.Column('closed_by', _TEXT(), nullable=True),
        sa.Column('closed_at', _WHEN(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('workshop_id', 'number', name='uq_review_number'),
    )
    op.create_index('ix_review_team_id', 'review', ['team_id'])
    op.create_index('ix_review_workshop_id', 'review', ['workshop_id'])
    op.create_index('uq_open_review_per_workshop', 'review', ['team_id', 'workshop_id'], unique=True,
                    sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    op.create_table(
        'metric',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', _TEXT(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('stage_id', sa.Integer(), nullable=False),
        sa.Column('name', _TEXT(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('shown', _TEXT(), nullable=False),
        sa.Column('recorded_by', _TEXT(), nullable=False),
        sa.Column('recorded_at', _WHEN(timezone=True), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['review_id'], ['review.id']),
        sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_metric_team_id', 'metric', ['team_id'])
    op.create_index('ix_metric_workshop_id', 'metric', ['workshop_id'])
    op.create_table(
        'reviewmark',
        sa.Column('team_id', _TEXT(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('user_id', _TEXT(), nullable=False),
        sa.Column('outcome', _TEXT(), nullable=False),
        sa.Column('at', _WHEN(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['review.id']),
        sa.PrimaryKeyConstraint('team_id', 'review_id', 'number', 'user_id'),
    )
    op.create_table(
        'reviewmessage',
        sa.Column('team_id', _TEXT(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('ts', _TEXT(), nullable=True),
        sa.ForeignKeyConstraint(['review_id'], ['review.id']),
        sa.PrimaryKeyConstraint('team_id', 'review_id', 'page'),
    )
    op.create_table(
        'reviewrating',
        sa.Column('team_id', _TEXT(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('stage_id', sa.Integer(), nullable=False),
        sa.Column('user_id', _TEXT(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('department', _TEXT(), nullable=True),
        sa.Column('at', _WHEN(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['review.id']),
        sa.ForeignKeyConstraint(['stage_id'], ['stage.id']),
        sa.PrimaryKeyConstraint('team_id', 'review_id', 'stage_id', 'user_id'),
    )


def downgrade() -> None:
    op.drop_table('reviewrating')
    op.drop_table('reviewmessage')
    op.drop_table('reviewmark')
    op.drop_index('ix_metric_workshop_id', table_name='metric')
    op.drop_index('ix_metric_team_id', table_name='metric')
    op.drop_table('metric')
    op.drop_index('uq_open_review_per_workshop', table_name='review')
    op.drop_index('ix_review_workshop_id', table_name='review')
    op.drop_index('ix_review_team_id', table_name='review')
    op.drop_table('review')

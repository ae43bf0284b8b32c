"""Evidence: Slack messages filed into a workshop's map with the "Add to journey map" shortcut

Revision ID: 0013
Revises: 0018
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models

revision: str = '0013'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('stage_id', sa.Integer(), nullable=True),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('source_channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('source_ts', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('filed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_workshop_id'), ['workshop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_team_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_item_id'))
    op.drop_table('evidence')

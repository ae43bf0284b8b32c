"""Opportunities that get done: each opportunity's number (O1, O2, … per workshop), value, effort and owner

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.models

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'opportunityrating',
        sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=True),
        sa.Column('effort', sa.Integer(), nullable=True),
        sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('updated_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id']),
        sa.PrimaryKeyConstraint('item_id'),
    )
    with op.batch_alter_table('opportunityrating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunityrating_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunityrating_workshop_id'), ['workshop_id'], unique=False)
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opportunity_number', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_item_opportunity_number', ['workshop_id', 'opportunity_number'])
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opportunity_numbers', sa.Integer(), nullable=False, server_default='0'))

    # Number the opportunities people already gave, in the order they gave them, workshop by workshop.
    op.execute("""
        UPDATE item SET opportunity_number = (
            SELECT COUNT(*) FROM item AS earlier
            WHERE earlier.workshop_id = item.workshop_id AND earlier.kind = 'opportunity' AND earlier.id <= item.id)
        WHERE kind = 'opportunity'""")
    op.execute("""
        UPDATE workshop SET opportunity_numbers = (
            SELECT COALESCE(MAX(opportunity_number), 0) FROM item WHERE item.workshop_id = workshop.id)""")


def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('opportunity_numbers')
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('uq_item_opportunity_number', type_='unique')
        batch_op.drop_column('opportunity_number')
    with op.batch_alter_table('opportunityrating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunityrating_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_opportunityrating_team_id'))
    op.drop_table('opportunityrating')

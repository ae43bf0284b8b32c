"""Merges remember the merges they took members from, so undoing one gives those back

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('painmerge') as batch:
        batch.add_column(sa.Column('absorbed', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                   server_default='{}'))
        batch.add_column(sa.Column('superseded_by', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('painmerge') as batch:
        batch.drop_column('superseded_by')
        batch.drop_column('absorbed')

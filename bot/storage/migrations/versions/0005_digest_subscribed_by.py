"""Who subscribed someone to a digest (only they or the subscriber may end it)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing subscriptions keep NULL: who made them was never recorded, so only the subscriber may end them.
    with op.batch_alter_table('digestsubscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscribed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('digestsubscription', schema=None) as batch_op:
        batch_op.drop_column('subscribed_by')

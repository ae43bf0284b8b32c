"""A participant's own workspace, kept with their answers and profile (Slack Connect: a partner organisation)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_team', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('userprofile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_team', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('userprofile', schema=None) as batch_op:
        batch_op.drop_column('user_team')
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_column('user_team')

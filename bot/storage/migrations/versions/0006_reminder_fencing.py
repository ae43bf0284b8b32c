"""Reminder fencing: a claim token, and a mark for attempts whose outcome is unknown

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('maybe_sent', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Before this version a failed post (a 5xx included) went back to the queue to be posted again blindly; a row
    # waiting for that retry may already be in Slack, so it is looked up first.
    op.execute("UPDATE reminder SET maybe_sent = true WHERE status = 'pending' AND last_error IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_column('maybe_sent')
        batch_op.drop_column('claim_token')

"""Pain point numbers, merges as part of the map, display names on profiles

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'painmerge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('statement', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('synthesis_id', sa.Integer(), nullable=True),
        sa.Column('cluster', sa.Integer(), nullable=True),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['synthesis_id'], ['synthesis.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('painmerge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_painmerge_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_painmerge_workshop_id'), ['workshop_id'], unique=False)
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pain_numbers', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merge_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_item_merge_id'), ['merge_id'], unique=False)
        batch_op.create_unique_constraint('uq_item_number', ['workshop_id', 'number'])
        batch_op.create_foreign_key('fk_item_merge_id_painmerge', 'painmerge', ['merge_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('userprofile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    # Number the pain points people already gave, in the order they gave them, workshop by workshop.
    op.execute("""
        UPDATE item SET number = (
            SELECT COUNT(*) FROM item AS earlier
            WHERE earlier.workshop_id = item.workshop_id AND earlier.kind = 'pain_point' AND earlier.id <= item.id)
        WHERE kind = 'pain_point'""")
    op.execute("""
        UPDATE workshop SET pain_numbers = (
            SELECT COALESCE(MAX(number), 0) FROM item WHERE item.workshop_id = workshop.id)""")
    _apply_latest_syntheses()


def _apply_latest_syntheses() -> None:
    """A synthesis's merges, which until now only its post showed, become part of the map: each workshop's latest
    synthesis, minus the merges people undid."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("""
        SELECT s.id, s.team_id, s.workshop_id, s.result, s.undone, s.created_by, s.created_at FROM synthesis AS s
        WHERE s.id = (SELECT MAX(id) FROM synthesis AS later WHERE later.workshop_id = s.workshop_id)""")).all()
    for sid, team_id, workshop_id, result, undone, created_by, created_at in rows:
        try:
            clusters = json.loads(result).get("clusters") or []
            undone_set = set(json.loads(undone or "[]"))
        except (ValueError, AttributeError):
            continue
        taken: set[int] = set()
        for index, cluster in enumerate(clusters):
            ids = [i for i in cluster.get("item_ids") or [] if isinstance(i, int) and i not in taken]
            if index in undone_set or len(ids) < 2:
                continue
            alive = [r[0] for r in bind.execute(
                sa.text("SELECT id FROM item WHERE workshop_id = :w AND kind = 'pain_point' AND merge_id IS NULL "
                        "AND id IN (" + ",".join(str(int(i)) for i in ids) + ")"), {"w": workshop_id})]
            if len(alive) < 2:
                continue
            merge_id = bind.execute(sa.text(
                "INSERT INTO painmerge (team_id, workshop_id, statement, source, synthesis_id, cluster, created_by, "
                "created_at) VALUES (:t, :w, :s, 'synthesis', :sid, :c, :by, :at) RETURNING id"),
                {"t": team_id, "w": workshop_id, "s": str(cluster.get("statement") or "")[:500], "sid": sid,
                 "c": index, "by": created_by, "at": created_at}).scalar_one()
            bind.execute(sa.text("UPDATE item SET merge_id = :m WHERE id IN (" + ",".join(map(str, alive)) + ")"),
                         {"m": merge_id})
            taken.update(alive)


def downgrade() -> None:
    with op.batch_alter_table('userprofile', schema=None) as batch_op:
        batch_op.drop_column('name')
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('fk_item_merge_id_painmerge', type_='foreignkey')
        batch_op.drop_constraint('uq_item_number', type_='unique')
        batch_op.drop_index(batch_op.f('ix_item_merge_id'))
        batch_op.drop_column('merge_id')
        batch_op.drop_column('number')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('pain_numbers')
    with op.batch_alter_table('painmerge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_painmerge_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_painmerge_team_id'))
    op.drop_table('painmerge')

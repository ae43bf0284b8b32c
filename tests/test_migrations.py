"""The schema comes from the migrations in bot/storage/migrations; they must match the models exactly, so a
model change without a migration fails here rather than on somebody's production database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"the models changed without a migration: {diff}"


def test_the_database_records_its_schema_version(engine):
    """The version stored is the newest migration's, so the next start-up knows there is nothing to upgrade."""
    from alembic.script import ScriptDirectory

    from bot.storage.db import alembic_config

    with engine.connect() as conn:
        version = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
    assert head is not None and version == head


def test_a_database_from_the_first_release_upgrades_with_its_data(tmp_path):
    from datetime import UTC, datetime

    import pytest
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from bot.storage.db import alembic_config, make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(sa.text("INSERT INTO workshop (team_id, channel_id, title, template, map_type, status, "
                             "created_by, created_at) VALUES ('T', 'C', 'Old map', 'buyer', 'current', 'open', 'U', "
                             ":now)"), {"now": datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)})
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with engine.begin() as conn:
        row = conn.execute(sa.text("SELECT title, review_after_days FROM workshop")).one()
        assert tuple(row) == ("Old map", 90)
    # The partial unique index survived the table rebuild: a closed one may share the channel, a second open not.
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO workshop (team_id, channel_id, title, template, map_type, status, "
                             "created_by, created_at, review_after_days) VALUES ('T', 'C', 'Closed', 'buyer', "
                             "'current', 'closed', 'U', '2026-01-02', 90)"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO workshop (team_id, channel_id, title, template, map_type, status, "
                             "created_by, created_at, review_after_days) VALUES ('T', 'C', 'Second', 'buyer', "
                             "'current', 'open', 'U', '2026-01-02', 90)"))

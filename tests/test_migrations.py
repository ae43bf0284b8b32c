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
    with engine.connect() as conn:
        version = MigrationContext.configure(conn).get_current_revision()
    assert version is not None

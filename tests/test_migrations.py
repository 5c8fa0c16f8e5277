"""The Alembic migrations create exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from publisher.queue.db import make_engine, migrate
from publisher.queue.models import Base


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = make_engine("sqlite:///schema.db", tmp_path)
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []

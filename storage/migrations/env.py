"""Alembic environment: runs Moot's migrations against the connection or URL it is given."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.conversations
import storage.leases
import storage.meetings
import storage.models
import storage.outbox
import storage.polls
import storage.repairs
import storage.web  # noqa: F401
from storage.engine import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None, "storage.migrate sets sqlalchemy.url"
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()

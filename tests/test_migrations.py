"""Alembic's migrations build exactly the schema the models describe."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel

import storage.conversations
import storage.models
import storage.outbox
import storage.polls  # noqa: F401
from bot.meetings.calendar import meeting_events
from bot.meetings.views import load
from bot.scheduler import job_key
from storage import migrate
from storage.engine import make_engine, prepare_sqlite_file
from storage.meetings import Meeting
from storage.migrate import alembic_config, head_revision, stored_revisions, upgrade


def test_migrations_produce_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert differences == []
    assert {"person", "account", "community", "chat", "membership", "scheduledjob"} <= tables


def test_the_head_read_from_the_scripts_is_alembics(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'moot.db'}"
    assert head_revision() == ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def test_a_current_database_is_not_handed_to_alembic(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start-up only reads the recorded revision; Alembic is imported when there is work."""
    assert stored_revisions(database_url) == {head_revision()}

    def refuse(*_args: object) -> None:
        raise AssertionError("Alembic was asked to upgrade a current database")

    monkeypatch.setattr(command, "upgrade", refuse)
    upgrade(database_url)


def test_a_database_behind_or_new_is_migrated(tmp_path: Path) -> None:
    behind = f"sqlite:///{tmp_path / 'behind.db'}"
    prepare_sqlite_file(behind)
    command.upgrade(alembic_config(behind), "0019")
    new = f"sqlite:///{tmp_path / 'new.db'}"
    assert stored_revisions(new) == set()
    for url in (behind, new):
        upgrade(url)
        assert stored_revisions(url) == {head_revision()}


def test_scripts_it_cannot_read_plainly_leave_the_check_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "versions" / "0002_b.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    monkeypatch.setattr(migrate, "MIGRATIONS", tmp_path)
    assert head_revision() == "0002"
    (tmp_path / "versions" / "0003_merge.py").write_text(
        'revision = "0003"\ndown_revision = ("0001", "0002")\n'
    )
    assert head_revision() is None


def test_meetings_made_before_0021_keep_their_calendar_uids(tmp_path: Path) -> None:
    """Calendars that imported a meeting before installation-unique UIDs hold it as
    `meeting-<id>@moot` (a series as `series-<id>@moot`); the upgrade keeps those, so no event
    shows twice."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    before = ScriptDirectory.from_config(config).get_revision("0021").down_revision
    assert isinstance(before, str)
    prepare_sqlite_file(url)
    command.upgrade(config, before)
    at = "'2026-11-23 09:00:00.000000'"
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in (
            f"INSERT INTO person (id, name, created_at) VALUES (1, 'Host', {at})",
            "INSERT INTO community (id, name, timezone, join_policy, chat_code, created_at) "
            f"VALUES (1, 'Elm Court', 'Europe/London', 'open', 'CHAT-OLD', {at})",
            "INSERT INTO meetingseries (id, community_id, rule, timezone) "
            "VALUES (1, 1, 'FREQ=WEEKLY', 'Europe/London')",
            "INSERT INTO meeting (id, community_id, number, created_by_person_id, title, starts_at,"
            " duration_minutes, reminders, status, sequence, origin_platform, origin_chat_id,"
            " created_at, series_id, occurrence_at) VALUES"
            f" (7, 1, 1, 1, 'AGM', {at}, 60, '60', 'scheduled', 0, 'console', 'g', {at}, NULL,"
            f" NULL), (8, 1, 2, 1, 'Coffee', {at}, 60, '60', 'scheduled', 0, 'console', 'g',"
            f" {at}, 1, {at})",
        ):
            connection.exec_driver_sql(statement)
    engine.dispose()
    upgrade(url)

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def uids(session: Session, meeting_id: int) -> set[str]:
        events = meeting_events(session, load(session, meeting_id), now)
        return {str(event["uid"]) for event in events}

    engine = make_engine(url)
    with Session(engine) as session:
        assert uids(session, 7) == {"meeting-7@moot"}
        assert uids(session, 8) == {"series-1@moot"}
        assert session.get_one(Meeting, 7).guests_visible is False
    engine.dispose()


def test_jobs_waiting_before_0020_get_their_identity_and_duplicates_go(tmp_path: Path) -> None:
    """The reminders the old code left twice for one meeting (the duplicates 0020 fixes) become
    one, keyed as bot.scheduler.reschedule keys them, so re-planning after the upgrade replaces
    them."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    prepare_sqlite_file(url)
    command.upgrade(config, "0019")
    due = "'2026-11-30 09:00:00.000000'"
    engine = make_engine(url)
    with engine.begin() as connection:
        for job_id, kind, payload in (
            (1, "meetings.remind", '{"meeting": 3, "before": 60}'),
            (2, "meetings.remind", '{"meeting": 3, "before": 60}'),
            (3, "repairs.overdue", '{"report": 9, "due": "2026-11-30T09:00:00+00:00"}'),
            (4, "identity.expire_link_code", '{"code": "LINK-AAAA-BBBB"}'),
        ):
            connection.exec_driver_sql(
                "INSERT INTO scheduledjob (id, kind, payload, due_at) VALUES "
                f"({job_id}, '{kind}', '{payload}', {due})"
            )
    engine.dispose()
    upgrade(url)

    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id, key FROM scheduledjob").all()
    keys: dict[int, str | None] = {job_id: key for job_id, key in rows}
    engine.dispose()
    assert keys == {
        2: job_key("meetings.remind", "meeting:3:before:60"),
        3: job_key("repairs.overdue", "report:9"),
        4: None,  # a one-off job keeps no identity
    }

"""Run Alembic migrations programmatically (at start-up and from `moot db upgrade`).

Most starts find the database current already. Importing Alembic (with Mako, and Pygments where
installed) costs about a tenth of a second and 9 MiB that a running Moot would then keep, so
`upgrade` first compares the revision the database records with the newest migration's, read
from the scripts' text, and hands over to Alembic only when they differ or either is unclear.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from storage.engine import prepare_sqlite_file, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The lines storage/migrations/script.py.mako writes; a script declaring its revisions any other
# way (a merge's tuple, say) makes the check give up and leave it to Alembic.
_REVISION = re.compile(r"""^revision(?:: str)? = ["']([\w-]+)["']$""", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"""^down_revision(?:: str \| None)? = (?:["']([\w-]+)["']|None)$""", re.MULTILINE
)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` up to the newest schema."""
    prepare_sqlite_file(url)
    head = head_revision()
    if head is not None and stored_revisions(url) == {head}:
        return
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    """The newest migration's revision, read from the scripts without importing them; None
    unless every script declares its revisions plainly and they form one line with one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        found, down = _REVISION.findall(text), _DOWN_REVISION.findall(text)
        if len(found) != 1 or len(down) != 1:
            return None
        revisions.add(found[0])
        parents.add(down[0])  # "" for the first migration
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored_revisions(url: str) -> set[str]:
    """The revisions Alembic recorded in the database at `url`: none for a new database, one
    Alembic has not touched, or one that cannot be read (Alembic will then say why)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return set()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return {str(row[0]) for row in rows}
    except DBAPIError:
        return set()
    finally:
        engine.dispose()

"""The close's rewrite on SQLite (storage.ballots)."""

from __future__ import annotations

from storage.raw import RawConnection


def rewrite_sqlite(db: RawConnection, poll_id: int) -> None:
    """Rows of a table without rowid sit in key order whatever order they are written in;
    rewriting them leaves the old pages free, and `Store.compact` (VACUUM, with secure_delete)
    overwrites those."""
    ballots = db.execute(
        "SELECT key, poll_id, choice, marks FROM secretballot WHERE poll_id = ? ORDER BY key",
        (poll_id,),
    ).fetchall()
    db.execute("DELETE FROM secretballot WHERE poll_id = ?", (poll_id,))
    db.executemany(
        "INSERT INTO secretballot (key, poll_id, choice, marks) VALUES (?, ?, ?, ?)", ballots
    )
    roll = db.execute(
        "SELECT poll_id, person_id FROM voterroll WHERE poll_id = ? ORDER BY person_id",
        (poll_id,),
    ).fetchall()
    db.execute("DELETE FROM voterroll WHERE poll_id = ?", (poll_id,))
    db.executemany("INSERT INTO voterroll (poll_id, person_id) VALUES (?, ?)", roll)

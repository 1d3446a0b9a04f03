"""The close's rewrite on PostgreSQL (storage.ballots)."""

from __future__ import annotations

from storage.raw import RawConnection


def rewrite_postgresql(db: RawConnection, poll_id: int) -> None:
    """One statement per table: every row rewritten gets the close's transaction id and one
    statement number, so the batches' ids and statement numbers (`xmin`, `cmin`) are gone from
    the live rows; the old versions are left dead for `Store.compact` (VACUUM FULL)."""
    db.execute(
        "WITH gone AS (DELETE FROM secretballot WHERE poll_id = ? "
        "RETURNING key, poll_id, choice, marks) "
        "INSERT INTO secretballot (key, poll_id, choice, marks) "
        "SELECT key, poll_id, choice, marks FROM gone ORDER BY key",
        (poll_id,),
    )
    db.execute(
        "WITH gone AS (DELETE FROM voterroll WHERE poll_id = ? RETURNING poll_id, person_id) "
        "INSERT INTO voterroll (poll_id, person_id) "
        "SELECT poll_id, person_id FROM gone ORDER BY person_id",
        (poll_id,),
    )

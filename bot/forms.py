"""Forms answered one question at a time, by replies (on Telegram, which has no pop-up forms).
What has been answered so far is kept in the store, keyed by platform, the chat the questions go
to and the person, so whichever Moot process gets the next reply carries on. A form started more
than `KEEP_FORMS` ago is forgotten (and deleted by the daily tidy-up, bot/housekeeping).

A platform posts an update again when the process handling it died before answering (Telegram's
webhook), so each answer is taken once: the update id of the last answer is kept with the form,
and those of earlier ones with the core's replay guard (`processedupdate`). A finished form stays
in the store until its answers have been submitted under its last answer's update id, so a
re-posted last answer submits it again, which the core's replay guard lets through once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, delete
from sqlmodel import Session, col

from bot.events import Actor, Form, FormField, Place
from bot.identity.arrival import handled, record_handled
from storage.conversations import FormProgress
from storage.locking import locked
from storage.raw import raw_connection
from storage.types import stored_moment

if TYPE_CHECKING:
    from bot.core import Moot

KEEP_FORMS = timedelta(days=1)

_WAITING = (
    "SELECT 1 FROM formprogress WHERE platform = ? AND chat_id = ? AND user_id = ? "
    "AND started_at >= ?"
)


@dataclass(frozen=True)
class FormInProgress:
    """A form being answered one question at a time, by replies in the chat where it started."""

    form: Form
    place: Place  # where the form was asked for: its answers act there
    actor: Actor
    asked_in: str  # the chat the questions go to: the same one, or a DM for private forms
    values: dict[str, str] = field(default_factory=dict)
    index: int = 0  # the question asked now
    update_id: str | None = None  # the update that gave the latest answer: done, submit under it

    @property
    def question(self) -> FormField:
        return self.form.fields[self.index]

    @property
    def done(self) -> bool:
        return self.index >= len(self.form.fields)

    def answered(self, text: str, update_id: str | None) -> FormInProgress:
        """With `text`, from update `update_id`, as the answer to the question asked now ("-"
        skips an optional one)."""
        answer = text.strip()
        values = dict(self.values)
        if answer and not (answer == "-" and not self.question.required):
            values[self.question.name] = answer
        return replace(self, values=values, index=self.index + 1, update_id=update_id)


def _dump(progress: FormInProgress) -> str:
    return json.dumps(
        {
            "form": asdict(progress.form),
            "place": asdict(progress.place),
            "actor": asdict(progress.actor),
        },
        ensure_ascii=False,
    )


def _load(row: FormProgress) -> FormInProgress:
    data: dict[str, Any] = json.loads(row.form)
    form = data["form"]
    return FormInProgress(
        Form(**{**form, "fields": tuple(FormField(**f) for f in form["fields"])}),
        Place(**data["place"]),
        Actor(**data["actor"]),
        row.chat_id,
        json.loads(row.answers),
        row.next_question,
        row.last_update,
    )


def _key(progress: FormInProgress) -> tuple[str, str, str]:
    return progress.actor.platform, progress.asked_in, progress.actor.user_id


async def begin(moot: Moot, progress: FormInProgress) -> None:
    """Keep the form as started, in place of any other the person was answering there."""
    now = moot.clock.now()

    def write(session: Session) -> None:
        row = session.get(FormProgress, _key(progress))
        if row is not None:
            session.delete(row)
            session.flush()
        platform, chat_id, user_id = _key(progress)
        session.add(
            FormProgress(
                platform=platform,
                chat_id=chat_id,
                user_id=user_id,
                form=_dump(progress),
                answers=json.dumps(progress.values, ensure_ascii=False),
                next_question=progress.index,
                started_at=now,
            )
        )

    await moot.write(write)


async def waiting(moot: Moot, platform: str, chat_id: str, user_id: str) -> bool:
    """Whether the person is answering a form in this chat (a peek: asked of every message)."""
    since = stored_moment(moot.clock.now() - KEEP_FORMS)
    return bool(
        await moot.store.peek(
            lambda db: db.execute(_WAITING, (platform, chat_id, user_id, since)).fetchall()
        )
    )


async def abandon(moot: Moot, platform: str, chat_id: str, user_id: str) -> None:
    """The person sent a command instead of an answer: the form is dropped (not a finished one,
    which is submitted, or is posted again to be)."""
    if not await waiting(moot, platform, chat_id, user_id):
        return
    await _delete(moot, (platform, chat_id, user_id), col(FormProgress.finished_at).is_(None))


async def answer(
    moot: Moot, platform: str, chat_id: str, user_id: str, text: str, update_id: str | None
) -> FormInProgress | None:
    """Take `text`, the reply in update `update_id`, as the answer to the question asked now;
    the form as it then stands. When it is `done`, submit its answers under its `update_id`, then
    say it was `submitted`. None when the person is answering no form here (or a reply on
    another process has just finished it).

    A reply taken before (its update posted again) changes nothing, and the form comes back as
    it stands: its question is asked again, since the process that took the reply may have died
    before asking it (a person who saw it already sees it twice, and answers once), and a
    finished form is submitted again, which the core tells "already handled" if it was."""
    if not await waiting(moot, platform, chat_id, user_id):
        return None
    now = moot.clock.now()

    def write(session: Session) -> FormInProgress | None:
        row = locked(session, FormProgress, (platform, chat_id, user_id))
        if row is None:
            return None
        progress = _load(row)
        if update_id is not None and update_id == row.last_update:
            return progress  # the last answer again
        if row.finished_at is not None:
            return None  # waiting to be submitted: later messages are no answers to it
        db = raw_connection(session)
        if update_id is not None and handled(db, platform, update_id):
            return progress  # an earlier answer again
        progress = progress.answered(text, update_id)
        row.answers = json.dumps(progress.values, ensure_ascii=False)
        row.next_question, row.last_update = progress.index, update_id
        if progress.done:
            row.finished_at = now  # the core records the update, when it takes the answers
        elif update_id is not None:
            record_handled(db, platform, update_id, now)
        return progress

    return await moot.write(write)


async def submitted(moot: Moot, progress: FormInProgress) -> None:
    """The core has handled the finished form's answers: it leaves the store (a form begun
    there since, by what the core answered, stays)."""
    await _delete(
        moot,
        _key(progress),
        col(FormProgress.finished_at).is_not(None),
        col(FormProgress.last_update) == progress.update_id,
    )


async def _delete(moot: Moot, key: tuple[str, str, str], *only: ColumnElement[bool]) -> None:
    """Delete the person's form in that chat, if it is as `only` says."""
    platform, chat_id, user_id = key
    await moot.write(
        lambda s: s.exec(
            delete(FormProgress).where(
                col(FormProgress.platform) == platform,
                col(FormProgress.chat_id) == chat_id,
                col(FormProgress.user_id) == user_id,
                *only,
            )
        )
    )

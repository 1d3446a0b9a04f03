"""A secret ballot in progress is stored nowhere: its marks ride in the data of its own buttons
(each option's button while it is filled in, then Cast), in the voter's private chat, and come
back with the press. So neither the database nor its write-ahead log, a backup or a copy ever
holds a secret choice before it is cast and sealed (docs/secret-ballots.md), and any Moot
process can take the next press. Other polls' ballots in progress are in the store
(bot/polls/drafts.py), as their votes are.

Buttons write the marks as "~" and one letter each ("a" for 0, "b" for 1, …: options and scores
stay below 26), so that a twenty-option ranking fits in Telegram's 64 bytes of button data, and
no letters can be taken for a typed word. Typed, the same commands take the choices as a vote is
typed (`/cast 7 3 1 2`)."""

from __future__ import annotations

import string

from bot.errors import UserError
from bot.polls import ballots
from bot.polls.counting import MAX_SCORE
from bot.polls.spec import MAX_OPTIONS
from bot.polls.views import PollView

_LETTERS = string.ascii_lowercase
CARRIED = "~"  # what starts marks a button carries
assert max(MAX_OPTIONS, MAX_SCORE) < len(_LETTERS), "a mark would have no letter"

Marks = tuple[int, ...]


def written(marks: Marks) -> str:
    """The marks as a button carries them."""
    return CARRIED + "".join(_LETTERS[mark] for mark in marks)


def read(view: PollView, text: str | None) -> Marks:
    """The marks a press carried, or a typed command gave; () for none. Only their form is
    checked here: a ballot in progress need not be a whole vote yet."""
    text = (text or "").strip().lower()
    if not text:
        return ()
    if text.startswith(CARRIED):
        letters = text.removeprefix(CARRIED)
        if not all(letter in _LETTERS for letter in letters):
            raise UserError("That ballot's buttons are not Moot's: open it again with /ballot.")
        return tuple(_LETTERS.index(letter) for letter in letters)
    typed = ballots.parse(view.rules, text)
    return (typed.choice,) if typed.choice is not None else typed.marks


def ballot(view: PollView, marks: Marks) -> ballots.Ballot:
    """The ballot the marks make, checked as a vote is (UserError if it is not one)."""
    if view.kind in ballots.CHOICE_KINDS:
        if len(marks) != 1:
            raise UserError("This poll takes one choice.")
        return ballots.check(view.rules, ballots.Ballot(choice=marks[0]))
    return ballots.check(view.rules, ballots.Ballot(marks=marks))


def toggled(view: PollView, carried: Marks, option: int) -> Marks:
    """A press on an option of a ballot carrying `carried` (checked: it came from the voter)."""
    ballots.check_options(view.rules, carried)
    return ballots.toggle(view.rules, carried, option)

"""Decide: quick polls through to secret ballots, ranked choice and participatory budgets.

- feature.py   the manifest: commands, scheduled jobs, live cards and hooks
- commands/    the command handlers: creating, voting, reading (lists, results, exports) and
               managing (closing, extending, paper votes, outcomes)
- access.py    finding the poll a command names, and who may do what with it (and POLL)
- service.py   writes, each inside one writer transaction with the card edits it causes (a
               vote's once per group of writes); moving posts when a chat moves
- views.py     reading polls and their tallies
- render.py    how polls read in a chat
- cards.py     live messages: a poll's card, a closed poll's results with their chart
- live.py      the ballots and definitions held in memory, and reading results
- jobs.py      opening, closing, reminders and reviews on time; unsealed ballots at start-up
- spec.py      reading a poll's definition from what people type
- privacy.py   a person's votes for their own copy; merging two accounts' votes
- ballots.py   what a vote is for each kind of poll, read and stored
- counting.py  how each kind of poll is counted
- results.py   from a tally to results: shares, turnout, quorum, threshold
- sealing.py   secret ballots sealed in shuffled batches
- chart.py     what a results chart shows; drawing.py draws it, in the chart process
- export.py    polls as CSV and JSON
- web.py       the Decisions page and the home page's open polls (templates/)
"""

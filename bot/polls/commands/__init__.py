"""The polls feature's command handlers, one module per part of a poll's life: creating,
voting, reading (lists, results, exports) and managing (closing, paper votes, outcomes)."""

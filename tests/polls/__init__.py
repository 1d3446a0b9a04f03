"""Tests of Decide: polls and ballots, counting, verdicts and secret ballots."""

"""Tests of Fix: repair reports, their clocks, statuses, the team and the records."""

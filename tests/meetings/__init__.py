"""Tests of Meet: meetings, answers, reminders, agendas, minutes and calendars."""

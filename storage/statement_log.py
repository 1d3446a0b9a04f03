"""Whether a PostgreSQL server writes Moot's statements, with their values, to its own log.

A seal writes a batch of secret ballots and clears their voters' roll entries (bot.polls.sealing);
a server that logs statements keeps both, in plain text, with the moment, for as long as the
operator keeps the log. That is no finer than what its WAL keeps (a batch, never one voter), but a
log is kept, copied and read far more casually than WAL, and nothing Moot does at a poll's close
reaches it (docs/secret-ballots.md). So Moot warns at start-up when it sees such settings."""

from __future__ import annotations

from sqlalchemy import Engine, text

_SETTINGS = text(
    "SELECT name, setting FROM pg_settings WHERE name IN ('log_statement', "
    "'log_min_duration_statement', 'log_min_duration_sample', 'log_statement_sample_rate', "
    "'log_transaction_sample_rate', 'auto_explain.log_min_duration', "
    "'log_parameter_max_length_on_error')"
)


def statement_logging(engine: Engine) -> list[str]:
    """The settings, as `name=value`, under which the server logs this connection's writes.
    Read in Moot's own session, so per-role and per-database settings count."""
    with engine.connect() as connection:
        settings: dict[str, str] = {name: value for name, value in connection.execute(_SETTINGS)}
    found = []
    if settings.get("log_statement") in ("mod", "all"):
        found.append("log_statement")
    for name in ("log_min_duration_statement", "auto_explain.log_min_duration"):
        if name in settings and int(settings[name]) >= 0:
            found.append(name)
    if int(settings.get("log_min_duration_sample", "-1")) >= 0 and float(
        settings.get("log_statement_sample_rate", "0")
    ):
        found.append("log_min_duration_sample")
    if float(settings.get("log_transaction_sample_rate", "0")):
        found.append("log_transaction_sample_rate")
    # A statement that fails (a seal that lost a deadlock and is run again) is logged by default;
    # this setting adds its values: the ballots and voters of that batch.
    if int(settings.get("log_parameter_max_length_on_error", "0")) != 0:
        found.append("log_parameter_max_length_on_error")
    return [f"{name}={settings[name]}" for name in found]


def warning(found: list[str], user: str | None) -> str:
    role = user or "<moot's role>"
    return (
        f"the PostgreSQL server logs Moot's statements ({', '.join(found)}): its log keeps which "
        "secret ballots were sealed together, with their voters and the time, beyond any "
        "poll's close. Turn it off for Moot, e.g. "
        f"ALTER ROLE {role} SET log_statement = 'none'; "
        f"ALTER ROLE {role} SET log_min_duration_statement = -1 (docs/secret-ballots.md)"
    )

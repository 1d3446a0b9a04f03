"""The base every Moot table derives from."""

from __future__ import annotations

from sqlmodel import SQLModel


class Table(SQLModel):
    """A table. Moot builds rows itself or reads them from the database and never has Pydantic
    validate or serialize one, so Pydantic builds a table's validator and serializer only if
    something ever asks (`defer_build`) rather than as each table is defined: that was a
    fifth of the tables' share of start-up time, and half a megabyte that stayed."""

    model_config = {**SQLModel.model_config, "defer_build": True}

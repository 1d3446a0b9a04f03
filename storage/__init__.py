"""Moot's shared store: SQLModel tables, the engines, the single writer and the migrations."""

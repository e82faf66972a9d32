"""Alembic migrations of the consultation store (applied by ``database.migrate`` at server start)."""

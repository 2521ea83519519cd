"""Alembic migrations of the ledger (driven by hub.storage.database.migrate)."""

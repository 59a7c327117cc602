"""Alembic's entry point, run by `triage.store.database.migrate` with a connection it owns.

No alembic.ini and no URL here: the process that migrates passes its own connection, so a
migration runs under the same lock (a file lock on SQLite, an advisory lock on PostgreSQL) that
keeps two starting processes from migrating at once.
"""

from __future__ import annotations

from alembic import context

from triage.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite copies the table
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()

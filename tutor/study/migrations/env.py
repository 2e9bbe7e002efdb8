"""Alembic's entry point, run inside ``open_database``'s transaction: the connection comes in
``config.attributes["connection"]``, never from a URL in a file."""

from alembic import context

from tutor.study.progress_db import Base

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=Base.metadata,
    # SQLite alters a table by copying it: batch mode does that for each migration that needs it.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()

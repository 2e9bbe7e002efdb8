"""The progress database's schema history as Alembic migrations, run by
``progress_db.open_database`` whenever a database is opened (``versions/``: one file per change,
oldest first)."""

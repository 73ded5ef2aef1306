"""Alembic migrations of the fevermap database (applied by :func:`fevermap.db.migrate.upgrade`)."""
